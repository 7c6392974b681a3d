"""The vanilla GAN baseline."""

import keras
from keras import ops

from keras_modegan import losses
from keras_modegan.engine.adversarial_model import AdversarialModel
from keras_modegan.models.image_optimizers import is_image_model, unrolled_gan_adams
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.utils.validation import positive_int


@keras.saving.register_keras_serializable(package="keras_modegan")
class VanillaGAN(AdversarialModel):
    """GAN of Goodfellow et al. 2014 with the non-saturating generator loss.

    Paper: https://arxiv.org/abs/1406.2661 (Algorithm 1). Each step takes
    `d_steps` discriminator updates on the real batch and fresh latent
    codes, then one generator update on fresh codes. The discriminator
    outputs logits. This class is also the model to read first when writing
    a method of your own.

    Logs `d_loss`, `g_loss`, and the mean discriminator probabilities
    `d_real` = D(x) and `d_fake` = D(G(z)).

    Args:
        generator: Keras model mapping `(batch, latent_dim)` to data.
        discriminator: Keras model mapping data to one logit per sample.
        latent_dim: positive int, size of z.
        loss: name in `keras_modegan.losses.GAN_LOSSES` or a callable
            `(d_real, d_fake) -> (d_loss, g_loss)`. The generator step gets
            the real scores of the last discriminator step.
        d_steps: positive int, discriminator updates per step.
        latent_prior: `"normal"` or `"uniform"`.
        seed: int or None, seed of the latent sampler.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    from keras_modegan.networks import mlp

    gan = VanillaGAN(mlp(2, 2), mlp(2, 1), latent_dim=2)
    gan.compile()
    gan.fit(x_train, batch_size=256, epochs=10)
    samples = gan.generate(2500, seed=0)
    ```
    """

    players = ("generator", "discriminator")
    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        loss="non_saturating",
        d_steps=1,
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
        self.loss_fn = losses.get(loss)
        self.gan_loss = loss
        self.d_steps = positive_int(d_steps, "d_steps")

    def discriminator_step(self, x):
        """The `d_steps` discriminator updates of a step (Algorithm 1, inner
        loop), each on the real batch `x` and fresh latent codes.

        Returns:
            `(d_loss, d_real, d_fake)` of the last update (outputs are logits).
        """
        batch_size = ops.shape(x)[0]

        def d_loss_fn():
            fake = self.generator(z, training=True)
            d_real = self.discriminator(x, training=True)
            d_fake = self.discriminator(fake, training=True)
            d_loss, _ = self.loss_fn(d_real, d_fake)
            return d_loss, d_real, d_fake

        for _ in range(self.d_steps):
            z = self.sample_latent(batch_size)
            d_loss, d_real, d_fake = self.minimize(d_loss_fn, "discriminator")
        return d_loss, d_real, d_fake

    def train_step(self, data):
        x = self.real_batch(data)
        batch_size = ops.shape(x)[0]
        d_loss, d_real, d_fake = self.discriminator_step(x)

        z = self.sample_latent(batch_size)

        def g_loss_fn():
            fake = self.generator(z, training=True)
            return self.loss_fn(d_real, self.discriminator(fake, training=True))[1]

        g_loss = self.minimize(g_loss_fn, "generator")
        return self.log(
            d_loss=d_loss,
            g_loss=g_loss,
            d_real=ops.mean(ops.sigmoid(d_real)),
            d_fake=ops.mean(ops.sigmoid(d_fake)),
        )

    def default_optimizers(self):
        """Adam 2e-4, beta_1 0.5 for both players (DCGAN); on images the
        Stacked MNIST protocol's (`image_optimizers.unrolled_gan_adams`)."""
        if is_image_model(self):
            return unrolled_gan_adams(self.optimizer_names, ("discriminator",))
        return super().default_optimizers()

    @classmethod
    def from_dcgan(
        cls, image_shape, architecture="quarter", latent_dim=None, seed=None, **kwargs
    ):
        """DCGAN: the method with the image nets of an architecture.

        Args:
            image_shape: `(height, width, channels)`, images in [-1, 1].
            architecture: `"quarter"` (Unrolled GAN's Stacked MNIST nets,
                D = G/4), `"half"` (D = G/2), `"big"` (VEEGAN's DCGAN),
                `"dcgan"` (32x32 / 64x64), or a dict; see
                `keras_modegan.networks.dcgan_players.build_from_dcgan`.
            latent_dim: size of z (None: the architecture's).
            seed: int or None, seeds the latent sampler and the initializers.
            **kwargs: the other constructor arguments.

        Example:

        ```python
        gan = VanillaGAN.from_dcgan((28, 28, 3), "quarter", seed=0)
        ```
        """
        return build_from_dcgan(
            cls, image_shape, architecture, latent_dim, seed, **kwargs
        )

    def get_config(self):
        config = super().get_config()
        if not isinstance(self.gan_loss, str):
            raise ValueError(
                "Only a named `loss` can be saved; register a custom one in "
                "`keras_modegan.losses.GAN_LOSSES`."
            )
        config.update({"loss": self.gan_loss, "d_steps": self.d_steps})
        return config
