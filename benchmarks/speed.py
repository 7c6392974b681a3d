"""Steps per second of `VanillaGAN.fit` against a hand-written loop.

Both train the same nets with the same non-saturating losses and
Adam(2e-4, beta_1=0.5), one discriminator and one generator update per
step. `--nets mlp`: the 2-D MLP nets (3x128 ReLU, `keras_modegan.networks.
mlp`), batch 256. `--nets stacked_mnist`: Unrolled GAN's Stacked MNIST
nets (`VanillaGAN.from_dcgan((28, 28, 3), "quarter")`, batch norm in both),
batch 128. The hand-written loop is the idiomatic one of each backend: a
`tf.function` + `GradientTape` step (XLA-compiled), a `jax.jit` step over
`stateless_call` and `optimizer.stateless_apply` (batch-norm statistics
threaded), a plain PyTorch loop with `torch.optim.Adam`.

Usage:
    python benchmarks/speed.py                 # every backend, one table
    python benchmarks/speed.py --steps 2000 --backends jax torch
    python benchmarks/speed.py --nets stacked_mnist --steps 200
    python benchmarks/speed.py --backends torch --torch-optimizer keras

Each backend runs in its own subprocess (a backend is chosen at import).
"""

import argparse
import json
import os
import subprocess
import sys
import time

# nets -> (batch size, sample shape, latent size)
NETS = {"mlp": (256, (2,), 2), "stacked_mnist": (128, (28, 28, 3), 256)}
NETS_NAME = os.environ.get("SPEED_NETS", "mlp")  # set by main for its workers
TORCH_OPTIMIZER = os.environ.get("SPEED_TORCH_OPTIMIZER", "torch")  # likewise
BATCH, SHAPE, LATENT = NETS[NETS_NAME]
WARMUP = 20


def _data(steps):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps * BATCH,) + SHAPE).astype("float32")
    return x if NETS_NAME == "mlp" else np.tanh(x)


def _nets():
    if NETS_NAME == "mlp":
        from keras_modegan.networks import mlp

        return mlp(2, 2, name="generator"), mlp(2, 1, name="discriminator")
    from keras_modegan.models import VanillaGAN

    gan = VanillaGAN.from_dcgan(SHAPE, "quarter", seed=0)
    assert gan.latent_dim == LATENT
    return gan.generator, gan.discriminator


def ours(steps):
    import keras

    from keras_modegan.models import VanillaGAN

    keras.utils.set_random_seed(0)
    generator, discriminator = _nets()
    model = VanillaGAN(generator, discriminator, latent_dim=LATENT, seed=0)
    model.compile(
        optimizers={"discriminator": _adam(), "generator": _adam()}
    )
    x = _data(steps)
    model.fit(x[: WARMUP * BATCH], batch_size=BATCH, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    model.fit(x, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    return steps / (time.perf_counter() - start)


def _adam():
    import keras

    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def hand_tensorflow(steps):
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    generator, discriminator = _nets()
    g_opt, d_opt = _adam(), _adam()
    g_opt.build(generator.trainable_variables)
    d_opt.build(discriminator.trainable_variables)
    seed = keras.random.SeedGenerator(0)

    @tf.function(jit_compile=True)
    def step(x):
        z = keras.random.normal((BATCH, LATENT), seed=seed)
        with tf.GradientTape() as tape:
            d_real = discriminator(x, training=True)
            d_fake = discriminator(generator(z, training=True), training=True)
            d_loss = tf.reduce_mean(tf.nn.softplus(-d_real)) + tf.reduce_mean(
                tf.nn.softplus(d_fake)
            )
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply(grads, discriminator.trainable_variables)
        z = keras.random.normal((BATCH, LATENT), seed=seed)
        with tf.GradientTape() as tape:
            d_fake = discriminator(generator(z, training=True), training=True)
            g_loss = tf.reduce_mean(tf.nn.softplus(-d_fake))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply(grads, generator.trainable_variables)
        return d_loss, g_loss

    x = _data(steps)
    batches = [tf.constant(x[i * BATCH : (i + 1) * BATCH]) for i in range(steps)]
    for b in batches[:WARMUP]:
        step(b)
    start = time.perf_counter()
    for b in batches:
        out = step(b)
    float(out[0])
    return steps / (time.perf_counter() - start)


def hand_jax(steps):
    import jax
    import keras

    keras.utils.set_random_seed(0)
    generator, discriminator = _nets()
    g_opt, d_opt = _adam(), _adam()
    g_opt.build(generator.trainable_variables)
    d_opt.build(discriminator.trainable_variables)

    def softplus(t):
        return jax.nn.softplus(t)

    def d_loss_fn(d_params, d_state, g_params, g_state, x, z):
        fake, g_state = generator.stateless_call(g_params, g_state, z, training=True)
        d_real, d_state = discriminator.stateless_call(
            d_params, d_state, x, training=True
        )
        d_fake, d_state = discriminator.stateless_call(
            d_params, d_state, fake, training=True
        )
        loss = softplus(-d_real).mean() + softplus(d_fake).mean()
        return loss, (d_state, g_state)

    def g_loss_fn(g_params, g_state, d_params, d_state, z):
        fake, g_state = generator.stateless_call(g_params, g_state, z, training=True)
        d_fake, d_state = discriminator.stateless_call(
            d_params, d_state, fake, training=True
        )
        return softplus(-d_fake).mean(), (g_state, d_state)

    @jax.jit
    def step(state, x):
        g_params, g_state, d_params, d_state, g_opt_vars, d_opt_vars, key = state
        key, k1, k2 = jax.random.split(key, 3)
        z = jax.random.normal(k1, (BATCH, LATENT))
        (d_loss, (d_state, g_state)), grads = jax.value_and_grad(
            d_loss_fn, has_aux=True
        )(d_params, d_state, g_params, g_state, x, z)
        d_params, d_opt_vars = d_opt.stateless_apply(d_opt_vars, grads, d_params)
        z = jax.random.normal(k2, (BATCH, LATENT))
        (g_loss, (g_state, d_state)), grads = jax.value_and_grad(
            g_loss_fn, has_aux=True
        )(g_params, g_state, d_params, d_state, z)
        g_params, g_opt_vars = g_opt.stateless_apply(g_opt_vars, grads, g_params)
        state = (g_params, g_state, d_params, d_state, g_opt_vars, d_opt_vars, key)
        return state, (d_loss, g_loss)

    state = (
        [v.value for v in generator.trainable_variables],
        [v.value for v in generator.non_trainable_variables],
        [v.value for v in discriminator.trainable_variables],
        [v.value for v in discriminator.non_trainable_variables],
        [v.value for v in g_opt.variables],
        [v.value for v in d_opt.variables],
        jax.random.PRNGKey(0),
    )
    x = _data(steps)
    batches = [jax.numpy.asarray(x[i * BATCH : (i + 1) * BATCH]) for i in range(steps)]
    for b in batches[:WARMUP]:
        state, out = step(state, b)
    start = time.perf_counter()
    for b in batches:
        state, out = step(state, b)
    float(out[0])
    return steps / (time.perf_counter() - start)


def hand_torch(steps):
    import keras
    import torch
    import torch.nn.functional as F

    keras.utils.set_random_seed(0)
    generator, discriminator = _nets()
    if TORCH_OPTIMIZER == "keras":  # the probe: `fit`'s optimizer in the plain loop
        g_opt, d_opt = _KerasAdamStep(generator), _KerasAdamStep(discriminator)
    else:
        g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        d_opt = torch.optim.Adam(
            discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999)
        )
    x = _data(steps)
    batches = [torch.from_numpy(x[i * BATCH : (i + 1) * BATCH]) for i in range(steps)]

    def step(b):
        z = torch.randn(BATCH, LATENT)
        d_opt.zero_grad()
        d_real = discriminator(b, training=True)
        d_fake = discriminator(generator(z, training=True).detach(), training=True)
        d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        d_loss.backward()
        d_opt.step()
        z = torch.randn(BATCH, LATENT)
        g_opt.zero_grad()
        g_loss = F.softplus(
            -discriminator(generator(z, training=True), training=True)
        ).mean()
        g_loss.backward()
        g_opt.step()
        return d_loss, g_loss

    for b in batches[:WARMUP]:
        step(b)
    start = time.perf_counter()
    for b in batches:
        out = step(b)
    float(out[0])
    return steps / (time.perf_counter() - start)


class _KerasAdamStep:
    """`torch.optim`'s `zero_grad()` / `step()` over a Keras Adam (the one
    `fit` uses), for `--torch-optimizer keras`."""

    def __init__(self, net):
        self.variables = net.trainable_variables
        self.optimizer = _adam()
        self.optimizer.build(self.variables)

    def zero_grad(self):
        for v in self.variables:
            v.value.grad = None

    def step(self):
        grads = [v.value.grad for v in self.variables]
        self.optimizer.apply(grads, self.variables)


HAND = {"tensorflow": hand_tensorflow, "jax": hand_jax, "torch": hand_torch}


def _measure(backend, steps, repeats):
    import keras

    assert keras.backend.backend() == backend
    best = {"ours": 0.0, "hand": 0.0}
    for _ in range(repeats):  # interleaved, best of `repeats`
        best["ours"] = max(best["ours"], ours(steps))
        best["hand"] = max(best["hand"], HAND[backend](steps))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--backends",
        nargs="+",
        default=["tensorflow", "jax", "torch"],
        choices=["tensorflow", "jax", "torch"],
    )
    parser.add_argument("--nets", choices=sorted(NETS), default="mlp")
    parser.add_argument(
        "--torch-optimizer",
        choices=["torch", "keras"],
        default="torch",
        help="the hand-written PyTorch loop's Adam: torch.optim.Adam (default) "
        "or keras.optimizers.Adam, the one fit uses (a probe of the gap)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        assert args.nets == NETS_NAME, (args.nets, NETS_NAME)
        print(json.dumps(_measure(args.worker, args.steps, args.repeats)))
        return
    rows = []
    for backend in args.backends:
        env = dict(os.environ, KERAS_BACKEND=backend, SPEED_NETS=args.nets,
                   SPEED_TORCH_OPTIMIZER=args.torch_optimizer)
        out = (
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    backend,
                    "--steps",
                    str(args.steps),
                    "--repeats",
                    str(args.repeats),
                    "--nets",
                    args.nets,
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        result = json.loads(out)
        rows.append((backend, result["ours"], result["hand"]))
    print("| backend | ours (steps/s) | hand-written (steps/s) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for backend, o, h in rows:
        print(f"| {backend} | {o:.3g} | {h:.3g} | {o / h:.2f} |")


if __name__ == "__main__":
    main()
