import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.models import AdversarialModel, VanillaGAN
from keras_modegan.networks import mlp
from tests.helpers import assert_weights_equal, toy_data


class _OnePlayerStep(AdversarialModel):
    """Tiny model whose step minimizes a closed-form loss for one player."""

    players = ("generator", "discriminator")
    metric_names = ("loss",)

    def __init__(self, generator, discriminator, player="discriminator", **kwargs):
        super().__init__(
            {"generator": generator, "discriminator": discriminator},
            latent_dim=1,
            **kwargs,
        )
        self.player = player

    def train_step(self, data):
        x = self.real_batch(data)

        def loss_fn():
            # L = mean((D(G(x)) - 1)^2), D and G affine maps of a scalar.
            y = self.discriminator(self.generator(x, training=True), training=True)
            return ops.mean(ops.square(y - 1.0))

        return self.log(loss=self.minimize(loss_fn, self.player))


def _affine(w, b):
    layer = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    layer.set_weights([np.array([[w]], "float32"), np.array([b], "float32")])
    return layer


def _hand_sgd_step(x, g, d, lr, player):
    """One SGD step on L = mean((a (c x + e) + b - 1)^2), by hand."""
    (c, e), (a, b) = g, d
    h = c * x + e
    r = a * h + b - 1.0
    grads = {
        "discriminator": (np.mean(2 * r * h), np.mean(2 * r)),
        "generator": (np.mean(2 * r * a * x), np.mean(2 * r * a)),
    }
    g_new, d_new = list(g), list(d)
    for name in player:
        target = g_new if name == "generator" else d_new
        target[0] -= lr * grads[name][0]
        target[1] -= lr * grads[name][1]
    return g_new, d_new


@pytest.mark.parametrize(
    "player",
    [["discriminator"], ["generator"], ["generator", "discriminator"]],
)
def test_minimize_matches_hand_computed_sgd_step(player):
    x = np.array([[0.5], [-1.0], [2.0], [0.25]], "float32")
    g, d = (0.8, 0.1), (1.5, -0.3)
    model = _OnePlayerStep(_affine(*g), _affine(*d), player=player)
    model.compile(
        optimizers={
            "generator": keras.optimizers.SGD(0.1),
            "discriminator": keras.optimizers.SGD(0.1),
        }
    )
    model.fit(x, batch_size=4, epochs=1, shuffle=False, verbose=0)
    g_new, d_new = _hand_sgd_step(x[:, 0].astype("float64"), g, d, 0.1, player)
    got_g = [float(np.ravel(w)[0]) for w in model.generator.get_weights()]
    got_d = [float(np.ravel(w)[0]) for w in model.discriminator.get_weights()]
    np.testing.assert_allclose(got_g, g_new, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_d, d_new, rtol=1e-5, atol=1e-6)
    # Players not named keep their weights bit for bit.
    if "generator" not in player:
        assert got_g == [np.float32(0.8), np.float32(0.1)]
    if "discriminator" not in player:
        assert got_d == [np.float32(1.5), np.float32(-0.3)]
    # The group counts training steps; the players count their updates.
    assert int(ops.convert_to_numpy(model.optimizer.iterations)) == 1
    for name, optimizer in model.optimizer.players.items():
        expected = 1 if name in player else 0
        assert int(ops.convert_to_numpy(optimizer.iterations)) == expected


def test_state_assigned_inside_a_loss_is_kept():
    """Batch-norm statistics updated inside `minimize` survive the step
    (under JAX they travel out of the gradient trace)."""
    discriminator = keras.Sequential(
        [keras.Input((2,)), keras.layers.BatchNormalization(), keras.layers.Dense(1)]
    )
    model = VanillaGAN(mlp(2, 2, hidden_units=(8,)), discriminator, latent_dim=2)
    model.compile()
    before = ops.convert_to_numpy(discriminator.layers[0].moving_mean)
    model.fit(toy_data(64) + 5.0, batch_size=64, epochs=1, verbose=0)
    after = ops.convert_to_numpy(discriminator.layers[0].moving_mean)
    assert np.all(np.isfinite(after))
    assert not np.allclose(before, after)


def test_same_seed_same_weights():
    def run():
        keras.utils.set_random_seed(7)
        model = VanillaGAN(
            mlp(2, 2, hidden_units=(16,)), mlp(2, 1, hidden_units=(16,)), 2, seed=7
        )
        model.compile()
        model.fit(toy_data(256), batch_size=64, epochs=2, verbose=0)
        return model

    assert_weights_equal(run().generator, run().generator)


def test_different_seeds_differ():
    keras.utils.set_random_seed(1)
    a = VanillaGAN(mlp(2, 2, hidden_units=(16,)), mlp(2, 1, hidden_units=(16,)), 2)
    keras.utils.set_random_seed(2)
    b = VanillaGAN(mlp(2, 2, hidden_units=(16,)), mlp(2, 1, hidden_units=(16,)), 2)
    assert not np.allclose(a.generate(8, seed=0), b.generate(8, seed=0))


def test_latent_priors():
    model = VanillaGAN(mlp(3, 2), mlp(2, 1), latent_dim=3, latent_prior="uniform")
    z = ops.convert_to_numpy(model.sample_latent(4096, seed=0))
    assert z.shape == (4096, 3)
    assert z.min() >= -1.0 and z.max() <= 1.0
    assert abs(z.std() - np.sqrt(1 / 3)) < 0.02
    model = VanillaGAN(mlp(3, 2), mlp(2, 1), latent_dim=3)
    z = ops.convert_to_numpy(model.sample_latent(4096, seed=0))
    assert abs(z.std() - 1.0) < 0.03
    np.testing.assert_array_equal(
        ops.convert_to_numpy(model.sample_latent(5, seed=3)),
        ops.convert_to_numpy(model.sample_latent(5, seed=3)),
    )


def test_sample_latent_per_replica_false_is_the_same_draw_on_one_device():
    # Off tf.distribute both paths draw from the model's seed generator
    # alike, advancing it once per draw.
    a = VanillaGAN(mlp(3, 2), mlp(2, 1), latent_dim=3, seed=5)
    b = VanillaGAN(mlp(3, 2), mlp(2, 1), latent_dim=3, seed=5)
    for _ in range(2):
        np.testing.assert_array_equal(
            ops.convert_to_numpy(a.sample_latent(6)),
            ops.convert_to_numpy(b.sample_latent(6, per_replica=False)),
        )


def test_generate_shapes_and_call():
    model = VanillaGAN(mlp(3, 3), mlp(3, 1), latent_dim=3)
    samples = model.generate(2050, seed=0, batch_size=1000)
    assert samples.shape == (2050, 3) and samples.dtype == np.float32
    z = model.sample_latent(4, seed=1)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(z)), model.generate(4, seed=1), atol=1e-6
    )


# Bad input: each a ValueError that names the argument.


def test_feature_shape_mismatch_numpy():
    model = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
    model.compile()
    with pytest.raises(ValueError, match=r"`x`.*\(2,\).*\(64, 3\)"):
        model.fit(np.zeros((64, 3), "float32"), batch_size=32, verbose=0)


def test_feature_shape_mismatch_dataset():
    import tensorflow as tf  # only here: a tf.data / tf.function check
    model = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
    model.compile()
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((64, 5), "float32")).batch(32)
    with pytest.raises(ValueError, match=r"`x` must have samples of shape \(2,\)"):
        model.fit(ds, verbose=0)


def test_unknown_optimizer_key():
    model = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
    with pytest.raises(ValueError, match=r"'critic'.*`optimizers`.*generator"):
        model.compile(optimizers={"critic": "adam"})
    with pytest.raises(ValueError, match=r"optimizers\['generator'\]"):
        model.compile(optimizers={"generator": "no_such_optimizer"})
    with pytest.raises(ValueError, match="`optimizer` is not an argument"):
        model.compile(optimizer="adam")


@pytest.mark.parametrize("latent_dim", [0, -2, 1.5, True])
def test_bad_latent_dim(latent_dim):
    with pytest.raises(ValueError, match="`latent_dim` must be a positive integer"):
        VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=latent_dim)


@pytest.mark.parametrize("batch_size", [0, -1])
def test_bad_batch_size(batch_size):
    model = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
    model.compile()
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        model.fit(toy_data(64), batch_size=batch_size, verbose=0)
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        model.generate(4, batch_size=batch_size)


def test_bad_prior_and_num_samples():
    with pytest.raises(ValueError, match="`latent_prior` must be one of"):
        VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2, latent_prior="cauchy")
    model = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
    with pytest.raises(ValueError, match="`num_samples` must be a positive integer"):
        model.generate(0)


def test_bad_networks():
    with pytest.raises(ValueError, match="`generator` does not accept.*`latent_dim`=3"):
        VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=3)
    with pytest.raises(ValueError, match="`discriminator` must be a Keras model"):
        VanillaGAN(mlp(2, 2), "not a network", latent_dim=2)
