import numpy as np
import pytest
from keras import ops

from keras_modegan.losses import autoencoder_losses as ael
from keras_modegan.models import GAAN, METHODS, DistGAN
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
    train_on_grid25_gaan,
)
from tests.test_dist_gan import _fixed_linear_model, _np, _numpy_step_losses


def _model(**kwargs):
    kwargs.setdefault("d_steps", 2)
    return GAAN.from_mlp(2, hidden_units=(8, 8), **kwargs)


def test_gaan_losses_match_numpy_on_fixed_nets():
    model = _fixed_linear_model(GAAN)
    x = toy_data(8)
    z = np.random.default_rng(1).uniform(-1, 1, (8, 2)).astype("float32")
    l_r, l_w, _ = _numpy_step_losses(model, x.astype("float64"),
                                     z.astype("float64"), gaan=True)
    xt, zt = ops.convert_to_tensor(x), ops.convert_to_tensor(z)
    z_e = model.encoder(xt)
    x_r = model.generator(z_e)
    x_f = model.generator(zt)
    # Eq. 6 of GAAN: the data side compares x (not G(E(x))) with G(z).
    anchor = model.latent_data_anchor(xt, x_r)
    np.testing.assert_array_equal(_np(anchor), x)
    got_lw = ael.latent_data_distance(anchor, x_f, z_e, zt, model.effective_lambda_w)
    np.testing.assert_allclose(_np(got_lw), l_w, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(_np(ael.reconstruction_loss(xt, x_r)), l_r,
                               rtol=1e-4)
    # Algorithm 1, line 10: G maximizes E log sigmoid(D(G(z))).
    wd, bd = [w.astype("float64") for w in model.discriminator.get_weights()]
    d_fake = x_f_np = _np(x_f).astype("float64") @ wd + bd
    expected = -np.mean(np.log(1.0 / (1.0 + np.exp(-d_fake))))
    np.testing.assert_allclose(_np(model.generator_loss(xt, x_f)), expected,
                               rtol=1e-4)
    hinge = _fixed_linear_model(GAAN, loss="hinge")
    np.testing.assert_allclose(_np(hinge.generator_loss(xt, x_f)),
                               -np.mean(x_f_np), rtol=1e-4)


def test_gaan_differs_from_dist_gan():
    # Same nets: the L_W anchors and generator losses differ.
    gaan, dist = _fixed_linear_model(GAAN), _fixed_linear_model(DistGAN)
    x = ops.convert_to_tensor(toy_data(8))
    fake = gaan.generator(gaan.sample_latent(8, seed=0))
    assert not np.allclose(_np(gaan.generator_loss(x, fake)),
                           _np(dist.generator_loss(x, fake)))


def test_fit_numpy_and_tf_data():
    import tensorflow as tf  # only here: a tf.data / tf.function check
    history = run_fit_smoke(_model(), toy_data(256), batch_size=64)
    assert history.history["g_loss"][0] > 0.0
    ds = tf.data.Dataset.from_tensor_slices(toy_data(256)).batch(64)
    ablation = _model(data_range=(-2.0, 2.0), lambda_r=0.0, lambda_p=0.0)
    history = run_fit_smoke(ablation, ds)
    assert history.history["gp"][0] == 0.0 and history.history["l_w"][0] == 0.0


def test_config_and_save_load(tmp_path):
    model = _model(reconstructions="none", data_range=(-4.5, 4.5), seed=4)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    clone = assert_config_round_trip(model)
    assert type(clone) is GAAN and clone.reconstructions == "none"
    clone = assert_config_round_trip(_model(penalty_form="norm", penalty_norm="rms"))
    assert (clone.penalty_form, clone.penalty_norm) == ("norm", "rms")
    loaded = assert_save_load_round_trip(model, tmp_path)
    run_fit_smoke(loaded, toy_data(128), batch_size=64)


def test_registered_and_defaults():
    assert METHODS["gaan"] is GAAN
    model = GAAN.from_mlp(2)
    assert (model.lambda_r, model.lambda_p, model.effective_lambda_w) == (
        0.1, 0.1, 1.0)
    # GAAN Eq. 4's penalty, (||grad||_2^2 - 1)^2, as Dist-GAN's Eq. 5.
    assert (model.penalty_form, model.penalty_norm) == ("squared_norm", "l2")
    with pytest.raises(ValueError, match="`reconstructions` must be one of"):
        _model(reconstructions="maybe")


@pytest.mark.slow(seconds=89)  # CI, 2 workers
def test_quality_grid25_gaan():
    # The benchmark's setup (benchmarks/autoencoder_gans.py), a shorter budget.
    # Seed 0 is the benchmark's worst seed: 13 modes, 618 points, TV 0.36
    # after 10K steps (seeds 1, 2: 25 modes); VanillaGAN 7 modes.
    result = train_on_grid25_gaan(GAAN, steps=8000)
    assert result["modes"] >= 9 and result["registered"] >= 400, result


def test_penalty_form_changes_the_logged_penalty():
    # The fixed linear D (w = (0.7, -1.2)) has ||grad||_2^2 = 1.93.
    for form, hand in (("squared_norm", 0.93**2), ("norm", (1.93**0.5 - 1) ** 2)):
        model = _fixed_linear_model(GAAN, d_steps=1, lambda_p=0.1,
                                    penalty_form=form, seed=0)
        model.compile()
        history = model.fit(toy_data(16), batch_size=16, epochs=1, verbose=0)
        np.testing.assert_allclose(history.history["gp"][0], hand, rtol=1e-4)
