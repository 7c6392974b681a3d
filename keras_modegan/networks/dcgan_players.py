"""Every method's players on images: the `from_dcgan` builder they share."""

from keras_modegan.networks.dcgan import (
    architecture_spec,
    dcgan_discriminator,
    dcgan_encoder,
    dcgan_generator,
)

# What a player is on images. "discriminator": one logit, batch norm with
# the batch's statistics; "critic": the same without batch norm (WGAN-GP);
# "features": `[logit, Phi(x)]`, Phi(x) the flattened last conv features
# (Dist-GAN, GAAN); "embedding": an `embedding_dim` head `5 sigmoid - 2.5`
# (Mixture Density GAN); "encoder": the generator's mirror.
ROLES = ("generator", "encoder", "discriminator", "critic", "features", "embedding")


def default_role(player):
    """A player's role from its name: "generator", "encoder", else a
    discriminator."""
    return player if player in ("generator", "encoder") else "discriminator"


def dcgan_network(role, image_shape, architecture, latent_dim, seed, name,
                  embedding_dim=9):
    """The network of one role (see `ROLES`) for `image_shape`."""
    if role == "generator":
        return dcgan_generator(image_shape, architecture, latent_dim, seed=seed,
                               name=name)
    if role == "encoder":
        return dcgan_encoder(image_shape, architecture, latent_dim, seed=seed,
                             name=name)
    if role not in ROLES:
        raise ValueError(f"`role` must be one of {ROLES}. Received: role={role!r}")
    options = {
        "discriminator": {},
        "critic": {"normalization": None},
        "features": {"return_features": True},
        # The authors' only published head (their 2-D demo): 5 sigmoid - 2.5.
        "embedding": {
            "output_dim": embedding_dim,
            "output_activation": "sigmoid",
            "output_scale": 5.0,
            "output_offset": -2.5,
        },
    }[role]
    return dcgan_discriminator(image_shape, architecture, seed=seed, name=name,
                               **options)


def build_from_dcgan(
    cls,
    image_shape,
    architecture="quarter",
    latent_dim=None,
    seed=None,
    roles=None,
    embedding_dim=9,
    **kwargs,
):
    """Builds `cls` with DCGAN players for images: what every method's
    `from_dcgan` calls.

    Each player gets the network of its role (`roles`, else from its name:
    the generator, the encoder that mirrors it, a discriminator); z has
    the architecture's size and prior unless `latent_dim` or
    `latent_prior` say otherwise, so that all methods run on the same
    nets and noise.

    Args:
        cls: the method's class.
        image_shape: `(height, width, channels)`, images in [-1, 1].
        architecture: a key of `keras_modegan.networks.dcgan.ARCHITECTURES`
            (`"quarter"`: Unrolled GAN's Stacked MNIST nets, D = G/4, the
            default; `"half"`; `"big"`: VEEGAN's DCGAN; `"dcgan"`: DCGAN
            for 32x32 and 64x64) or a dict like them.
        latent_dim: size of z (None: the architecture's, 256 or 100).
        seed: int or None: the latent sampler's seed, and every network's
            initializers are drawn from it (each player its own).
        roles: optional dict of player name to a role of `ROLES`.
        embedding_dim: size of the "embedding" role's output.
        **kwargs: the method's constructor arguments.

    Returns:
        An instance of `cls`.
    """
    spec = architecture_spec(architecture, image_shape)
    latent_dim = spec["latent_dim"] if latent_dim is None else latent_dim
    kwargs.setdefault("latent_prior", spec["latent_prior"])
    roles = dict(roles or {})
    unknown = sorted(set(roles) - set(cls.players))
    if unknown:
        raise ValueError(
            f"`roles` names unknown players {unknown}; {cls.__name__} has "
            f"{cls.players}."
        )
    networks = {
        player: dcgan_network(
            roles.get(player, default_role(player)),
            image_shape,
            architecture,
            latent_dim,
            seed,
            player,
            embedding_dim=embedding_dim,
        )
        for player in cls.players
    }
    return cls(**networks, latent_dim=latent_dim, seed=seed, **kwargs)
