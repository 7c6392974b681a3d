"""Multi-device training equals single-device training (issue #24).

Each check runs `tests/distributed_training.py` in a subprocess, since the
virtual devices (2 host devices for JAX, 2 logical CPUs for TensorFlow)
must be configured before the backend starts; it trains every method two
steps on one device and on two, with the same global batch, and prints the
largest weight difference per method.
"""

import json
import os
import subprocess
import sys

import keras
import pytest

from tests.helpers import BACKEND

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "tests", "distributed_training.py")

# float32 rounding of the same sums taken in another order (also under
# mixed_float16: the variables and the loss-scaled updates are float32).
TOLERANCE = 1e-5


def run_check(mode):
    env = dict(os.environ)
    # The script sets the device count; the rest (conftest's compile flags)
    # is kept.
    env["XLA_FLAGS"] = " ".join(
        flag for flag in env.get("XLA_FLAGS", "").split()
        if not flag.startswith("--xla_force_host_platform_device_count")
    )
    result = subprocess.run(
        [sys.executable, SCRIPT, mode], env=env, cwd=REPO, capture_output=True,
        text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    line = [s for s in result.stdout.splitlines() if s.startswith("FIGURES ")][-1]
    return json.loads(line[len("FIGURES "):])


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution is JAX's")
def test_jax_data_parallel_equals_one_device_every_method():
    from keras_modegan.models import METHODS

    figures = run_check("jax-data")
    assert sorted(figures) == sorted(METHODS)
    for name, difference in figures.items():
        assert difference <= TOLERANCE, (name, figures)


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution is JAX's")
def test_jax_model_parallel_dcgan_equals_one_device():
    figures = run_check("jax-model")
    for name, difference in figures.items():
        assert difference <= TOLERANCE, (name, figures)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute is TF's")
def test_tf_mirrored_strategy_equals_one_device_every_method():
    from keras_modegan.models import METHODS

    # Every method in float32, and two under mixed_float16 (one
    # LossScaleOptimizer per update, inside the strategy).
    figures = run_check("tf-mirrored")
    mixed = ["mixed_float16:vanilla_gan", "mixed_float16:dist_gan"]
    assert sorted(figures) == sorted(list(METHODS) + mixed)
    for name, difference in figures.items():
        assert difference <= TOLERANCE, (name, figures)


@pytest.mark.skipif(BACKEND != "torch", reason="the PyTorch backend's error")
def test_torch_keras_distribution_raises_a_clear_error():
    from keras_modegan.models import VanillaGAN
    from keras_modegan.networks import mlp

    mesh = keras.distribution.DeviceMesh((1,), ["batch"], ["cpu:0"])
    keras.distribution.set_distribution(keras.distribution.DataParallel(mesh))
    try:
        model = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
        with pytest.raises(ValueError, match="not supported under the PyTorch"):
            model.compile()
    finally:
        keras.distribution.set_distribution(None)


@pytest.mark.skipif(BACKEND != "torch", reason="the PyTorch backend's error")
def test_cli_data_parallel_under_torch_says_it_is_not_supported(tmp_path, capsys):
    from keras_modegan import cli

    code = cli.main(["train", "vanilla_gan", "--data", "ring8", "--epochs", "1",
                     "--steps-per-epoch", "1", "--batch-size", "32",
                     "--distribution", "data-parallel",
                     "--out", str(tmp_path / "run")])
    assert code == 2
    assert "not supported under the torch backend" in capsys.readouterr().err


def _train_data_parallel(tmp_path, backend, batch_size, extra_env=None):
    env = dict(os.environ, KERAS_BACKEND=backend, **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "keras_modegan_cli", "train", "vanilla_gan",
         "--data", "ring8", "--epochs", "2", "--steps-per-epoch", "2",
         "--batch-size", str(batch_size), "--distribution", "data-parallel",
         "--backend", backend, "--quiet", "--out", str(tmp_path / "run")],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600,
    )


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution is JAX's")
def test_cli_data_parallel_end_to_end_under_jax(tmp_path):
    flags = " ".join(
        [os.environ.get("XLA_FLAGS", ""), "--xla_force_host_platform_device_count=2"]
    )
    result = _train_data_parallel(tmp_path, "jax", 32, {"XLA_FLAGS": flags})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "data-parallel over 2 devices" in result.stdout
    with open(tmp_path / "run" / "run.json") as f:
        assert json.load(f)["status"] == "complete"
    import keras_modegan.models  # noqa: F401  (registers the classes)

    model = keras.saving.load_model(tmp_path / "run" / "model.keras")
    assert model.generate(4, seed=0).shape == (4, 2)
    # A global batch the devices cannot share is refused before training.
    bad = _train_data_parallel(tmp_path / "bad", "jax", 33, {"XLA_FLAGS": flags})
    assert bad.returncode == 2
    assert "--batch-size 33 must be a multiple of the 2 devices" in bad.stderr
    assert not (tmp_path / "bad" / "run" / "model.keras").exists()


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute is TF's")
def test_cli_data_parallel_end_to_end_under_tensorflow(tmp_path):
    # One CPU device: MirroredStrategy with one replica, the same code path.
    result = _train_data_parallel(tmp_path, "tensorflow", 32)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "data-parallel over 1 device ->" in result.stdout
    with open(tmp_path / "run" / "run.json") as f:
        assert json.load(f)["status"] == "complete"
    with open(tmp_path / "run" / "metrics.json") as f:
        assert json.load(f)["modes"] >= 0
