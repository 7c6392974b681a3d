"""Loss terms of the autoencoder-regularized GANs Dist-GAN and GAAN.

Plain functions of tensors, written in `keras.ops` so that every backend
runs them and tests can check them against NumPy:

- `reconstruction_loss`: the autoencoder term L_R (Dist-GAN Eq. 3, GAAN's R).
- `latent_data_distance`: the latent-data distance constraint L_W
  (Dist-GAN Eqs. 6-8, GAAN Eqs. 5-7) and `default_lambda_w`, its scale.
- `discriminator_score_distance`: the Dist-GAN generator objective (Eq. 4).
- `autoencoder_discriminator_loss`: the discriminator objective with the
  reconstructions scored as real, fake or not at all (Dist-GAN Eq. 5,
  GAAN Eq. 4), in the log or the hinge form, without the gradient penalty.

Papers: Dist-GAN, https://arxiv.org/abs/1803.08887; GAAN,
https://arxiv.org/abs/1803.08887v1 (the earlier version of the same work).
Discriminator outputs are logits, shape `(batch, 1)` or `(batch,)`.
"""

import math

from keras import ops

from keras_modegan.engine import autodiff

RECONSTRUCTIONS = ("real", "fake", "none")
AE_GAN_LOSSES = ("log", "hinge")


def reconstruction_loss(x, reconstruction):
    """Autoencoder reconstruction term L_R (Dist-GAN Eq. 3).

    The mean of the squared differences over the batch and the features.
    The paper writes `||x - G(E(x))||_2^2`; the authors' code averages over
    the features as well (its image code `reduce_mean(square(...))`), which
    is the scale its `lambda_r` values were tuned with.

    Args:
        x: real batch (or its features Phi(x)).
        reconstruction: `G(E(x))` (or Phi(G(E(x)))), same shape.

    Returns:
        Scalar tensor.
    """
    return ops.mean(ops.square(x - reconstruction))


def default_lambda_w(latent_dim, data_dim):
    """The scale lambda_w = sqrt(d_z / d_x) of Dist-GAN Eq. 6.

    Args:
        latent_dim: positive int, d_z.
        data_dim: positive int, d_x (the number of features of a sample, or
            of its discriminator features when L_W is computed on them).

    Returns:
        Python float.
    """
    for name, value in (("latent_dim", latent_dim), ("data_dim", data_dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"`{name}` must be a positive int. Received: {name}={value!r}"
            )
    return math.sqrt(latent_dim / data_dim)


def latent_data_distance(data_a, data_b, latent_a, latent_b, lambda_w):
    """Latent-data distance constraint L_W (Dist-GAN Eqs. 6-8).

    `L_W = (f - lambda_w * g)^2` with the signed scalar means
    `f = M_d(E[data_a] - E[data_b])` and `g = M_d(E[latent_a] - E[latent_b])`,
    where `M_d` averages over all dimensions.

    Dist-GAN (Eq. 7) takes `data_a = G(E(x))`, `data_b = G(z)`; GAAN (Eq. 6)
    takes `data_a = x`. Both take `latent_a = E(x)`, `latent_b = z` (Eq. 8).

    Args:
        data_a: batch in data (or feature) space.
        data_b: batch in the same space (batch sizes may differ).
        latent_a: batch of latent codes, the encodings E(x).
        latent_b: batch of latent codes, the prior draws z.
        lambda_w: float, the scale of the latent term.

    Returns:
        Scalar tensor.
    """
    # Means over the global batch (under tf.distribute too: L_W squares
    # them, so per-replica means would change the loss).
    mean = autodiff.global_mean
    f = mean(data_a) - mean(data_b)  # Eq. 7
    g = mean(latent_a) - mean(latent_b)  # Eq. 8
    return ops.square(f - lambda_w * g)  # Eq. 6


def discriminator_score_distance(d_real, d_fake):
    """Discriminator-score distance, the Dist-GAN generator loss (Eq. 4).

    `|E_x sigmoid(D(x)) - E_z sigmoid(D(G(z)))|`.

    Args:
        d_real: logits of the real batch.
        d_fake: logits of the generated batch.

    Returns:
        Scalar tensor.
    """
    mean = autodiff.global_mean  # the global batch's, as in L_W
    return ops.abs(mean(ops.sigmoid(d_real)) - mean(ops.sigmoid(d_fake)))


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {choices}. Received: {name}={value!r}"
        )


def autoencoder_discriminator_loss(
    d_real,
    d_fake,
    d_reconstruction=None,
    reconstructions="real",
    loss="log",
    reconstruction_weight=1.0,
):
    """Discriminator loss of Dist-GAN (Eq. 5) and GAAN (Eq. 4), no penalty.

    With `loss="log"`:
    `-E log sigmoid(D(x)) - E log(1 - sigmoid(D(G(z)))) + w * L_C`, where
    `L_C = -E log sigmoid(D(G(E(x))))` if the reconstructions are scored as
    real (the papers), `-E log(1 - sigmoid(D(G(E(x)))))` if they are scored
    as fake (the ablation, and the authors' 2-D code), and 0 for `"none"`.
    With `loss="hinge"` each `-log sigmoid(t)` becomes `relu(1 - t)` and
    each `-log(1 - sigmoid(t))` becomes `relu(1 + t)` (Dist-GAN Sec. 4.2).

    Args:
        d_real: logits of the real batch.
        d_fake: logits of the generated batch.
        d_reconstruction: logits of the reconstructions; ignored (may be
            None) when `reconstructions="none"`.
        reconstructions: `"real"`, `"fake"` or `"none"`.
        loss: `"log"` or `"hinge"`.
        reconstruction_weight: float >= 0, the weight w of L_C.

    Returns:
        Scalar tensor.
    """
    _check_choice(reconstructions, "reconstructions", RECONSTRUCTIONS)
    _check_choice(loss, "loss", AE_GAN_LOSSES)
    if loss == "log":
        as_real, as_fake = ops.softplus(-d_real), ops.softplus(d_fake)
    else:
        as_real, as_fake = ops.relu(1.0 - d_real), ops.relu(1.0 + d_fake)
    d_loss = ops.mean(as_real) + ops.mean(as_fake)
    if reconstructions == "none":
        return d_loss
    if d_reconstruction is None:
        raise ValueError(
            "`d_reconstruction` is required unless reconstructions='none'."
        )
    sign = -1.0 if reconstructions == "real" else 1.0
    if loss == "log":
        l_c = ops.mean(ops.softplus(sign * d_reconstruction))
    else:
        l_c = ops.mean(ops.relu(1.0 + sign * d_reconstruction))
    return d_loss + reconstruction_weight * l_c  # Eq. 5, L_C
