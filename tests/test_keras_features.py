"""Stock Keras features on every method (issue #24): mixed precision with
loss scaling per update, `evaluate` / `validation_data`, stateful
discriminators under every gradient penalty, and a model saved under one
backend resuming under another."""

import json
import os
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.losses import gan_losses
from keras_modegan.models import GAAN, METHODS, WGANGP, DistGAN, VanillaGAN
from tests.helpers import BACKEND, tiny_mlp_method, toy_data

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


tiny = tiny_mlp_method  # every method on 2-D data, one hidden layer of 8 units


def numpy_state(variables):
    return [np.array(ops.convert_to_numpy(v.value)) for v in variables]


@pytest.fixture
def policy():
    def set_policy(name):
        keras.config.set_dtype_policy(name)

    yield set_policy
    keras.config.set_dtype_policy("float32")


# Every method under mixed_float16 (its loss scaling is the harder path:
# one LossScaleOptimizer per update); mixed_bfloat16 (the same casts, no
# scaling) under the methods with their own numerics: the simplex-GMM
# likelihood, the mode matching, the autoencoder losses and penalty.
_BFLOAT16 = ("dist_gan", "mixture_density_gan", "mode_penalty_gan")


@pytest.mark.parametrize(
    "dtype_policy, name",
    [("mixed_float16", name) for name in sorted(METHODS)]
    + [("mixed_bfloat16", name) for name in _BFLOAT16],
)
def test_mixed_precision_trains_every_method(policy, dtype_policy, name):
    policy(dtype_policy)
    x = toy_data(64)
    model = tiny(name, x)
    model.compile()
    if dtype_policy == "mixed_float16":
        # Each update's optimizer scales its own loss; the group is not
        # wrapped by Keras.
        assert type(model.optimizer).__name__ == "PlayerOptimizers"
        for member in model.optimizer.optimizers:
            assert isinstance(member, keras.optimizers.LossScaleOptimizer)
    z_dtype = keras.backend.standardize_dtype(model.sample_latent(3).dtype)
    assert z_dtype == model.compute_dtype
    history = model.fit(x[:32], batch_size=32, epochs=1, verbose=0)
    for key in model.metric_names:
        if key.endswith("_loss"):
            assert np.all(np.isfinite(history.history[key])), (key, history.history)


def test_float16_loss_scale_skips_overflowing_update_and_halves(policy):
    # A loss scale that overflows float16 in the backward pass: the update
    # is skipped (weights unchanged) and only its own scale halves.
    policy("mixed_float16")
    model = tiny("vanilla_gan")
    huge = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(1e-3), initial_scale=2.0**40
    )
    model.compile(optimizers={"discriminator": huge})
    d_before = numpy_state(model.discriminator.trainable_variables)
    g_before = numpy_state(model.generator.trainable_variables)
    model.fit(toy_data(32), batch_size=32, epochs=1, verbose=0)
    assert float(ops.convert_to_numpy(huge.dynamic_scale)) == 2.0**39
    for a, b in zip(d_before, numpy_state(model.discriminator.trainable_variables)):
        np.testing.assert_array_equal(a, b)
    generator = model.optimizer.players["generator"]
    assert float(ops.convert_to_numpy(generator.dynamic_scale)) == 2.0**15
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(g_before, numpy_state(model.generator.trainable_variables))
    )


def test_float16_model_saves_and_loads(policy, tmp_path):
    policy("mixed_float16")
    model = tiny("wgan_gp")
    model.fit(toy_data(32), batch_size=32, epochs=1, verbose=0)
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    for member in loaded.optimizer.optimizers:
        assert isinstance(member, keras.optimizers.LossScaleOptimizer)
    for a, b in zip(numpy_state(model.optimizer.variables),
                    numpy_state(loaded.optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    loaded.fit(toy_data(32), batch_size=32, epochs=1, verbose=0)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_evaluate_logs_losses_and_updates_nothing(name):
    model = tiny(name, toy_data(64))
    model.compile()
    weights = numpy_state(model.weights)
    optimizer = numpy_state(model.optimizer.variables)
    logs = model.evaluate(toy_data(64, seed=1), batch_size=32, verbose=0,
                          return_dict=True)
    assert set(logs) >= {"loss"} | {k for k in model.metric_names}
    for key in model.metric_names:
        if key.endswith("_loss"):
            assert np.isfinite(logs[key]) and logs[key] != 0.0, (key, logs)
    for a, b in zip(weights, numpy_state(model.weights)):
        np.testing.assert_array_equal(a, b)  # batch-norm statistics too
    for a, b in zip(optimizer, numpy_state(model.optimizer.variables)):
        np.testing.assert_array_equal(a, b)


def test_evaluate_is_the_discriminator_loss_on_held_out_data():
    model = VanillaGAN(
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]),
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
        latent_dim=2,
        seed=3,
    )
    model.compile()
    x = toy_data(32, seed=5)
    state = np.array(ops.convert_to_numpy(model.seed_generator.state.value))
    logs = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    model.seed_generator.state.assign(state)
    z_d = model.sample_latent(32)
    z_g = model.sample_latent(32)
    d_real = model.discriminator(x)
    d_fake = model.discriminator(model.generator(z_d))
    d_loss, _ = gan_losses.non_saturating(d_real, d_fake)
    g_fake = model.discriminator(model.generator(z_g))
    _, g_loss = gan_losses.non_saturating(d_real, g_fake)
    np.testing.assert_allclose(logs["d_loss"], float(d_loss), rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"], float(g_loss), rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], float(d_loss + g_loss), rtol=1e-5)


def test_validation_data_and_early_stopping_on_val_loss():
    x = toy_data(64)
    model = tiny("vanilla_gan")
    stop = keras.callbacks.EarlyStopping(monitor="val_d_loss", patience=0,
                                         mode="max")
    history = model.fit(
        x, batch_size=32, epochs=6, verbose=0,
        validation_data=(toy_data(32, seed=1),), callbacks=[stop],
    )
    val = history.history["val_d_loss"]
    assert np.all(np.isfinite(val)) and "val_loss" in history.history
    # Stopped at the first epoch whose val_d_loss did not rise.
    first_worse = next(
        (i + 1 for i in range(1, len(val)) if val[i] <= max(val[:i])), 6
    )
    assert len(val) == first_worse, val


def batch_norm_critic(name):
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Dense(1),
        ],
        name=name,
    )


def generator_net():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])


@pytest.mark.parametrize("cls", [DistGAN, GAAN, WGANGP])
def test_batch_norm_discriminator_with_gradient_penalty(cls):
    if cls is WGANGP:
        model = WGANGP(generator_net(), batch_norm_critic("critic"), latent_dim=2,
                       n_critic=1, seed=0)
        critic = model.critic
    else:
        model = cls(
            encoder=keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]),
            generator=generator_net(),
            discriminator=batch_norm_critic("discriminator"),
            latent_dim=2,
            seed=0,
        )
        critic = model.discriminator
    moving = list(critic.non_trainable_variables)
    before = numpy_state(moving)
    history = model.fit(toy_data(64), batch_size=32, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["gp"]))
    assert history.history["gp"][-1] > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, numpy_state(moving)))
    for value in numpy_state(moving):
        assert np.all(np.isfinite(value))


OTHER_BACKEND = {"jax": "torch", "torch": "jax", "tensorflow": "jax"}[BACKEND]

RESUME = """
import sys, keras, numpy as np
import keras_modegan.models  # registers the classes
m = keras.saving.load_model(sys.argv[1])
print("JIT", repr(m.jit_compile))
h = m.fit(np.load(sys.argv[2]), batch_size=32, epochs=1, verbose=0)
print("FINITE", all(np.isfinite(v[-1]) for v in h.history.values()))
"""


def test_saved_auto_jit_compile_resumes_under_another_backend(tmp_path):
    x = toy_data(32)
    model = tiny("dist_gan")
    model.compile()  # jit_compile="auto" by default
    model.fit(x, batch_size=32, epochs=1, verbose=0)
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    assert config["compile_config"]["jit_compile"] == "auto"
    np.save(os.path.join(str(tmp_path), "x.npy"), x)
    env = dict(os.environ, KERAS_BACKEND=OTHER_BACKEND)
    result = subprocess.run(
        [sys.executable, "-c", RESUME, path, os.path.join(str(tmp_path), "x.npy")],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-1500:]
    # "auto" resolved by the loading backend: torch never compiles (its
    # torch.compile cannot do the penalty's double backward), JAX does.
    expected = "False" if OTHER_BACKEND == "torch" else "True"
    assert f"JIT {expected}" in result.stdout, result.stdout
    assert "FINITE True" in result.stdout, result.stdout
