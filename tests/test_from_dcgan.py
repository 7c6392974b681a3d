import math
import warnings

import numpy as np
import pytest

from keras_modegan.datasets import StackedMNIST
from keras_modegan.layers import DownBlock
from keras_modegan.models import (
    METHODS,
    WGANGP,
    DistGAN,
    ManifoldDiffusionGAN,
    MixtureDensityGAN,
    ModePenaltyGAN,
    RegularizedGAN,
    VanillaGAN,
)
from tests.helpers import assert_save_load_round_trip, run_fit_smoke

SHAPE = (16, 16, 1)  # tiny images: the "quarter" nets at 16x16 (16-8-4-2)


def _images(n, shape=SHAPE, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (n,) + shape).astype("float32")


def _build(cls, shape=SHAPE, **kwargs):
    if cls is ModePenaltyGAN:
        kwargs.setdefault("num_modes", 8)  # the paper's 1,000 need 1,000 images
    with warnings.catch_warnings():
        # MD-GAN's paper setting (d = 9, variance 0.25) is unimodal: the
        # layer says so, and the paper uses it all the same.
        warnings.simplefilter("ignore", UserWarning)
        return cls.from_dcgan(shape, seed=0, **kwargs)


# dist_gan's fit and samples: test_dist_gan_fits_stacked_mnist_as_the_issue_writes
# (28x28x3 from tf.data), the most expensive of these compiles done once.
@pytest.mark.parametrize("name", sorted(set(METHODS) - {"dist_gan"}))
def test_every_method_fits_on_images(name):
    model = _build(METHODS[name])
    x = _images(16)
    if isinstance(model, ModePenaltyGAN):
        model.pretrain(x, epochs=1, batch_size=8, verbose=0)
    history = run_fit_smoke(model, x, batch_size=8)
    assert len(history.history["loss"]) == 1
    samples = model.generate(3, seed=1)
    assert samples.shape == (3,) + SHAPE and np.all(np.isfinite(samples))


def test_dist_gan_fits_stacked_mnist_as_the_issue_writes():
    rng = np.random.default_rng(0)
    digits = (rng.integers(0, 256, (60, 28, 28), dtype="uint8"),
              rng.integers(0, 10, 60))
    data = StackedMNIST("unrolled_gan", seed=0, digits=digits, samples_per_epoch=16)
    model = DistGAN.from_dcgan((28, 28, 3))
    history = model.fit(data.dataset(batch_size=8), epochs=1, verbose=0)
    for name in model.metric_names:
        assert np.all(np.isfinite(history.history[name])), (name, history.history)
    samples = model.generate(2, seed=0)
    assert samples.shape == (2, 28, 28, 3) and np.all(np.isfinite(samples))


def test_the_papers_image_settings():
    shape = (28, 28, 3)
    dist = DistGAN.from_dcgan(shape)
    assert dist.feature_space == "discriminator"
    assert dist.lambda_p == 1.0 and dist.lambda_r == 1.0 and dist.d_steps == 1
    # lambda_w = sqrt(d_z / d_phi), Phi(x) = the 4x4x8 last conv features.
    assert math.isclose(dist.effective_lambda_w, math.sqrt(256 / 128))
    assert dist.latent_dim == 256 and dist.latent_prior == "normal"

    md = _build(MixtureDensityGAN, shape)
    assert md.discriminator.output_shape == (None, 9) and md.variance == 0.25

    wgan = WGANGP.from_dcgan(shape)
    blocks = [la for la in wgan.critic.layers if isinstance(la, DownBlock)]
    assert len(blocks) == 3 and all(b.norm is None for b in blocks)
    assert not any("norm" in v.path for v in wgan.critic.weights)

    reg = RegularizedGAN.from_dcgan(shape)
    assert reg.separate_bn_statistics and reg.encoder.output_shape == (None, 256)
    assert len(reg._bn_copies) == 2 * 4  # mean and variance of the 4 G norms
    mdgan = ManifoldDiffusionGAN.from_dcgan(shape, architecture="half")
    assert mdgan.manifold_discriminator.count_params() == 1889
    assert mdgan.separate_bn_statistics

    mp = ModePenaltyGAN.from_dcgan(shape)
    assert mp.num_modes == 1000 and mp.penalty_weight == 500.0
    assert mp.code_dim == 50

    big = VanillaGAN.from_dcgan(shape, architecture="big", latent_dim=64)
    assert big.latent_dim == 64 and big.latent_prior == "uniform"


def test_seed_fixes_every_network():
    a = _build(RegularizedGAN)
    b = _build(RegularizedGAN)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    kernels = [a.generator.weights[0], a.encoder.weights[0], a.discriminator.weights[0]]
    assert len({tuple(np.asarray(k).ravel()[:4]) for k in kernels}) == 3


def test_image_model_save_load_round_trip(tmp_path):
    model = _build(RegularizedGAN)
    run_fit_smoke(model, _images(8), batch_size=8)
    loaded = assert_save_load_round_trip(model, tmp_path)
    assert loaded.encoder.output_shape == (None, 256)
    run_fit_smoke(loaded, _images(8, seed=1), batch_size=8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`image_shape` must be"):
        VanillaGAN.from_dcgan((28, 28))
    with pytest.raises(ValueError, match="`architecture` must be one of"):
        DistGAN.from_dcgan((28, 28, 3), architecture="K/4")


def _adam(optimizer):
    config = optimizer.get_config()
    return (
        round(float(config["learning_rate"]), 8),
        config["beta_1"],
        config["beta_2"],
    )


def test_compile_defaults_are_the_image_settings():
    # Unrolled GAN's Stacked MNIST Adams as PacGAN sets them: D 2e-4, the
    # other updates 1e-4, betas (0.5, 0.99); Dist-GAN: its authors' image
    # code; WGAN-GP: its paper's Adam whatever the data.
    d, g = (2e-4, 0.5, 0.99), (1e-4, 0.5, 0.99)
    expected = {
        VanillaGAN: {"discriminator": d, "generator": g},
        MixtureDensityGAN: {"discriminator": d, "generator": g},
        RegularizedGAN: {"discriminator": d, "generator": g, "encoder": g},
        ManifoldDiffusionGAN: {
            "manifold_discriminator": d,
            "discriminator": d,
            "manifold": g,
            "diffusion": g,
        },
        DistGAN: dict.fromkeys(
            ("autoencoder", "discriminator", "generator"), (2e-4, 0.5, 0.9)
        ),
        ModePenaltyGAN: dict.fromkeys(
            ("discriminator", "generator"), (2e-4, 0.5, 0.999)
        ),
        WGANGP: dict.fromkeys(("critic", "generator"), (1e-4, 0.0, 0.9)),
    }
    for cls, adams in expected.items():
        model = _build(cls)
        got = {k: _adam(o) for k, o in model.default_optimizers().items()}
        assert got == adams, cls.__name__
