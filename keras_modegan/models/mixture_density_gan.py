"""Mixture Density GAN (MD-GAN)."""

import keras
from keras import ops

from keras_modegan.engine.adversarial_model import AdversarialModel
from keras_modegan.layers.simplex_gaussian_mixture import SimplexGaussianMixture
from keras_modegan.models.image_optimizers import is_image_model, unrolled_gan_adams
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.networks.mlp import mlp


@keras.saving.register_keras_serializable(package="keras_modegan")
class MixtureDensityGAN(AdversarialModel):
    """Mixture Density GAN of Eghbal-zadeh, Zellinger & Widmer (CVPR 2019).

    Paper: https://arxiv.org/abs/1811.00152 (Sec. 4, Eq. 2-3). The
    discriminator maps a sample to a `d`-dimensional embedding; a
    `keras_modegan.layers.SimplexGaussianMixture` (an equal-weight mixture
    of `d + 1` spherical Gaussians on the vertices of a regular simplex)
    turns the embedding into a likelihood `lk`. With `lambda` the global
    maximum of `lk` (found when the layer is built), each step takes one
    discriminator update maximizing

        mean log(lk(D(x)) + eps) + mean log(lambda - lk(D(G(z))) + eps)

    and then one generator update, on fresh latent codes, minimizing
    `mean log(lambda - lk(D(G(z))) + eps)` (Eq. 3, as batch means with
    `eps = 1e-8` inside each log, as in the authors' code). The logs are
    computed from the mixture's log-likelihood, so they stay finite and
    differentiable far from the simplex.

    Defaults are the paper's: edge length 1 and variance 0.25 (the paper's
    image setting; note that with d = 9 this mixture is unimodal, see the
    layer), and `default_optimizers()` gives the authors' 2-D demo
    setting, Adam with lr 1e-3 halved every 10,000 updates (500 epochs of
    10,000 points at batch 500) and beta_1 0.5 for both players.
    `from_mlp` builds the authors' 2-D networks.

    Logs `d_loss` (the negated discriminator objective), `g_loss`, and the
    mean likelihoods `lk_real` = lk(D(x)) and `lk_fake` = lk(D(G(z))).

    Args:
        generator: Keras model mapping `(batch, latent_dim)` to data.
        discriminator: Keras model mapping data to `(batch, d)` embeddings
            (d = 9, i.e. 10 components, in the paper).
        latent_dim: positive int, size of z.
        edge_length: positive float, distance between simplex vertices.
        variance: positive float, variance of every mixture component on
            every axis.
        epsilon: positive float added inside each log of Eq. 3.
        latent_prior: `"normal"` or `"uniform"` (the 2-D demo uses
            uniform on [-1, 1]).
        seed: int or None, seed of the latent sampler.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    gan = MixtureDensityGAN.from_mlp(2, variance=0.25)
    gan.compile()
    gan.fit(x_train, batch_size=500, epochs=10)
    samples = gan.generate(2500, seed=0)
    lk, clusters = gan.mixture(gan.discriminator(x_train[:10]),
                               return_assignments=True)
    ```
    """

    players = ("generator", "discriminator")
    metric_names = ("d_loss", "g_loss", "lk_real", "lk_fake")

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        edge_length=1.0,
        variance=0.25,
        epsilon=1e-8,
        latent_prior="normal",
        seed=None,
        **kwargs,
    ):
        super().__init__(
            {"generator": generator, "discriminator": discriminator},
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            seed=seed,
            **kwargs,
        )
        if isinstance(epsilon, bool) or not isinstance(
            epsilon, (int, float)
        ) or not epsilon > 0:
            raise ValueError(
                f"`epsilon` must be a positive float. Received: epsilon={epsilon!r}"
            )
        self.epsilon = float(epsilon)
        self.mixture = SimplexGaussianMixture(
            edge_length=edge_length, variance=variance, name="mixture"
        )
        self.edge_length = self.mixture.edge_length
        self.variance = self.mixture.variance
        embedding_shape = self.discriminator.compute_output_shape(
            (None,) + self.data_shape
        )
        if len(embedding_shape) != 2:
            raise ValueError(
                "`discriminator` must map a batch of samples to a batch of "
                "embedding vectors `(batch, d)`. Its output shape is "
                f"{embedding_shape}."
            )
        self.mixture.build(embedding_shape)

    @property
    def lambda_(self):
        """The global maximum of the likelihood (Eq. 3's lambda)."""
        return self.mixture.lambda_

    def default_optimizers(self):
        if is_image_model(self):  # the Stacked MNIST protocol's Adams
            return unrolled_gan_adams(self.optimizer_names, ("discriminator",))
        # The authors' 2-D demo: lr 1e-3 halved every 500 epochs of 10,000
        # points at batch 500 (= 10,000 updates of each player).
        def adam():
            schedule = keras.optimizers.schedules.ExponentialDecay(
                1e-3, decay_steps=10_000, decay_rate=0.5, staircase=True
            )
            return keras.optimizers.Adam(schedule, beta_1=0.5)

        return {name: adam() for name in self.players}

    def train_step(self, data):
        x = self.real_batch(data)
        batch_size = ops.shape(x)[0]
        eps = self.epsilon

        def d_loss_fn():
            fake = self.generator(z, training=True)
            e_real = self.discriminator(x, training=True)
            e_fake = self.discriminator(fake, training=True)
            log_lk_real = self.mixture.log_likelihood(e_real, epsilon=eps)
            log_gap_fake = self.mixture.log_gap(e_fake, epsilon=eps)
            # Eq. 3, D maximizes E log lk(D(x)) + E log(lambda - lk(D(G(z))))
            d_loss = -(ops.mean(log_lk_real) + ops.mean(log_gap_fake))
            lk_real = ops.exp(self.mixture.log_likelihood(e_real))
            lk_fake = ops.exp(self.mixture.log_likelihood(e_fake))
            return d_loss, ops.mean(lk_real), ops.mean(lk_fake)

        z = self.sample_latent(batch_size)
        d_loss, lk_real, lk_fake = self.minimize(d_loss_fn, "discriminator")

        z = self.sample_latent(batch_size)

        def g_loss_fn():
            e_fake = self.discriminator(self.generator(z, training=True),
                                        training=True)
            # Eq. 3, G minimizes E log(lambda - lk(D(G(z))))
            return ops.mean(self.mixture.log_gap(e_fake, epsilon=eps))

        g_loss = self.minimize(g_loss_fn, "generator")
        return self.log(
            d_loss=d_loss, g_loss=g_loss, lk_real=lk_real, lk_fake=lk_fake
        )

    @classmethod
    def from_mlp(
        cls,
        data_dim,
        latent_dim=2,
        embedding_dim=9,
        hidden_units=(128, 128),
        latent_prior="uniform",
        **kwargs,
    ):
        """Builds the authors' 2-D demo networks (github.com/eghbalz/mdgan).

        Generator: z -> 128 ReLU -> 128 ReLU -> `data_dim`, output
        `6 * tanh`. Discriminator: x -> 128 LeakyReLU(0.2) -> 128
        LeakyReLU(0.2) -> `embedding_dim`, output `5 * sigmoid - 2.5`.
        Kernels drawn from N(0, 0.02), zero biases; z ~ U(-1, 1)^2.

        Args:
            data_dim: positive int, size of a data vector.
            latent_dim: positive int, size of z (2 in the demo).
            embedding_dim: positive int, d of the simplex (9, i.e. 10
                components, in the demo and the paper).
            hidden_units: widths of the hidden layers of both networks.
            latent_prior: `"uniform"` (the demo) or `"normal"`.
            **kwargs: other constructor arguments (`variance`, ...).
        """
        init = keras.initializers.RandomNormal(0.0, 0.02)
        generator = mlp(
            latent_dim,
            data_dim,
            hidden_units=hidden_units,
            activation="relu",
            output_activation="tanh",
            output_scale=6.0,
            kernel_initializer=init,
            name="generator",
        )
        discriminator = mlp(
            data_dim,
            embedding_dim,
            hidden_units=hidden_units,
            activation="leaky_relu",
            output_activation="sigmoid",
            output_scale=5.0,
            output_offset=-2.5,
            kernel_initializer=init,
            name="discriminator",
        )
        return cls(
            generator,
            discriminator,
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            **kwargs,
        )

    @classmethod
    def from_dcgan(
        cls,
        image_shape,
        architecture="quarter",
        latent_dim=None,
        seed=None,
        embedding_dim=9,
        variance=0.25,
        **kwargs,
    ):
        """The image nets of an architecture, the discriminator ending in a
        `embedding_dim`-D head (Sec. 6.3.2: a 9-D simplex, 10 components,
        variance 0.25 on real images; the head is `5 sigmoid - 2.5`, the
        authors' published one, from their 2-D demo).

        Args:
            image_shape, architecture, latent_dim, seed: see
                `VanillaGAN.from_dcgan`.
            embedding_dim: positive int, d of the simplex.
            variance: variance of the mixture's components.
            **kwargs: the other constructor arguments.

        Example:

        ```python
        gan = MixtureDensityGAN.from_dcgan((28, 28, 3), "quarter", seed=0)
        ```
        """
        return build_from_dcgan(
            cls, image_shape, architecture, latent_dim, seed,
            roles={"discriminator": "embedding"}, embedding_dim=embedding_dim,
            variance=variance, **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "edge_length": self.edge_length,
                "variance": self.variance,
                "epsilon": self.epsilon,
            }
        )
        return config
