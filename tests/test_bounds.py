"""Bounds and clear errors: training data, sizes, seeds, memory, and a
diverging fit that Keras's TerminateOnNaN stops."""

import argparse

import keras
import numpy as np
import pytest

from keras_modegan.benchmark import run_experiments, train_and_score
from keras_modegan.models import VanillaGAN
from keras_modegan.utils import validation
from tests.helpers import toy_data

SEED_RANGE = r"must be an integer in \[0, 2\*\*32\)"


def _tiny():
    return VanillaGAN.from_mlp(2, hidden_units=(4,), seed=0)


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((0, 2), "float32"), r"`x` is empty. Received: x.shape=\(0, 2\)"),
        (np.array([[0.0, 1.0], [np.nan, 2.0], [np.inf, -np.inf]], "float32"),
         r"`x` must be finite: it holds 1 NaN and 2 inf values \(the first in row 1\)"),
    ],
)
def test_fit_rejects_empty_and_non_finite_data(x, message):
    model = _tiny()
    with pytest.raises(ValueError, match=message):
        model.fit(x, batch_size=2, epochs=1, verbose=0)
    assert not model.compiled or model.optimizer.iterations.numpy() == 0
    with pytest.raises(ValueError, match=message):
        model.fit(keras.ops.convert_to_tensor(x), batch_size=2, verbose=0)


def test_check_training_data_passes_finite_and_non_arrays():
    validation.check_training_data(toy_data(8))
    validation.check_training_data(np.arange(4))  # integers are finite
    validation.check_training_data(iter([]))  # read while training


@pytest.mark.parametrize("size", [0, -3, 2.5, "4", None, True])
def test_sample_latent_size(size):
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        _tiny().sample_latent(size)


def test_sample_latent_accepts_numpy_ints():
    assert tuple(_tiny().sample_latent(np.int64(3)).shape) == (3, 2)


def test_compile_with_a_list_of_optimizers():
    with pytest.raises(ValueError, match="`optimizers` must be a dict mapping"):
        _tiny().compile(optimizers=[keras.optimizers.Adam()])


@pytest.mark.parametrize("seed", [-1, 2**32, 1.0, "3", True])
def test_seed_int(seed):
    with pytest.raises(ValueError, match="`seed` " + SEED_RANGE):
        validation.seed_int(seed, "seed")


def test_seed_arg():
    assert validation.seed_arg(str(2**32 - 1)) == 2**32 - 1
    for text in ("-1", str(2**32), "1.5", "x"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"\[0, 2\*\*32\)"):
            validation.seed_arg(text)


def test_check_fits_in_memory():
    total = validation.memory_bytes()
    assert total is None or total > 2**20
    validation.check_fits_in_memory(1024, "a KiB")
    with pytest.raises(ValueError, match="--num-samples 1e15 needs at least 7.11 PiB"):
        validation.check_fits_in_memory(8 * 10**15, "--num-samples 1e15")


def test_run_experiments_bounds():
    def build(data_dim, seed):
        raise AssertionError("nothing may train")

    with pytest.raises(ValueError, match="100000000000 seeds x 1 runs needs at least"):
        run_experiments([("m", build, "ring8")], range(10**11))
    with pytest.raises(ValueError, match="`seeds` " + SEED_RANGE):
        run_experiments([("m", build, "ring8")], [0, 2**32])
    with pytest.raises(ValueError, match="`seed` " + SEED_RANGE):
        train_and_score(build, "ring8", steps=1, seed=-1)


def test_terminate_on_nan_stops_a_diverging_fit():
    """The models log a `loss` total, so Keras's own callback works."""
    model = _tiny()
    model.compile(optimizers={"generator": keras.optimizers.SGD(1e30),
                              "discriminator": keras.optimizers.SGD(1e30)})
    history = model.fit(toy_data(64), batch_size=8, epochs=5, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1  # stopped in the first epoch
    assert not np.isfinite(history.history["loss"][-1])
