import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.models import METHODS, ManifoldDiffusionGAN
from keras_modegan.networks import mlp
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
)

PLAYERS = ("generator", "encoder", "discriminator", "manifold_discriminator")


def tiny(**kwargs):
    return ManifoldDiffusionGAN.from_mlp(
        2, hidden_units=(8,), discriminator_units=(8,), **kwargs
    )


def linear(input_dim, output_dim, rng):
    net = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(output_dim)])
    w = (0.5 * rng.standard_normal((input_dim, output_dim))).astype("float32")
    b = (0.1 * rng.standard_normal(output_dim)).astype("float32")
    net.set_weights([w, b])
    return net, w, b


def neg_log_sigmoid(t):
    return -np.log(1.0 / (1.0 + np.exp(-t)))


def neg_log_one_minus_sigmoid(t):
    return -np.log(1.0 - 1.0 / (1.0 + np.exp(-t)))


def numpy_of(values):
    return [ops.convert_to_numpy(v) for v in values]


def test_registered():
    assert METHODS["manifold_diffusion_gan"] is ManifoldDiffusionGAN
    assert ManifoldDiffusionGAN.players == PLAYERS


def test_fit_smoke():
    model = tiny(seed=0)
    history = run_fit_smoke(model, toy_data(256), batch_size=64, epochs=2)
    assert len(history.history["manifold_loss"]) == 2
    assert model.generate(10, seed=1).shape == (10, 2)


def test_default_optimizers():
    model = tiny()
    model.compile()
    assert model.optimizer_names == (
        "manifold_discriminator", "manifold", "discriminator", "diffusion"
    )
    for name in model.optimizer_names:
        opt = model.optimizer.players[name]
        assert np.isclose(float(ops.convert_to_numpy(opt.learning_rate)), 1e-3)
        assert opt.beta_1 == 0.5 and opt.beta_2 == 0.9


def test_loss_terms_match_numpy():
    rng = np.random.default_rng(0)
    g, wg, bg = linear(3, 2, rng)
    e, we, be = linear(2, 3, rng)
    d2, w2, b2 = linear(2, 1, rng)
    d1, w1, b1 = linear(2, 1, rng)
    model = ManifoldDiffusionGAN(g, e, d2, d1, latent_dim=3, lambda_=0.3)
    x = rng.standard_normal((6, 2)).astype("float32")
    z = rng.standard_normal((6, 3)).astype("float32")

    fake = z @ wg + bg
    rec = (x @ we + be) @ wg + bg
    d1_real, d1_rec = x @ w1 + b1, rec @ w1 + b1
    d2_rec, d2_fake = rec @ w2 + b2, fake @ w2 + b2
    d1_loss = np.mean(neg_log_sigmoid(d1_real)) + np.mean(
        neg_log_one_minus_sigmoid(d1_rec)
    )
    distance = np.mean(np.sum((x - rec) ** 2, axis=1))
    manifold = distance + 0.3 * np.mean(neg_log_sigmoid(d1_rec))
    d2_loss = np.mean(neg_log_sigmoid(d2_rec)) + np.mean(
        neg_log_one_minus_sigmoid(d2_fake)
    )
    g_loss = np.mean(neg_log_sigmoid(d2_fake))

    out = numpy_of(model.manifold_discriminator_loss(x))
    np.testing.assert_allclose(out[0], d1_loss, rtol=1e-5)
    out = numpy_of(model.manifold_loss(x))
    np.testing.assert_allclose(out[0], manifold, rtol=1e-5)
    np.testing.assert_allclose(out[1], distance, rtol=1e-5)
    out = numpy_of(model.diffusion_discriminator_loss(x, z))
    np.testing.assert_allclose(out[0], d2_loss, rtol=1e-5)
    np.testing.assert_allclose(out[1], d2_rec, rtol=1e-5)
    out = numpy_of(model.diffusion_loss(z))
    np.testing.assert_allclose(out[0], g_loss, rtol=1e-5)


def test_lambda_on_chooses_the_weighted_term():
    # Appendix A (default): d + lambda * (-log D1); Sec. 3.3:
    # lambda * d + (-log D1). Same nets, same batch, by hand.
    rng = np.random.default_rng(2)
    g, wg, bg = linear(3, 2, rng)
    e, we, be = linear(2, 3, rng)
    d2, _, _ = linear(2, 1, rng)
    d1, w1, b1 = linear(2, 1, rng)
    x = rng.standard_normal((6, 2)).astype("float32")
    rec = (x @ we + be) @ wg + bg
    distance = np.mean(np.sum((x - rec) ** 2, axis=1))
    neg_log_d1 = np.mean(neg_log_sigmoid(rec @ w1 + b1))
    hand = {
        "log_d1": distance + 0.3 * neg_log_d1,
        "distance": 0.3 * distance + neg_log_d1,
    }
    losses = {}
    for lambda_on, expected in hand.items():
        model = ManifoldDiffusionGAN(g, e, d2, d1, latent_dim=3, lambda_=0.3,
                                     lambda_on=lambda_on)
        loss, dist, _ = numpy_of(model.manifold_loss(x))
        np.testing.assert_allclose(loss, expected, rtol=1e-5)
        np.testing.assert_allclose(dist, distance, rtol=1e-5)  # logged as is
        losses[lambda_on] = loss
    assert not np.isclose(losses["log_d1"], losses["distance"])
    # At lambda = 1 the two readings are the same loss.
    same = [
        numpy_of(ManifoldDiffusionGAN(g, e, d2, d1, latent_dim=3, lambda_=1.0,
                                      lambda_on=on).manifold_loss(x))[0]
        for on in ("log_d1", "distance")
    ]
    np.testing.assert_allclose(same[0], same[1], rtol=1e-6)


def test_default_weighting_is_appendix_a():
    model = tiny()
    assert (model.lambda_, model.lambda_on) == (1e-2, "log_d1")
    # Files saved before `lambda_on` existed used Appendix A's form, the
    # default, so they load unchanged.
    config = model.get_config()
    del config["lambda_on"]
    assert ManifoldDiffusionGAN.from_config(config).lambda_on == "log_d1"


def test_each_player_moves_only_on_its_loss():
    # One player trainable at a time (the others have SGD with lr 0): each
    # player's own loss goes down after one step on a fixed batch.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 2)).astype("float32")
    checks = {
        "manifold_discriminator": lambda m, z: m.manifold_discriminator_loss(x)[0],
        "encoder": lambda m, z: m.manifold_loss(x)[0],
        "discriminator": lambda m, z: m.diffusion_discriminator_loss(x, z)[0],
    }
    z = rng.uniform(-1, 1, (32, 3)).astype("float32")
    for player, loss in checks.items():
        model = tiny(seed=0, optimizers_per="player")
        model.compile(
            optimizers={
                name: keras.optimizers.SGD(0.05 if name == player else 0.0)
                for name in PLAYERS
            }
        )
        frozen = {
            name: [w.copy() for w in getattr(model, name).get_weights()]
            for name in PLAYERS
            if name != player
        }
        before = float(ops.convert_to_numpy(loss(model, z)))
        model.fit(x, batch_size=32, epochs=1, verbose=0, shuffle=False)
        after = float(ops.convert_to_numpy(loss(model, z)))
        assert after < before, (player, before, after)
        for name, weights in frozen.items():
            for a, b in zip(weights, getattr(model, name).get_weights()):
                np.testing.assert_array_equal(a, b)


def test_save_load_and_config(tmp_path):
    model = tiny(lambda_=0.05, seed=0)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    loaded = assert_save_load_round_trip(model, tmp_path)
    assert loaded.lambda_ == 0.05
    run_fit_smoke(loaded, toy_data(128), batch_size=64)
    assert_config_round_trip(model)
    clone = assert_config_round_trip(tiny(lambda_=2.0, lambda_on="distance"))
    assert (clone.lambda_, clone.lambda_on) == (2.0, "distance")


def test_separate_bn_statistics_in_fit(tmp_path):
    generator = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(momentum=0.5),
            keras.layers.ReLU(),
            keras.layers.Dense(2),
        ]
    )
    model = ManifoldDiffusionGAN(
        generator,
        mlp(2, 2, (8,)),
        mlp(2, 1, (8,)),
        mlp(2, 1, (8,)),
        latent_dim=2,
        seed=0,
    )
    assert len(model._bn_pairs) == 2
    run_fit_smoke(model, toy_data(128) + 3.0, batch_size=64)
    for v, c in model._bn_pairs:
        gen, rec = ops.convert_to_numpy(v.value), ops.convert_to_numpy(c.value)
        init = np.zeros_like(gen) if "mean" in v.name else np.ones_like(gen)
        assert not np.allclose(rec, init), v.name
        assert not np.allclose(gen, init), v.name
        assert not np.allclose(rec, gen), v.name
    assert_save_load_round_trip(model, tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="lambda_"):
        tiny(lambda_=-0.1)
    with pytest.raises(ValueError, match="`lambda_on` must be one of"):
        tiny(lambda_on="d1")
    with pytest.raises(ValueError, match="encoder"):
        ManifoldDiffusionGAN(
            mlp(2, 2), mlp(2, 1), mlp(2, 1), mlp(2, 1), latent_dim=2
        )
    with pytest.raises(ValueError, match="Unknown update"):
        tiny().compile(optimizers={"critic": "adam"})


@pytest.mark.slow
def test_quality_circle6():
    from keras_modegan.benchmark import train_and_score

    def build(data_dim, seed):
        model = ManifoldDiffusionGAN.from_mlp(data_dim, seed=seed)
        model.compile()
        return model

    result = train_and_score(build, "circle6", steps=2000, batch_size=256, seed=0)
    assert result["modes"] >= 5, result
    assert result["hq"] >= 0.1, result
