"""`keras-modegan train` / `evaluate` with `--data stacked_mnist`."""

import json
import re

import numpy as np
import pytest

from keras_modegan import cli
from keras_modegan.datasets import StackedMNIST
from keras_modegan.metrics import stacked_mnist_modes
from keras_modegan.models import VanillaGAN
from tests.helpers import mnist_npz_path
from tests.test_image_callbacks import tiny_image_gan

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration


def test_evaluate_prints_modes_and_kl(tmp_path, capsys):
    npz = mnist_npz_path()
    model = tiny_image_gan()
    path = str(tmp_path / "tiny.keras")
    model.save(path)
    plot = str(tmp_path / "grid.png")
    code = cli.main(["evaluate", path, "--data", "stacked_mnist",
                     "--num-samples", "64", "--seed", "2", "--data-dir", npz,
                     "--plot", plot])
    assert code == 0
    out = capsys.readouterr().out
    data = StackedMNIST("unrolled_gan", data_dir=npz)
    expected = stacked_mnist_modes(model.generate(64, seed=2), "mnist_classifier",
                                   reference=data.label_distribution())
    row = re.search(r"\| VanillaGAN \| stacked_mnist \| (\d+)/1000 \| ([\d.]+) \| "
                    r"([\d.]+) \|", out)
    assert row, out
    assert int(row.group(1)) == expected["modes"]
    np.testing.assert_allclose(float(row.group(2)), expected["kl"], atol=1e-3)
    np.testing.assert_allclose(float(row.group(3)), expected["kl_train"], atol=1e-3)
    assert (tmp_path / "grid.png").is_file()


def test_evaluate_rejects_a_point_model(tmp_path, capsys):
    from keras_modegan.networks import mlp

    model = VanillaGAN(mlp(2, 2, hidden_units=(4,)), mlp(2, 1, hidden_units=(4,)), 2)
    path = str(tmp_path / "points.keras")
    model.save(path)
    assert cli.main(["evaluate", path, "--data", "stacked_mnist"]) == 2
    assert "(28, 28, 3) images" in capsys.readouterr().err


@pytest.mark.slow(seconds=74)  # CI, 2 workers
def test_train_stacked_mnist_writes_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["train", "vanilla_gan", "--data", "stacked_mnist",
                     "--architecture", "quarter", "--steps", "4",
                     "--steps-per-epoch", "2", "--batch-size", "16",
                     "--num-samples", "64", "--data-dir", mnist_npz_path(),
                     "--out", str(out), "--quiet"])
    assert code == 0
    for name in ("model.keras", "history.csv", "grid.png", "grid_progress.png",
                 "coverage.png", "metrics.json"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["num_samples"] == 64
    # The recipe the flags overrode is recorded with them.
    assert metrics["recipe"]["result"] == "benchmarks/results/stacked_mnist_1k.md"
    assert metrics["overrides"] == {"steps": 4, "steps_per_epoch": 2,
                                    "batch_size": 16}
    assert 1 <= metrics["modes"] <= 64 and metrics["kl"] >= 0
    assert "vanilla_gan | stacked_mnist | quarter" in capsys.readouterr().out


def _train_args(*argv):
    return cli.build_parser().parse_args(["train", *argv, "--data", "stacked_mnist"])


def test_image_recipe_sets_the_budget_and_says_so(capsys):
    from keras_modegan.image_commands import _image_recipe

    args = _train_args("dist_gan")
    recipe, overrides = _image_recipe(args)
    assert (args.steps, args.batch_size) == (1000, 128) and overrides == {}
    assert recipe["result"] == "benchmarks/results/stacked_mnist_1k.md"
    assert capsys.readouterr().out.startswith(
        "Recipe cpu/dist_gan/stacked_mnist: 1000 steps at batch 128, quarter "
        "nets, optimizers from `default_optimizers()` (the paper's settings); "
        "measured 1.3/1000 modes ± 0.5, KL 6.91 (mean of 3 seeds)")

    args = _train_args("dist_gan", "--budget", "paper", "--batch-size", "64")
    recipe, overrides = _image_recipe(args)
    assert (args.steps, args.batch_size) == (500000, 64)
    assert overrides == {"batch_size": 64}
    out = capsys.readouterr().out
    assert "not measured by the project yet; the paper reports 859.5/1000 modes, " \
           "KL 1.04 (Dist-GAN Table 1)" in out and "--batch-size 64" in out

    # Other nets than the recipe's: no recipe, the default trains.
    args = _train_args("dist_gan", "--architecture", "half")
    assert _image_recipe(args) == (None, {})
    assert args.steps is None
    assert "No measured recipe for dist_gan on stacked_mnist with half nets" in \
        capsys.readouterr().out


def test_list_shows_stacked_mnist(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "stacked_mnist " in out and "stacked_mnist_veegan" in out
    assert "eval 25600 samples" in out and "eval 26000 samples" in out
