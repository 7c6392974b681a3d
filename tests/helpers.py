"""Test helpers shared by every model's tests (tiny shapes, few steps)."""

import os

import keras
import numpy as np

BACKEND = keras.backend.backend()

MNIST_NPZ_ENV = "KERAS_MODEGAN_MNIST_NPZ"


def mnist_npz_path():
    """The real MNIST `mnist.npz` (`keras.datasets.mnist` layout) the image
    tests read: `$KERAS_MODEGAN_MNIST_NPZ`, else `<repo>/../shared/data/
    mnist.npz`. Skips the calling test, saying why, when it is absent."""
    import pytest

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default = os.path.join(os.path.dirname(repo), "shared", "data", "mnist.npz")
    path = os.environ.get(MNIST_NPZ_ENV) or default
    if not os.path.isfile(path):
        pytest.skip(
            f"real MNIST not found at {path}: set {MNIST_NPZ_ENV} to a "
            "keras.datasets.mnist-layout mnist.npz"
        )
    return path


def toy_data(num_samples=256, dim=2, seed=0):
    """A small float32 sample of a 2-mode mixture."""
    rng = np.random.default_rng(seed)
    centers = np.array([[-1.0] * dim, [1.0] * dim], dtype="float32")
    labels = rng.integers(0, 2, num_samples)
    return (centers[labels] + 0.1 * rng.standard_normal((num_samples, dim))).astype(
        "float32"
    )


def tiny_mlp_method(name, x=None, pretrain_batch_size=32, **overrides):
    """Method `name` (a `METHODS` key) on 2-D data with one hidden layer of
    8 units; the mode-penalty GAN's autoencoder pretrained one epoch on `x`
    (default `toy_data(64)`)."""
    from keras_modegan.models import METHODS

    kw = dict(hidden_units=(8,), seed=0)
    if name in ("dist_gan", "gaan"):
        kw["d_steps"] = 1
    if name == "mode_penalty_gan":
        kw.update(num_modes=4, autoencoder_units=(8,), discriminator_units=(8,))
    if name in ("regularized_gan", "manifold_diffusion_gan"):
        kw["discriminator_units"] = (8,)
    if name == "mixture_density_gan":
        kw["hidden_units"] = (8, 8)
    kw.update(overrides)
    model = METHODS[name].from_mlp(2, **kw)
    if name == "mode_penalty_gan":
        model.pretrain(
            toy_data(64) if x is None else x, epochs=1,
            batch_size=pretrain_batch_size,
        )
    return model


def run_fit_smoke(model, x, batch_size=64, epochs=1, **fit_kwargs):
    """Compiles if needed, fits a few steps, and checks the logs.

    Returns the `History`.
    """
    if not model.compiled:
        model.compile()
    history = model.fit(
        x, batch_size=batch_size, epochs=epochs, verbose=0, **fit_kwargs
    )
    for name in model.metric_names:
        assert name in history.history, (name, history.history.keys())
        values = np.asarray(history.history[name], dtype="float64")
        assert np.all(np.isfinite(values)), (name, values)
    return history


def assert_weights_equal(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def assert_config_round_trip(model):
    """`from_config(get_config())` rebuilds a model with the same config."""
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    return clone


def assert_save_load_round_trip(model, tmp_path, num_samples=16):
    """`.keras` save and load: equal weights, equal optimizer state, equal
    generation for the same seed, and the loaded model trains on."""
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    assert_weights_equal(model, loaded)
    for v, w in zip(model.non_trainable_weights, loaded.non_trainable_weights):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(v.value), keras.ops.convert_to_numpy(w.value)
        )
    if model.compiled:
        assert loaded.optimizer is not None
        ours = [keras.ops.convert_to_numpy(v.value) for v in model.optimizer.variables]
        theirs = [
            keras.ops.convert_to_numpy(v.value) for v in loaded.optimizer.variables
        ]
        assert len(ours) == len(theirs)
        for x, y in zip(ours, theirs):
            np.testing.assert_array_equal(x, y)
    np.testing.assert_allclose(
        model.generate(num_samples, seed=3),
        loaded.generate(num_samples, seed=3),
        rtol=1e-6,
        atol=1e-6,
    )
    # The latent sampler's state is saved: unseeded draws go on alike.
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.sample_latent(4)),
        keras.ops.convert_to_numpy(loaded.sample_latent(4)),
    )
    return loaded


def train_on_grid25_gaan(cls, steps=8000, seed=0):
    """Trains `cls.from_mlp(2, d_steps=1)` with its `compile()` defaults on
    `grid25_gaan` in the setup of `benchmarks/autoencoder_gans.py` (data
    units, one critic update per step, batch 128) and scores it.

    Returns:
        The `keras_modegan.benchmark.train_and_score` result dict.
    """
    from keras_modegan.benchmark import train_and_score

    def build(data_dim, seed):
        model = cls.from_mlp(data_dim, d_steps=1, seed=seed)
        model.compile()
        return model

    return train_and_score(
        build, "grid25_gaan", steps=steps, batch_size=128, seed=seed
    )
