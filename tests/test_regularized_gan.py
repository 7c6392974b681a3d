import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.models import METHODS, RegularizedGAN
from keras_modegan.networks import mlp
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
)


def tiny(**kwargs):
    return RegularizedGAN.from_mlp(
        2, hidden_units=(8,), discriminator_units=(8,), **kwargs
    )


def linear(input_dim, output_dim, rng):
    net = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(output_dim)])
    w = (0.5 * rng.standard_normal((input_dim, output_dim))).astype("float32")
    b = (0.1 * rng.standard_normal(output_dim)).astype("float32")
    net.set_weights([w, b])
    return net, w, b


def sgd_optimizers(**rates):
    return {name: keras.optimizers.SGD(rate) for name, rate in rates.items()}


def neg_log_sigmoid(t):
    return -np.log(1.0 / (1.0 + np.exp(-t)))


def neg_log_one_minus_sigmoid(t):
    return -np.log(1.0 - 1.0 / (1.0 + np.exp(-t)))


def test_registered():
    assert METHODS["regularized_gan"] is RegularizedGAN


def test_fit_smoke():
    model = tiny(seed=0)
    history = run_fit_smoke(model, toy_data(256), batch_size=64, epochs=2)
    assert len(history.history["g_loss"]) == 2
    assert model.generate(10, seed=1).shape == (10, 2)


def test_loss_terms_match_numpy():
    rng = np.random.default_rng(0)
    g, wg, bg = linear(3, 2, rng)
    e, we, be = linear(2, 3, rng)
    d, wd, bd = linear(2, 1, rng)
    model = RegularizedGAN(g, e, d, latent_dim=3, lambda1=0.3, lambda2=0.7)
    x = rng.standard_normal((6, 2)).astype("float32")
    z = rng.standard_normal((6, 3)).astype("float32")

    fake = z @ wg + bg
    rec = (x @ we + be) @ wg + bg
    d_real, d_fake, d_rec = x @ wd + bd, fake @ wd + bd, rec @ wd + bd
    distance = np.mean(np.sum((x - rec) ** 2, axis=1))
    mode_loss = np.mean(neg_log_sigmoid(d_rec))
    t_e = 0.3 * distance + 0.7 * mode_loss
    t_g = np.mean(neg_log_sigmoid(d_fake)) + t_e
    d_loss = np.mean(neg_log_sigmoid(d_real)) + np.mean(
        neg_log_one_minus_sigmoid(d_fake)
    )

    out = [ops.convert_to_numpy(t) for t in model.generator_loss(x, z)]
    np.testing.assert_allclose(out[0], t_g, rtol=1e-5)
    np.testing.assert_allclose(out[1], t_e, rtol=1e-5)
    np.testing.assert_allclose(out[2], distance, rtol=1e-5)
    np.testing.assert_allclose(out[3], mode_loss, rtol=1e-5)
    np.testing.assert_allclose(out[4], d_rec, rtol=1e-5)
    d_out = ops.convert_to_numpy(model.discriminator_loss(x, z)[0])
    np.testing.assert_allclose(d_out, d_loss, rtol=1e-5)


def test_encoder_trained_only_by_regularizers():
    x = toy_data(64)
    for lam, should_change in ((0.0, False), (0.5, True)):
        keras.utils.set_random_seed(0)
        model = tiny(lambda1=lam, lambda2=lam, seed=0)
        model.compile(
            optimizers=sgd_optimizers(generator=0.1, encoder=0.1, discriminator=0.1)
        )
        before = [w.copy() for w in model.encoder.get_weights()]
        model.fit(x, batch_size=64, epochs=1, verbose=0)
        after = model.encoder.get_weights()
        changed = any(not np.array_equal(a, b) for a, b in zip(before, after))
        assert changed == should_change, lam


def test_mode_regularizer_raises_d_of_reconstructions():
    # The sign reading: the encoder step must move G(E(x)) towards what D
    # scores as real, i.e. lower -log D(G(E(x))) (only E is updated here).
    rng = np.random.default_rng(1)
    g, _, _ = linear(3, 2, rng)
    e, _, _ = linear(2, 3, rng)
    d, _, _ = linear(2, 1, rng)
    model = RegularizedGAN(g, e, d, latent_dim=3, lambda1=0.0, lambda2=1.0)
    model.compile(
        optimizers=sgd_optimizers(generator=0.0, encoder=0.05, discriminator=0.0)
    )
    x = rng.standard_normal((32, 2)).astype("float32")
    z = rng.standard_normal((32, 3)).astype("float32")
    before = float(ops.convert_to_numpy(model.generator_loss(x, z)[3]))
    model.fit(x, batch_size=32, epochs=1, verbose=0)
    after = float(ops.convert_to_numpy(model.generator_loss(x, z)[3]))
    assert after < before - 1e-4, (before, after)


def test_save_load_and_config(tmp_path):
    model = tiny(lambda1=0.02, lambda2=0.03, d_steps=2, seed=0)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    loaded = assert_save_load_round_trip(model, tmp_path)
    assert loaded.lambda1 == 0.02 and loaded.lambda2 == 0.03
    assert loaded.d_steps == 2
    run_fit_smoke(loaded, toy_data(128), batch_size=64)
    assert_config_round_trip(model)


def bn_generator(latent_dim=2):
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(momentum=0.5),
            keras.layers.ReLU(),
            keras.layers.Dense(2),
        ]
    )


def bn_stats(model):
    variables = model.generator.non_trainable_variables
    return [ops.convert_to_numpy(v.value).copy() for v in variables]


def test_separate_bn_statistics():
    x = toy_data(64) + 3.0
    model = RegularizedGAN(
        bn_generator(), mlp(2, 2, (8,)), mlp(2, 1, (8,)), latent_dim=2
    )
    assert len(model._bn_pairs) == 2
    copies = [c for _, c in model._bn_pairs]
    prior = bn_stats(model)
    model.reconstruct(x, training=True)
    # The prior-draw statistics are untouched, the reconstruction set moved.
    for a, b in zip(prior, bn_stats(model)):
        np.testing.assert_array_equal(a, b)
    for a, c in zip(prior, copies):
        assert not np.allclose(a, ops.convert_to_numpy(c.value))
    # Inference uses the reconstruction set: equal to a generator whose
    # statistics are those copies.
    rec = ops.convert_to_numpy(model.reconstruct(x))
    for (v, c) in model._bn_pairs:
        v.assign(c.value)
    manual = ops.convert_to_numpy(model.generator(model.encoder(x)))
    np.testing.assert_allclose(rec, manual, rtol=1e-5, atol=1e-6)

    shared = RegularizedGAN(
        bn_generator(),
        mlp(2, 2, (8,)),
        mlp(2, 1, (8,)),
        latent_dim=2,
        separate_bn_statistics=False,
    )
    assert shared._bn_pairs == []
    before = bn_stats(shared)
    shared.reconstruct(x, training=True)
    assert not np.allclose(before[0], bn_stats(shared)[0])


def test_separate_bn_statistics_in_fit(tmp_path):
    model = RegularizedGAN(
        bn_generator(), mlp(2, 2, (8,)), mlp(2, 1, (8,)), latent_dim=2, seed=0
    )
    run_fit_smoke(model, toy_data(128) + 3.0, batch_size=64)
    for v, c in model._bn_pairs:
        gen, rec = ops.convert_to_numpy(v.value), ops.convert_to_numpy(c.value)
        init = np.zeros_like(gen) if "mean" in v.name else np.ones_like(gen)
        assert not np.allclose(rec, init), v.name
        assert not np.allclose(rec, gen), v.name
    assert_save_load_round_trip(model, tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="lambda1"):
        tiny(lambda1=-1.0)
    with pytest.raises(ValueError, match="lambda2"):
        tiny(lambda2="a")
    with pytest.raises(ValueError, match="d_steps"):
        tiny(d_steps=0)
    with pytest.raises(ValueError, match="separate_bn_statistics"):
        tiny(separate_bn_statistics="yes")
    with pytest.raises(ValueError, match="encoder"):
        RegularizedGAN(mlp(2, 2), mlp(2, 3), mlp(2, 1), latent_dim=2)


@pytest.mark.slow
def test_quality_circle6():
    from keras_modegan.benchmark import train_and_score

    def build(data_dim, seed):
        model = RegularizedGAN.from_mlp(data_dim, seed=seed)
        model.compile(
            optimizers={
                name: keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
                for name in model.players
            }
        )
        return model

    result = train_and_score(build, "circle6", steps=2000, batch_size=256, seed=0)
    assert result["modes"] >= 5, result
    assert result["hq"] >= 0.2, result
