"""Trains every method a few steps on one device and on two, and prints the
largest weight difference per method as JSON (run by tests/test_distribution.py
in a subprocess, since the virtual devices must exist before the backend
starts).

Usage: python tests/distributed_training.py {jax-data,jax-model,tf-mirrored}

- `jax-data`: `keras.distribution.DataParallel` on 2 virtual CPU devices
  (`XLA_FLAGS=--xla_force_host_platform_device_count=2`, set here).
- `jax-model`: `keras.distribution.ModelParallel` with a `LayoutMap` that
  splits every conv and dense kernel's output axis over 2 devices, on the
  DCGAN image nets (with SGD, see `train`).
- `tf-mirrored`: `tf.distribute.MirroredStrategy` on 2 logical CPU devices.

Both runs see the same global batches in the same order and start from the
same weights and latent-sampler state.
"""

import json
import os
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "jax-data"
if MODE.startswith("jax"):
    os.environ["KERAS_BACKEND"] = "jax"
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
    )
else:
    os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_modegan.models import METHODS  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.helpers import tiny_mlp_method  # noqa: E402

GLOBAL_BATCH = 16
STEPS = 2
MIXED_METHODS = ("vanilla_gan", "dist_gan")


def toy_data(num_samples, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[-1.0, -1.0], [1.0, 1.0]], dtype="float32")
    labels = rng.integers(0, 2, num_samples)
    noise = 0.1 * rng.standard_normal((num_samples, 2))
    return (centers[labels] + noise).astype("float32")


def build_mlp(name, x):
    keras.utils.set_random_seed(0)
    return tiny_mlp_method(name, x, pretrain_batch_size=GLOBAL_BATCH)


TINY_DCGAN = {
    "latent_dim": 4,
    "latent_prior": "normal",
    "kernel_size": 3,
    "generator_filters": (4, 2),
    "generator_output": "conv",
    "discriminator_filters": (2, 4),
    "first_normalization": True,
    "negative_slope": 0.2,
}


def build_dcgan(name, x):
    keras.utils.set_random_seed(0)
    return METHODS[name].from_dcgan((8, 8, 1), TINY_DCGAN, seed=0)


def weights(model):
    return [np.asarray(keras.ops.convert_to_numpy(w)) for w in model.weights]


def train(build, name, x, scope=None, sgd=False, policy="float32"):
    import contextlib

    keras.mixed_precision.set_global_policy(policy)

    with scope() if scope else contextlib.nullcontext():
        model = build(name, x)
        # Adam's first steps move a weight by about its learning rate
        # whatever its gradient's size, so a gradient that is zero up to
        # rounding flips sign between two summation orders: plain SGD shows
        # the step's own difference.
        optimizers = (
            {k: keras.optimizers.SGD(0.01) for k in model.optimizer_names}
            if sgd else None
        )
        model.compile(optimizers=optimizers)
    model.fit(x, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
    keras.mixed_precision.set_global_policy("float32")
    return weights(model)


def compare(build, names, x, scope=None, distribution=None, sgd=False,
            policy="float32"):
    figures = {}
    for name in names:
        single = train(build, name, x, sgd=sgd, policy=policy)
        if distribution is not None:
            keras.distribution.set_distribution(distribution)
        try:
            multi = train(build, name, x, scope, sgd=sgd, policy=policy)
        finally:
            keras.distribution.set_distribution(None)
        key = name if policy == "float32" else f"{policy}:{name}"
        figures[key] = max(
            float(np.max(np.abs(a - b))) if a.size else 0.0
            for a, b in zip(single, multi)
        )
    return figures


def main():
    x = toy_data(GLOBAL_BATCH * STEPS)
    if MODE == "jax-data":
        devices = keras.distribution.list_devices("cpu")
        assert len(devices) == 2, devices
        dist = keras.distribution.DataParallel(devices=devices)
        figures = compare(build_mlp, list(METHODS), x, distribution=dist)
    elif MODE == "jax-model":
        devices = keras.distribution.list_devices("cpu")
        mesh = keras.distribution.DeviceMesh((1, 2), ["batch", "model"], devices)
        layout_map = keras.distribution.LayoutMap(mesh)
        layout_map[".*conv.*kernel"] = (None, None, None, "model")
        layout_map[".*dense.*kernel"] = (None, "model")
        dist = keras.distribution.ModelParallel(
            layout_map=layout_map, batch_dim_name="batch"
        )
        images = np.tanh(np.random.default_rng(0).standard_normal(
            (GLOBAL_BATCH * STEPS, 8, 8, 1))).astype("float32")
        figures = compare(
            build_dcgan, ["vanilla_gan", "wgan_gp", "dist_gan"], images,
            distribution=dist, sgd=True,
        )
    elif MODE == "tf-mirrored":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == 2
        figures = compare(build_mlp, list(METHODS), x, scope=strategy.scope)
        # Loss scaling (one LossScaleOptimizer per update) under the
        # strategy: a method with a plain loss and one with penalties.
        figures.update(compare(
            build_mlp, MIXED_METHODS, x, scope=strategy.scope,
            policy="mixed_float16",
        ))
    else:
        raise SystemExit(f"unknown mode {MODE!r}")
    print("FIGURES " + json.dumps(figures))


if __name__ == "__main__":
    main()
