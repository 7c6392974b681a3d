"""Optimizers keyed by update: hand-computed Adam steps, state round trips,
files written before the change, and what Keras's callbacks see."""

import os

import h5py
import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.engine import AdversarialModel
from keras_modegan.models import DistGAN, ManifoldDiffusionGAN, VanillaGAN
from keras_modegan.networks import mlp
from tests.helpers import assert_save_load_round_trip, toy_data

DATA = os.path.join(os.path.dirname(__file__), "data")


@keras.saving.register_keras_serializable(package="keras_modegan_tests")
class _TwoUpdatesOfOnePlayer(AdversarialModel):
    """G is updated twice a step, on two losses (as Dist-GAN's generator):
    L1 = mean((G(x) - 1)^2), then L2 = mean((G(x) + 2)^2)."""

    players = ("generator", "discriminator")
    updates = {
        "first": ("generator",),
        "second": ("generator",),
        "discriminator": ("discriminator",),
    }
    metric_names = ("first_loss", "second_loss")

    def __init__(self, generator, discriminator, **kwargs):
        kwargs.setdefault("latent_dim", 1)
        super().__init__(
            {"generator": generator, "discriminator": discriminator}, **kwargs
        )

    def train_step(self, data):
        x = self.real_batch(data)

        def loss(target):
            return lambda: ops.mean(
                ops.square(self.generator(x, training=True) - target)
            )

        first = self.minimize(loss(1.0), "first")
        second = self.minimize(loss(-2.0), "second")
        return self.log(first_loss=first, second_loss=second)

    def get_config(self):
        config = super().get_config()
        config.pop("latent_dim")
        return config


def _affine(w, b):
    net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    net.set_weights([np.array([[w]], "float32"), np.array([b], "float32")])
    return net


class _Adam:
    """Keras's Adam update, by hand, in float64."""

    def __init__(self, lr=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps = lr, beta_1, beta_2, epsilon
        self.m = np.zeros(2)
        self.v = np.zeros(2)
        self.t = 0

    def step(self, w, g):
        self.t += 1
        alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        self.m += (g - self.m) * (1 - self.b1)
        self.v += (g * g - self.v) * (1 - self.b2)
        return w - alpha * self.m / (np.sqrt(self.v) + self.eps)


def _grad(w, x, target):
    # d/d(c, e) of mean((c x + e - target)^2).
    r = w[0] * x + w[1] - target
    return np.array([np.mean(2 * r * x), np.mean(2 * r)])


def _hand_steps(x_batches, w, optimizers_per):
    w = np.array(w, "float64")
    if optimizers_per == "update":
        first, second = _Adam(), _Adam()
    else:
        first = second = _Adam()  # one Adam sees both losses' gradients
    for x in x_batches:
        w = first.step(w, _grad(w, x, 1.0))
        w = second.step(w, _grad(w, x, -2.0))
    return w, first, second


@pytest.mark.parametrize("optimizers_per", ["update", "player"])
def test_two_updates_of_one_player_match_hand_computed_adam(optimizers_per):
    x = np.array([[0.5], [-1.0], [2.0], [0.25], [1.5], [-0.5]], "float32")
    model = _TwoUpdatesOfOnePlayer(
        _affine(0.8, 0.1), _affine(1.0, 0.0), optimizers_per=optimizers_per
    )
    names = model.optimizer_names
    model.compile(optimizers={n: keras.optimizers.Adam(0.1) for n in names})
    model.fit(x, batch_size=2, epochs=1, shuffle=False, verbose=0)
    batches = [x[i : i + 2, 0].astype("float64") for i in (0, 2, 4)]
    expected, first, second = _hand_steps(batches, (0.8, 0.1), optimizers_per)
    got = [float(np.ravel(w)[0]) for w in model.generator.get_weights()]
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6)
    # The discriminator's update never ran: its weights are untouched.
    assert [float(np.ravel(w)[0]) for w in model.discriminator.get_weights()] == [
        1.0,
        0.0,
    ]
    # Each optimizer's moments are the ones its own losses' gradients give.
    key = "first" if optimizers_per == "update" else "generator"
    adam = model.optimizer.players[key]
    slots = {
        kind: [
            float(ops.convert_to_numpy(v.value).ravel()[0])
            for v in adam.variables
            if v.path.endswith(kind)
        ]
        for kind in ("momentum", "velocity")
    }
    np.testing.assert_allclose(slots["momentum"], first.m, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(slots["velocity"], first.v, rtol=1e-4, atol=1e-9)
    steps = {"update": {"first": 3, "second": 3, "discriminator": 0}}.get(
        optimizers_per, {"generator": 6, "discriminator": 0}
    )
    for name, optimizer in model.optimizer.players.items():
        assert int(ops.convert_to_numpy(optimizer.iterations)) == steps[name], name
    assert int(ops.convert_to_numpy(model.optimizer.iterations)) == 3


def test_separate_and_shared_optimizers_differ():
    x = toy_data(64)
    weights = {}
    for layout in ("update", "player"):
        keras.utils.set_random_seed(0)
        model = DistGAN.from_mlp(2, hidden_units=(8,), optimizers_per=layout, seed=0)
        model.fit(x, batch_size=32, epochs=1, verbose=0, shuffle=False)
        weights[layout] = model.generator.get_weights()
    assert not all(
        np.allclose(a, b) for a, b in zip(weights["update"], weights["player"])
    )


@pytest.mark.parametrize("optimizers_per", ["update", "player"])
def test_every_optimizer_state_round_trips(tmp_path, optimizers_per):
    model = ManifoldDiffusionGAN.from_mlp(
        2, hidden_units=(8,), discriminator_units=(8,), optimizers_per=optimizers_per
    )
    model.fit(toy_data(64), batch_size=32, epochs=1, verbose=0)
    loaded = assert_save_load_round_trip(model, tmp_path)
    assert loaded.optimizers_per == optimizers_per
    assert set(loaded.optimizer.players) == set(model.optimizer_names)
    per_step = {"generator": 2} if optimizers_per == "player" else {}
    for name, optimizer in model.optimizer.players.items():
        theirs = loaded.optimizer.players[name]
        assert int(ops.convert_to_numpy(theirs.iterations)) == 2 * per_step.get(name, 1)
        for a, b in zip(optimizer.variables, theirs.variables):
            np.testing.assert_array_equal(
                ops.convert_to_numpy(a.value), ops.convert_to_numpy(b.value)
            )


def test_a_file_saved_before_optimizers_by_update_loads_as_trained():
    # Written by the code of d32e930 (one optimizer per player, the group
    # also tracking the model's weights) under JAX: tests/data/README.md.
    loaded = keras.saving.load_model(os.path.join(DATA, "legacy_dist_gan.keras"))
    assert loaded.optimizers_per == "player"
    assert set(loaded.optimizer.players) == {"encoder", "generator", "discriminator"}
    saved = np.load(os.path.join(DATA, "legacy_dist_gan_optimizers.npz"))
    for name, optimizer in loaded.optimizer.players.items():
        for i, v in enumerate(optimizer.variables):
            np.testing.assert_array_equal(
                ops.convert_to_numpy(v.value), saved[f"{name}_{i}"]
            )
    loaded.fit(toy_data(32), batch_size=16, epochs=1, verbose=0)


def test_a_file_with_the_member_variables_twice_loads_as_trained():
    # Written by the code of 375052b (the group saved every member's variables
    # beside the members' own copies) under JAX: tests/data/README.md.
    loaded = keras.saving.load_model(os.path.join(DATA, "dist_gan_375052b.keras"))
    names = {"autoencoder", "generator", "discriminator"}
    assert set(loaded.optimizer.players) == names
    saved = np.load(os.path.join(DATA, "dist_gan_375052b_optimizers.npz"))
    for name, optimizer in loaded.optimizer.players.items():
        for i, v in enumerate(optimizer.variables):
            np.testing.assert_array_equal(
                ops.convert_to_numpy(v.value), saved[f"{name}_{i}"]
            )
    loaded.fit(toy_data(32), batch_size=16, epochs=1, verbose=0)


def test_each_member_optimizer_is_saved_once(tmp_path):
    model = DistGAN.from_mlp(2, hidden_units=(4,), seed=0)
    model.fit(toy_data(32), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        group = f["optimizer/vars"]
        assert len(group.keys()) == len(model.optimizer._variables) + 1
        counts = list(group["member_variable_counts"][()])
        assert counts == [len(o.variables) for o in model.optimizer.optimizers]
        members = f["optimizer/optimizers"]
        members = [members[f"{n}/vars"] for n in members]
        assert sorted(len(g.keys()) for g in members) == sorted(counts)
    fresh = DistGAN.from_mlp(2, hidden_units=(4,), seed=1)
    fresh.fit(toy_data(32), batch_size=16, epochs=1, verbose=0)
    fresh.load_weights(path)
    for a, b in zip(model.optimizer.variables, fresh.optimizer.variables):
        np.testing.assert_array_equal(
            ops.convert_to_numpy(a.value), ops.convert_to_numpy(b.value)
        )


def test_loading_other_optimizers_says_how_to_start_afresh(tmp_path):
    model = DistGAN.from_mlp(2, hidden_units=(4,), optimizers_per="update")
    model.fit(toy_data(32), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    other = DistGAN.from_mlp(2, hidden_units=(4,), optimizers_per="player")
    other.fit(toy_data(32), batch_size=16, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="compile=False"):
        other.load_weights(path)


def test_the_group_does_not_count_the_model_weights():
    model = VanillaGAN(mlp(2, 2, (8,)), mlp(2, 1, (8,)), latent_dim=2)
    model.compile(optimizers={"generator": "sgd", "discriminator": "sgd"})
    member_vars = sum(len(o.variables) for o in model.optimizer.optimizers)
    assert len(model.optimizer.variables) == 2 + member_vars  # iteration, lr
    model_ids = {id(v) for v in model.variables}
    assert not model_ids & {id(v) for v in model.optimizer.variables}


def test_learning_rate_callbacks_reach_every_optimizer():
    model = VanillaGAN(mlp(2, 2, (8,)), mlp(2, 1, (8,)), latent_dim=2)
    model.compile(
        optimizers={
            "generator": keras.optimizers.Adam(1e-3),
            "discriminator": keras.optimizers.Adam(2e-3),
        }
    )
    history = model.fit(
        toy_data(64),
        batch_size=32,
        epochs=2,
        verbose=0,
        callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5)],
    )
    rates = {
        name: float(ops.convert_to_numpy(o.learning_rate))
        for name, o in model.optimizer.players.items()
    }
    np.testing.assert_allclose(rates["generator"], 1e-3 * 0.25, rtol=1e-6)
    np.testing.assert_allclose(rates["discriminator"], 2e-3 * 0.25, rtol=1e-6)
    # Equal default names ("adam") are made unique, one log key each.
    assert history.history["learning_rate_generator"][-1] == pytest.approx(2.5e-4)


def test_loss_key_for_terminate_on_nan():
    model = VanillaGAN(mlp(2, 2, (8,)), mlp(2, 1, (8,)), latent_dim=2)
    history = model.fit(toy_data(64), batch_size=32, epochs=1, verbose=0)
    logs = history.history
    np.testing.assert_allclose(
        logs["loss"][0], logs["d_loss"][0] + logs["g_loss"][0], rtol=1e-5
    )
    model.compile(optimizers={"generator": keras.optimizers.SGD(1e30)})
    bad = toy_data(64) * 1e20
    history = model.fit(
        bad,
        batch_size=16,
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert len(history.history["loss"]) == 1
    assert not np.isfinite(history.history["loss"][0])


def test_bad_updates_and_optimizer_keys():
    class Broken(_TwoUpdatesOfOnePlayer):
        updates = {"first": ("generator", "critic")}

    with pytest.raises(ValueError, match=r"updates\['first'\] must name players"):
        Broken(_affine(1.0, 0.0), _affine(1.0, 0.0))
    model = DistGAN.from_mlp(2, hidden_units=(4,))
    with pytest.raises(ValueError, match=r"Unknown update\(s\) \['encoder'\]"):
        model.compile(optimizers={"encoder": "adam"})
    with pytest.raises(ValueError, match="`optimizers` must be a dict"):
        model.compile(optimizers=["adam", "adam"])
    with pytest.raises(ValueError, match="`optimizers_per` must be one of"):
        DistGAN.from_mlp(2, optimizers_per="network")
    same = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="same optimizer instance"):
        model.compile(optimizers={"generator": same, "discriminator": same})
