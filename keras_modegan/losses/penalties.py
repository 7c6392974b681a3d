"""Regularizers computed from a network's input gradients."""

import keras
from keras import ops

from keras_modegan.engine import autodiff


def gradient_penalty(critic, real, fake, seed, norm="l2", target=1.0):
    """Gradient penalty on random interpolates (Gulrajani et al. 2017, Eq. 3).

    Args:
        critic: callable mapping a batch to one score per sample. It must
            not update state (no batch norm in training mode).
        real: real batch.
        fake: generated batch of the same shape.
        seed: `keras.random.SeedGenerator` (or int) for the interpolation
            weights.
        norm: `"l2"`, the gradient's Euclidean norm (WGAN-GP), or `"rms"`,
            its root mean square over the features (the Dist-GAN code).
        target: the norm the penalty pulls towards (1 for WGAN-GP).

    Returns:
        Scalar `mean((norm(grad) - target)^2)`.
    """
    if norm not in ("l2", "rms"):
        raise ValueError(f"`norm` must be 'l2' or 'rms'. Received: norm={norm!r}")
    shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    eps = keras.random.uniform(shape, seed=seed, dtype=real.dtype)
    interpolates = eps * real + (1.0 - eps) * fake
    grads = autodiff.input_gradient(critic, interpolates)
    axes = tuple(range(1, len(real.shape)))
    squares = ops.square(grads)
    reduced = (
        ops.sum(squares, axis=axes) if norm == "l2" else ops.mean(squares, axis=axes)
    )
    return ops.mean(ops.square(ops.sqrt(reduced + 1e-12) - target))
