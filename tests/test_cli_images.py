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


@pytest.mark.slow
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
    assert 1 <= metrics["modes"] <= 64 and metrics["kl"] >= 0
    assert "vanilla_gan | stacked_mnist | quarter" in capsys.readouterr().out


def test_list_shows_stacked_mnist(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "stacked_mnist " in out and "stacked_mnist_veegan" in out
    assert "eval 25600 samples" in out and "eval 26000 samples" in out
