import json
import os
import sys

import keras
import numpy as np
import pytest

from keras_modegan.datasets import load_mixture
from keras_modegan.metrics import mode_coverage
from keras_modegan.models import AdversarialModel, ModePenaltyGAN

ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo")
sys.path.insert(0, ZOO)
import build_presets  # noqa: E402

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration


def test_recipes_name_known_methods_and_data():
    from keras_modegan.datasets import MIXTURES
    from keras_modegan.models import METHODS

    for name, recipe in build_presets.RECIPES.items():
        assert recipe["method"] in METHODS, name
        assert recipe["data"] in MIXTURES + build_presets.IMAGE_DATA, name
        assert name.startswith(recipe["method"]), name


def _tiny_recipe(monkeypatch):
    # A tiny recipe of the kind that needs both extras: a pretraining step
    # and the benchmark's optimizer instead of `compile()`'s. The CLI reads
    # it from `keras_modegan.recipes`, the builder from its own table.
    from keras_modegan import recipes

    tiny = dict(
        steps=4, batch_size=64, pretrain_epochs=1,
        adam=dict(learning_rate=1e-3, beta_1=0.5), lr_end=1e-5,
        reached=dict(modes=0, modes_std=None, num_modes=8, hq=0.0, hq_std=None,
                     seeds=1),
        result="zoo/mode_penalty_gan_ring8/metrics.json", command="tiny",
    )
    monkeypatch.setitem(recipes.RECIPES["cpu"], ("mode_penalty_gan", "ring8_mp"),
                        tiny)
    monkeypatch.setitem(build_presets.RECIPES, "tiny_mode_penalty",
                        dict(tiny, method="mode_penalty_gan", data="ring8_mp"))


def test_build_writes_a_loadable_preset_with_its_card(tmp_path, monkeypatch):
    _tiny_recipe(monkeypatch)
    build_presets.build("tiny_mode_penalty", out_dir=str(tmp_path))
    path = os.path.join(str(tmp_path), "tiny_mode_penalty")
    assert sorted(os.listdir(path)) == [
        "config.json",
        "metrics.json",
        "model.weights.h5",
        "model_card.md",
    ]
    with open(os.path.join(path, "metrics.json")) as f:
        recorded = json.load(f)
    with open(os.path.join(path, "model_card.md")) as f:
        card = f.read()
    assert "`pretrain(x, batch_size=64)` (1 epochs)" in card
    assert "Adam(learning rate 0.001 along a cosine to 1e-05, beta_1 0.5)" in card
    assert f"| {recorded['modes']}/8 |" in card

    model = AdversarialModel.from_preset(path)
    assert isinstance(model, ModePenaltyGAN)
    # The target modes were saved: the loaded model can go on training.
    assert float(np.asarray(model.pretrained)) == 1.0
    _, spec = load_mixture("ring8_mp", num_samples=1)
    measured = mode_coverage(model.generate(spec.num_eval_samples, seed=0), spec)
    # Same backend, same seed: the card's numbers exactly.
    assert measured["modes"] == recorded["modes"]
    assert measured["registered"] == recorded["registered"]


def test_build_from_a_run_folder_is_that_run(tmp_path, monkeypatch):
    # The preset is exactly `keras-modegan train`'s run: its weights and
    # the metrics the run printed.
    from keras_modegan import cli

    _tiny_recipe(monkeypatch)
    run = str(tmp_path / "run")
    assert cli.main(["train", "mode_penalty_gan", "--data", "ring8_mp",
                     "--out", run, "--quiet"]) == 0
    with pytest.raises(SystemExit):  # one preset per run folder
        build_presets.main(["tiny_mode_penalty", "gaan_grid25", "--from-run", run])
    build_presets.build("tiny_mode_penalty", out_dir=str(tmp_path), run_dir=run)
    with open(os.path.join(run, "metrics.json")) as f:
        printed = json.load(f)
    with open(os.path.join(str(tmp_path), "tiny_mode_penalty", "metrics.json")) as f:
        recorded = json.load(f)
    assert {k: recorded[k] for k in ("modes", "hq", "registered")} == {
        k: printed[k] for k in ("modes", "hq", "registered")}
    trained = keras.saving.load_model(os.path.join(run, "model.keras"))
    preset = AdversarialModel.from_preset(
        os.path.join(str(tmp_path), "tiny_mode_penalty"))
    for a, b in zip(trained.get_weights(), preset.get_weights()):
        np.testing.assert_array_equal(a, b)
    # A run with budget flags is not the recipe's run.
    other = str(tmp_path / "other")
    assert cli.main(["train", "mode_penalty_gan", "--data", "ring8_mp", "--steps",
                     "2", "--out", other, "--quiet"]) == 0
    with pytest.raises(ValueError, match="no budget flags"):
        build_presets.build("tiny_mode_penalty", out_dir=str(tmp_path),
                            run_dir=other)


def test_stacked_mnist_preset_is_the_run_with_its_card(tmp_path, monkeypatch):
    # A tiny Stacked MNIST recipe: the preset holds the run's weights, its
    # card and metrics the run's numbers, and `check` the generator's
    # outputs on the fixed codes.
    from keras_modegan import cli, recipes
    from keras_modegan.metrics import stacked_mnist_modes
    from tests.helpers import mnist_npz_path

    npz = mnist_npz_path()
    monkeypatch.setenv("KERAS_MODEGAN_DATA_DIR", os.path.dirname(npz))
    tiny = dict(recipes.RECIPES["cpu"][("dist_gan", "stacked_mnist")], steps=2,
                batch_size=16)
    monkeypatch.setitem(recipes.RECIPES["cpu"], ("dist_gan", "stacked_mnist"), tiny)
    monkeypatch.setitem(build_presets.RECIPES, "tiny_dist_gan_stacked_mnist",
                        dict(tiny, method="dist_gan", data="stacked_mnist"))
    run = str(tmp_path / "run")
    assert cli.main(["train", "dist_gan", "--data", "stacked_mnist",
                     "--num-samples", "256", "--out", run, "--quiet"]) == 0
    build_presets.build("tiny_dist_gan_stacked_mnist", out_dir=str(tmp_path),
                        run_dir=run)
    path = os.path.join(str(tmp_path), "tiny_dist_gan_stacked_mnist")
    with open(os.path.join(run, "metrics.json")) as f:
        printed = json.load(f)
    with open(os.path.join(path, "metrics.json")) as f:
        recorded = json.load(f)
    with open(os.path.join(path, "model_card.md")) as f:
        card = f.read()
    assert recorded["data"] == "stacked_mnist"
    assert {k: recorded[k] for k in ("modes", "kl", "num_samples")} == {
        k: printed[k] for k in ("modes", "kl", "num_samples")}
    assert f"| {recorded['modes']} | {recorded['kl']:.3f} |" in card
    assert "2 steps at batch size 16" in card
    preset = AdversarialModel.from_preset(path)
    trained = keras.saving.load_model(os.path.join(run, "model.keras"))
    for a, b in zip(trained.get_weights(), preset.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert build_presets.generator_check(preset) == recorded["check"]
    # Same backend, same seed: the run's modes exactly.
    again = stacked_mnist_modes(
        preset.generate(recorded["num_samples"], seed=recorded["seed"]),
        "mnist_classifier")
    assert again["modes"] == recorded["modes"]
