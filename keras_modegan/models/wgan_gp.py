"""The WGAN-GP baseline."""

import keras
from keras import ops

from keras_modegan import losses
from keras_modegan.engine.adversarial_model import AdversarialModel
from keras_modegan.losses.penalties import gradient_penalty
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.utils.validation import positive_int


@keras.saving.register_keras_serializable(package="keras_modegan")
class WGANGP(AdversarialModel):
    """Wasserstein GAN with gradient penalty (Gulrajani et al. 2017).

    Paper: https://arxiv.org/abs/1704.00028 (Algorithm 1). Each step takes
    `n_critic` critic updates, each on fresh latent codes and fresh
    interpolates of the step's real batch, then one generator update.
    Defaults are the paper's: `n_critic=5`, `gp_weight=10`, Adam with
    lr 1e-4, beta_1 0, beta_2 0.9. The critic must not use batch norm.

    Logs `d_loss` (critic loss with penalty), `g_loss`, `gp`, and the mean
    critic scores `d_real` and `d_fake`.

    Args:
        generator: Keras model mapping `(batch, latent_dim)` to data.
        critic: Keras model mapping data to one score per sample.
        latent_dim: positive int, size of z.
        n_critic: positive int, critic updates per generator update.
        gp_weight: float >= 0, the penalty weight lambda.
        latent_prior: `"normal"` or `"uniform"`.
        seed: int or None, seed of the latent sampler.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    from keras_modegan.networks import mlp

    gan = WGANGP(mlp(2, 2), mlp(2, 1), latent_dim=2)
    gan.compile()
    gan.fit(x_train, batch_size=256, epochs=10)
    ```
    """

    players = ("generator", "critic")
    metric_names = ("d_loss", "g_loss", "gp", "d_real", "d_fake")

    def __init__(
        self,
        generator,
        critic,
        latent_dim,
        n_critic=5,
        gp_weight=10.0,
        latent_prior="normal",
        seed=None,
        **kwargs,
    ):
        super().__init__(
            {"generator": generator, "critic": critic},
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            seed=seed,
            **kwargs,
        )
        self.n_critic = positive_int(n_critic, "n_critic")
        if gp_weight < 0:
            raise ValueError(
                f"`gp_weight` must be >= 0. Received: gp_weight={gp_weight}"
            )
        self.gp_weight = float(gp_weight)

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
            for name in self.players
        }

    def train_step(self, data):
        x = self.real_batch(data)
        batch_size = ops.shape(x)[0]

        def critic_loss_fn():
            fake = self.generator(z, training=True)
            d_real = self.critic(x, training=True)
            d_fake = self.critic(fake, training=True)
            d_loss, _ = losses.wasserstein(d_real, d_fake)
            gp = gradient_penalty(
                lambda t: self.critic(t, training=True),
                x,
                fake,
                self.seed_generator,
            )
            return d_loss + self.gp_weight * gp, gp, d_real, d_fake

        for _ in range(self.n_critic):
            z = self.sample_latent(batch_size)
            d_loss, gp, d_real, d_fake = self.minimize(critic_loss_fn, "critic")

        z = self.sample_latent(batch_size)

        def g_loss_fn():
            fake = self.generator(z, training=True)
            return losses.wasserstein(d_real, self.critic(fake, training=True))[1]

        g_loss = self.minimize(g_loss_fn, "generator")
        return self.log(
            d_loss=d_loss,
            g_loss=g_loss,
            gp=gp,
            d_real=ops.mean(d_real),
            d_fake=ops.mean(d_fake),
        )

    @classmethod
    def from_dcgan(
        cls, image_shape, architecture="quarter", latent_dim=None, seed=None, **kwargs
    ):
        """The image nets of an architecture, the critic without batch norm
        (the paper, Sec. 4: batch norm breaks the per-sample penalty).

        Args: see `VanillaGAN.from_dcgan`.

        Example:

        ```python
        gan = WGANGP.from_dcgan((28, 28, 3), "quarter", seed=0)
        ```
        """
        return build_from_dcgan(
            cls, image_shape, architecture, latent_dim, seed,
            roles={"critic": "critic"}, **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"n_critic": self.n_critic, "gp_weight": self.gp_weight})
        return config
