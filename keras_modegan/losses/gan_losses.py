"""GAN losses, one function each with one signature.

Every loss maps the discriminator's outputs on a real and a fake batch to
`(d_loss, g_loss)`, as in compare_gan: a method picks one by name or takes
any callable of that form. Discriminator outputs are logits (or critic
scores for `wasserstein`), shape `(batch, 1)` or `(batch,)`.
"""

from keras import ops


def non_saturating(d_real, d_fake):
    """Non-saturating GAN loss (Goodfellow et al. 2014, Sec. 3).

    D minimizes -log D(x) - log(1 - D(G(z))); G minimizes -log D(G(z)).
    """
    d_loss = ops.mean(ops.softplus(-d_real)) + ops.mean(ops.softplus(d_fake))
    g_loss = ops.mean(ops.softplus(-d_fake))
    return d_loss, g_loss


def minimax(d_real, d_fake):
    """The original minimax loss: G minimizes log(1 - D(G(z)))."""
    d_loss, _ = non_saturating(d_real, d_fake)
    return d_loss, -ops.mean(ops.softplus(d_fake))


def wasserstein(d_real, d_fake):
    """Wasserstein critic loss (Arjovsky et al. 2017); no penalty here."""
    d_loss = ops.mean(d_fake) - ops.mean(d_real)
    return d_loss, -ops.mean(d_fake)


def hinge(d_real, d_fake):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018)."""
    d_loss = ops.mean(ops.relu(1.0 - d_real)) + ops.mean(ops.relu(1.0 + d_fake))
    return d_loss, -ops.mean(d_fake)


def least_squares(d_real, d_fake):
    """Least-squares GAN loss (Mao et al. 2017), a-b-c = 0-1-1."""
    d_loss = 0.5 * ops.mean(ops.square(d_real - 1.0)) + 0.5 * ops.mean(
        ops.square(d_fake)
    )
    return d_loss, 0.5 * ops.mean(ops.square(d_fake - 1.0))


GAN_LOSSES = {
    "non_saturating": non_saturating,
    "minimax": minimax,
    "wasserstein": wasserstein,
    "hinge": hinge,
    "least_squares": least_squares,
}


def get(identifier):
    """Returns the loss function named `identifier` (or `identifier` itself
    if it is callable)."""
    if callable(identifier):
        return identifier
    if identifier not in GAN_LOSSES:
        raise ValueError(
            f"`loss` must be one of {sorted(GAN_LOSSES)} or a callable "
            f"(d_real, d_fake) -> (d_loss, g_loss). Received: loss={identifier!r}"
        )
    return GAN_LOSSES[identifier]
