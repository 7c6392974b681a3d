"""Regularizers computed from a network's input gradients."""

import keras
from keras import ops

from keras_modegan.engine import autodiff

PENALTY_NORMS = ("l2", "rms")
PENALTY_FORMS = ("norm", "squared_norm")


def gradient_penalty(critic, real, fake, seed, norm="l2", target=1.0, form="norm"):
    """Gradient penalty on random interpolates (Gulrajani et al. 2017, Eq. 3).

    `x_hat = eps * real + (1 - eps) * fake` with one `eps ~ U[0, 1]` per
    sample, `n = norm(grad_x_hat critic(x_hat))`, and the penalty
    `mean((n - target)^2)` (`form="norm"`) or `mean((n^2 - target)^2)`
    (`form="squared_norm"`).

    Which form which source uses:
    - WGAN-GP (Gulrajani et al., Eq. 3): `(||grad||_2 - 1)^2`, `"norm"`;
    - Dist-GAN (Eq. 5) and GAAN (Eq. 4), the papers' text:
      `(||grad||_2^2 - 1)^2`, `"squared_norm"` with `norm="l2"`; near
      `||grad||_2 = 1` it is about 4x the WGAN-GP form
      (`(n^2 - 1)^2 = (n - 1)^2 (n + 1)^2`);
    - the Dist-GAN/GAAN authors' code (github.com/tntrung/gan, 2-D
      `utils.gradient_penalty` and image `distgan.py`):
      `(sqrt(mean(grad^2)) - 1)^2`, `"norm"` with `norm="rms"`.

    Args:
        critic: callable mapping a batch to one score per sample. It may
            update state (batch norm in training mode) under every backend.
        real: real batch.
        fake: generated batch of the same shape.
        seed: `keras.random.SeedGenerator` (or int) for the interpolation
            weights.
        norm: `"l2"`, the gradient's Euclidean norm (WGAN-GP, the papers),
            or `"rms"`, its root mean square over the features (the
            Dist-GAN authors' code).
        target: the value the norm (or squared norm) is pulled towards.
        form: `"norm"` or `"squared_norm"`, see above.

    Returns:
        Scalar tensor.

    Example:

    ```python
    gp = gradient_penalty(critic, x, x_fake, seed=0)  # WGAN-GP
    gp = gradient_penalty(critic, x, x_fake, seed=0, form="squared_norm")
    ```
    """
    if norm not in PENALTY_NORMS:
        raise ValueError(
            f"`norm` must be one of {PENALTY_NORMS}. Received: norm={norm!r}"
        )
    if form not in PENALTY_FORMS:
        raise ValueError(
            f"`form` must be one of {PENALTY_FORMS}. Received: form={form!r}"
        )
    shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    # Under tf.distribute, each replica's slice of one global draw.
    eps = autodiff.draw_for_replica(
        lambda s: keras.random.uniform(s, seed=seed, dtype=real.dtype), shape
    )
    interpolates = eps * real + (1.0 - eps) * fake
    grads = autodiff.input_gradient(critic, interpolates)
    axes = tuple(range(1, len(real.shape)))
    squares = ops.square(grads)
    reduced = (
        ops.sum(squares, axis=axes) if norm == "l2" else ops.mean(squares, axis=axes)
    )
    if form == "squared_norm":
        return ops.mean(ops.square(reduced - target))  # Dist-GAN Eq. 5
    return ops.mean(ops.square(ops.sqrt(reduced + 1e-12) - target))  # WGAN-GP Eq. 3
