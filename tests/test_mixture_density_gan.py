import warnings

import keras
import numpy as np
import pytest
from scipy.stats import multivariate_normal

from keras_modegan.models import METHODS, MixtureDensityGAN
from keras_modegan.networks import mlp
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
)

pytestmark = pytest.mark.filterwarnings("ignore:SimplexGaussianMixture")


def small(**kwargs):
    kwargs.setdefault("variance", 0.05)
    return MixtureDensityGAN.from_mlp(
        2, embedding_dim=3, hidden_units=(16, 16), seed=0, **kwargs
    )


def test_registered():
    assert METHODS["mixture_density_gan"] is MixtureDensityGAN


def test_fit_smoke_logs_finite_values():
    model = small()
    history = run_fit_smoke(model, toy_data(256), batch_size=64, epochs=2)
    assert set(history.history) == {"loss", "d_loss", "g_loss", "lk_real", "lk_fake"}
    for key in ("lk_real", "lk_fake"):
        values = np.asarray(history.history[key])
        assert np.all(values >= 0) and np.all(values <= model.lambda_ * (1 + 1e-6))


def test_losses_are_eq3():
    """With frozen players, the logged losses of one step equal Eq. 3
    computed independently (scipy densities), 1e-8 inside each log."""
    bias = np.array([0.3, -0.2], dtype="float32")
    generator = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(
                2,
                kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant(bias),
            ),
        ]
    )
    discriminator = mlp(2, 3, hidden_units=(8,))
    model = MixtureDensityGAN(generator, discriminator, latent_dim=2, variance=0.1)
    model.compile(
        optimizers={
            "generator": keras.optimizers.SGD(0.0),
            "discriminator": keras.optimizers.SGD(0.0),
        }
    )
    x = toy_data(32)
    history = model.fit(x, batch_size=32, epochs=1, verbose=0).history

    vertices = model.mixture.vertices
    cov = 0.1 * np.eye(3)

    def lk(e):
        e = np.asarray(e, dtype="float64")
        return sum(multivariate_normal(mu, cov).pdf(e) for mu in vertices) / 4

    e_real = keras.ops.convert_to_numpy(discriminator(x))
    e_fake = keras.ops.convert_to_numpy(discriminator(bias[None]))
    lam = model.lambda_
    gap = np.log(lam - lk(e_fake) + 1e-8)
    d_loss = -(np.mean(np.log(lk(e_real) + 1e-8)) + gap)
    np.testing.assert_allclose(history["d_loss"][0], d_loss, rtol=1e-4)
    np.testing.assert_allclose(history["g_loss"][0], gap, rtol=1e-4)
    np.testing.assert_allclose(history["lk_real"][0], np.mean(lk(e_real)), rtol=1e-4)
    np.testing.assert_allclose(history["lk_fake"][0], lk(e_fake), rtol=1e-4)


def test_discriminator_step_raises_real_likelihood():
    model = small()
    model.compile(
        optimizers={
            "generator": keras.optimizers.SGD(0.0),
            "discriminator": keras.optimizers.Adam(1e-2),
        }
    )
    x = toy_data(256)
    before = model.fit(x, batch_size=256, epochs=1, verbose=0).history
    model.fit(np.tile(x, (30, 1)), batch_size=256, epochs=1, verbose=0)
    after = model.fit(x, batch_size=256, epochs=1, verbose=0).history
    assert after["d_loss"][0] < before["d_loss"][0]
    assert after["lk_real"][0] > before["lk_real"][0]


def test_from_mlp_is_the_authors_demo():
    model = MixtureDensityGAN.from_mlp(2, seed=0)
    assert model.latent_dim == 2 and model.latent_prior == "uniform"
    assert model.mixture.embedding_dim == 9 and model.mixture.num_components == 10
    assert model.variance == 0.25 and model.edge_length == 1.0
    z = np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype("float32")
    model.generator.set_weights([w * 50 for w in model.generator.get_weights()])
    out = keras.ops.convert_to_numpy(model.generator(z))
    assert out.shape == (64, 2) and np.all(np.abs(out) <= 6.0)
    assert np.abs(out).max() > 3.0  # 6 * tanh, not tanh
    emb = keras.ops.convert_to_numpy(model.discriminator(10 * z))
    assert emb.shape == (64, 9) and np.all(np.abs(emb) <= 2.5)
    kernels = [
        w for w in MixtureDensityGAN.from_mlp(2, seed=0).discriminator.get_weights()
        if w.ndim == 2 and w.size >= 128 * 128
    ]
    assert kernels and abs(np.std(kernels[0]) - 0.02) < 0.002


def test_default_optimizers_halve_every_10k():
    model = small()
    model.compile()
    for name in model.players:
        optimizer = model.optimizer.players[name]
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.beta_1) == 0.5
        schedule = optimizer._learning_rate
        lr = [float(keras.ops.convert_to_numpy(schedule(s))) for s in (0, 9999, 10000)]
        np.testing.assert_allclose(lr, [1e-3, 1e-3, 5e-4], rtol=1e-6)


def test_config_and_save_load(tmp_path):
    model = small(variance=0.2, edge_length=1.5, epsilon=1e-6)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    clone = assert_config_round_trip(model)
    assert clone.variance == 0.2 and clone.edge_length == 1.5
    assert clone.epsilon == 1e-6 and clone.lambda_ == model.lambda_
    loaded = assert_save_load_round_trip(model, tmp_path)
    run_fit_smoke(loaded, toy_data(128), batch_size=64)


def test_bad_arguments():
    with pytest.raises(ValueError, match="epsilon"):
        small(epsilon=0.0)
    with pytest.raises(ValueError, match="variance"):
        small(variance=-0.1)
    flat = keras.Sequential([keras.Input((2,)), keras.layers.Reshape((2, 1))])
    with pytest.raises(ValueError, match="embedding vectors"):
        MixtureDensityGAN(mlp(2, 2), flat, latent_dim=2)


def test_paper_variance_warns():
    with pytest.warns(UserWarning, match="not local maxima"):
        MixtureDensityGAN.from_mlp(2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MixtureDensityGAN.from_mlp(2, variance=0.05, seed=0)


@pytest.mark.slow
def test_covers_the_ring():
    """The benchmark's setting at seed 0 (paper variance 0.25, 3,000 steps,
    lr halved every 750): all three benchmark seeds found 8/8 modes."""
    from keras_modegan.datasets import load_mixture
    from keras_modegan.metrics import mode_coverage

    keras.utils.set_random_seed(0)
    x, spec = load_mixture("ring8_mdgan", seed=0)
    model = MixtureDensityGAN.from_mlp(2, seed=0)
    untrained = mode_coverage(model.generate(2500, seed=0), spec)

    def adam():
        schedule = keras.optimizers.schedules.ExponentialDecay(
            1e-3, decay_steps=750, decay_rate=0.5, staircase=True
        )
        return keras.optimizers.Adam(schedule, beta_1=0.5)

    model.compile(optimizers={"generator": adam(), "discriminator": adam()})
    model.fit(x, batch_size=500, epochs=30, verbose=0)  # 3,000 steps
    trained = mode_coverage(model.generate(2500, seed=0), spec)
    assert untrained["modes"] <= 2, untrained
    assert trained["modes"] >= 6, trained
    assert trained["hq"] > untrained["hq"], (trained, untrained)
