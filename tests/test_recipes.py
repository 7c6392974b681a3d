import json
import os
import re

import keras
import numpy as np
import pytest

from keras_modegan import cli, recipes
from keras_modegan.datasets import MIXTURES, get_spec
from keras_modegan.models import METHODS, WGANGP, DistGAN, VanillaGAN

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _vanilla():
    return VanillaGAN.from_mlp(2, hidden_units=(4,), seed=0)


def _rate(optimizer, step):
    """The learning rate `optimizer` applies at iteration `step`."""
    lr = optimizer.get_config()["learning_rate"]
    if isinstance(lr, dict):
        schedule = keras.optimizers.schedules.deserialize(lr)
        return float(keras.ops.convert_to_numpy(schedule(step)))
    return float(lr)


def test_every_recipe_names_a_method_a_data_set_and_its_result_file():
    rows = recipes.list_recipes()
    assert len(rows) == sum(len(r) for r in recipes.RECIPES.values())
    assert set(recipes.RECIPES) == set(recipes.BUDGETS)
    for method, data, budget, recipe in rows:
        where = f"{budget}/{method}/{data}"
        assert method in METHODS, where
        if data in recipes.IMAGE_DATA_SETS:
            assert recipe["architecture"] in ("quarter", "half", "big"), where
            num_modes = 1000
        else:
            assert data in MIXTURES, where
            num_modes = get_spec(data).num_modes
        if recipe["reached"] is not None:
            assert recipe["reached"]["num_modes"] == num_modes, where
        else:  # a budget not yet run: only the paper budget
            assert budget == "paper", where
        assert recipe["steps"] > 0 and recipe["batch_size"] > 0, where
        assert os.path.isfile(os.path.join(ROOT, recipe["result"])), where
        for key in ("options", "optimizer_options"):
            # The options are real keyword arguments: the model builds.
            assert isinstance(recipe.get(key, {}), dict), where


def _table_rows(text, label, data):
    return [line for line in text.splitlines()
            if line.startswith("|") and f" {label} " in line and f" {data} " in line]


def test_every_recipe_reached_what_its_result_file_says():
    for method, data, budget, recipe in recipes.list_recipes():
        where = f"{budget}/{method}/{data}"
        reached = recipe["reached"]
        path = os.path.join(ROOT, recipe["result"])
        if data in recipes.IMAGE_DATA_SETS:
            _check_image_recipe(method, budget, recipe, path)
            continue
        if path.endswith("metrics.json"):  # a zoo preset, seed 0
            with open(path) as f:
                measured = json.load(f)
            assert measured["data"] == data, where
            assert measured["modes"] == reached["modes"], where
            assert measured["hq"] == reached["hq"], where
            assert reached["seeds"] == 1, where
            card = os.path.join(os.path.dirname(path), "model_card.md")
            with open(card) as f:
                assert f"Reproduce: `{recipe['command']}`" in f.read(), where
            continue
        with open(path) as f:
            text = f.read()
        assert f"Command: `{recipe['command']}`" in text, where
        rows = _table_rows(text, recipe.get("label", method), data)
        modes = f"{reached['modes']:.1f} ± {reached['modes_std']:.1f}"
        hq = f"{100 * reached['hq']:.1f}% ± {reached['hq_std']:.1f}"
        assert any(modes in row and hq in row for row in rows), (where, rows)
        assert f"seeds 0..{reached['seeds'] - 1}" in text, where
        assert re.search(rf"\b{recipe['steps']} (training )?steps\b",
                         text.replace(",", "")), where
        assert re.search(rf"\bbatch {recipe['batch_size']}\b", text), where


def _check_image_recipe(method, budget, recipe, path):
    where = f"{budget}/{method}/stacked_mnist"
    with open(path) as f:
        text = f.read()
    # Commands in the docs may be wrapped over lines with a backslash.
    flat = " ".join(text.replace("\\\n", " ").split())
    assert recipe["command"] in flat, where
    assert f"--steps {recipe['steps']} " in recipe["command"], where
    reached = recipe["reached"]
    if reached is None:
        paper = recipe["paper"]
        if paper is not None:  # the number the Stacked MNIST table prints
            with open(os.path.join(
                    ROOT, "benchmarks/results/stacked_mnist_1k.md")) as f:
                assert f"{paper['modes']} / {paper['kl']}" in f.read(), where
        return
    row = f"| {method} | {recipe['architecture']} | {reached['modes']:.1f} ± " \
          f"{reached['modes_std']:.1f} | {reached['kl']:.2f} ± "
    assert row in text, where
    assert f"{recipe['steps']} steps at batch {recipe['batch_size']}" in text, where


def test_get_recipe_copies_and_rejects_an_unknown_budget():
    recipe = recipes.get_recipe("dist_gan", "grid25")
    assert (recipe["steps"], recipe["batch_size"]) == (6000, 128)
    recipe["steps"] = 1
    assert recipes.get_recipe("dist_gan", "grid25")["steps"] == 6000
    assert recipes.get_recipe("wgan_gp", "cube27") is None
    assert recipes.get_recipe("mixture_density_gan", "ring8_mdgan", "paper")[
        "steps"] == 20000
    with pytest.raises(ValueError, match="Unknown budget 'gpu'; accepted: cpu"):
        recipes.get_recipe("dist_gan", "grid25", budget="gpu")


def test_describe_reached():
    assert recipes.describe_reached(recipes.get_recipe("dist_gan", "grid25")) == (
        "25/25 modes, 74.0% high-quality (seed 0)")
    assert recipes.describe_reached(
        recipes.get_recipe("mixture_density_gan", "grid25")
    ) == "24.6/25 modes ± 0.5, 92.7% ± 3.2 high-quality (mean of 5 seeds)"


def test_cosine_recipe_and_learning_rate_override():
    recipe = dict(steps=100, batch_size=8,
                  adam=dict(learning_rate=1e-3, beta_1=0.5), lr_end=1e-5)
    model = _vanilla()
    chosen = recipes.build_optimizers(model, recipe)
    assert sorted(chosen) == sorted(recipes.update_names(model))
    for optimizer in chosen.values():
        assert optimizer.get_config()["beta_1"] == 0.5
        np.testing.assert_allclose(_rate(optimizer, 0), 1e-3, rtol=1e-6)
        np.testing.assert_allclose(_rate(optimizer, 100), 1e-5, rtol=1e-4)
    # --lr: the cosine keeps its shape, scaled by 1e-4 / 1e-3; --steps: it
    # spans the new run.
    chosen = recipes.build_optimizers(model, recipe, steps=50, learning_rate=1e-4)
    np.testing.assert_allclose(_rate(chosen["generator"], 0), 1e-4, rtol=1e-6)
    np.testing.assert_allclose(_rate(chosen["generator"], 50), 1e-6, rtol=1e-4)
    assert "to 1e-06" in recipes.describe_optimizers(recipe, learning_rate=1e-4)


def test_halving_recipe():
    recipe = recipes.get_recipe("mixture_density_gan", "grid25")
    optimizer = recipes.build_optimizers(_vanilla(), recipe, steps=100)["generator"]
    rates = [_rate(optimizer, step) for step in (0, 24, 25, 50, 99)]
    np.testing.assert_allclose(rates, [1e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4],
                               rtol=1e-6)
    assert "halved every 25% of the run" in recipes.describe_optimizers(recipe)


def test_default_optimizers_rescaled_by_learning_rate():
    model = WGANGP.from_mlp(2, hidden_units=(4,), seed=0)
    assert recipes.build_optimizers(model, None) is None
    assert recipes.build_optimizers(model, recipes.get_recipe("wgan_gp", "ring8")) \
        is None
    chosen = recipes.build_optimizers(model, None, learning_rate=1e-3)
    defaults = model.default_optimizers()
    assert sorted(chosen) == sorted(defaults)
    for name, optimizer in chosen.items():
        config, default = optimizer.get_config(), defaults[name].get_config()
        assert config["learning_rate"] == pytest.approx(1e-3)
        assert (config["beta_1"], config["beta_2"]) == (
            default["beta_1"], default["beta_2"])


def test_optimizer_options_and_a_rescaled_schedule():
    # Dist-GAN's authors' code: lr x0.9 every 10K updates of all players.
    recipe = recipes.get_recipe("dist_gan", "grid25_gaan")
    model = DistGAN.from_mlp(2, hidden_units=(4,), seed=0, **recipe["options"])
    expected = model.default_optimizers(decay_counter="update")
    chosen = recipes.build_optimizers(model, recipe, learning_rate=5e-4)
    assert sorted(chosen) == sorted(expected)
    for name, optimizer in chosen.items():
        lr = optimizer.get_config()["learning_rate"]["config"]
        reference = expected[name].get_config()["learning_rate"]["config"]
        assert lr["initial_learning_rate"] == 5e-4
        assert lr["decay_steps"] == reference["decay_steps"]
        assert lr["decay_rate"] == 0.9
    assert "decay_counter='update'" in recipes.describe_optimizers(recipe)


def test_list_shows_every_recipe_under_its_method(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    methods = out.split("\nDatasets")[0]
    sections = {}
    current = None
    for line in methods.splitlines()[1:]:
        if line.startswith("      "):
            sections[current].append(line.strip())
        else:
            current = line.split()[0]
            sections[current] = []
    assert sorted(sections) == sorted(METHODS)
    for method in METHODS:
        expected = [
            f"--data {data:<13} --budget {budget:<5} "
            f"{recipes.describe_reached(recipe)}; {recipe['steps']} steps at "
            f"batch {recipe['batch_size']} ({recipe['result']})"
            for _, data, budget, recipe in recipes.list_recipes(method)
        ]
        assert sections[method] == expected, method
