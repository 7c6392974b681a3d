"""Manifold-diffusion training (MDGAN) of Che et al."""

import keras
from keras import ops

from keras_modegan.models.regularized_gan import _EncoderGAN, squared_distance
from keras_modegan.networks.mlp import mlp
from keras_modegan.utils.validation import non_negative


@keras.saving.register_keras_serializable(package="keras_modegan")
class ManifoldDiffusionGAN(_EncoderGAN):
    """Manifold-diffusion GAN (MDGAN) of Che et al. 2017.

    Paper: https://arxiv.org/abs/1612.02136 (Sec. 3.3 and the pseudo code
    of Appendix A). Each step has four updates, in the order of the paper
    and of the authors' 1-D code (github.com/tntrung/gan, `mdgan`):

    Manifold step, on the real batch x:
    1. D1 (`manifold_discriminator`) separates x (real) from G(E(x))
       (fake): minimizes `-log D1(x) - log(1 - D1(G(E(x))))`.
    2. G and E jointly minimize
       `||x - G(E(x))||^2 - lambda * log D1(G(E(x)))` (batch mean).
    Diffusion step:
    3. D2 (`discriminator`) separates G(E(x)) (real) from G(z) (fake).
    4. G minimizes `-log D2(G(z))` on fresh z.

    Notes on the sources: Appendix A updates only G in step 2; the encoder
    has to be trained by some loss and the authors' code trains G and E
    together on it, which we follow. The authors' 1-D code weights the raw
    probability D1(G(E(x))) by lambda instead of its log; we use the
    paper's `lambda log D1` (Sec. 3.3 and Appendix A). Appendix A's D2
    update writes `log(1 - D2(z_i))`, read as `log(1 - D2(G(z_i)))` (as in
    Sec. 3.3 and the authors' code). The real batch of the step is used
    by both the manifold and the diffusion step (the authors' code draws a
    new one for the diffusion step; with `fit` each step gets one batch).
    The reconstructions G(E(x)) are constants for D2 (only D2 is updated
    in step 3).

    Batch norm (Appendix B): G sees two kinds of input, z and E(x). In
    training the normalization uses the statistics of the batch it is
    called on, and the two kinds are never mixed in one call; with
    `separate_bn_statistics=True` the moving statistics are kept apart too
    (see `reconstruct`), so `generate` uses the statistics of z only.

    Logs `d1_loss`, `manifold_loss` (step 2), `distance` (mean squared
    reconstruction error), `d2_loss`, `g_loss` (step 4), and the mean
    probabilities `d1_reconstruction` = D1(G(E(x))) and `d2_fake` = D2(G(z)).

    Args:
        generator: Keras model mapping `(batch, latent_dim)` to data.
        encoder: Keras model mapping data to `(batch, latent_dim)`.
        discriminator: D2, Keras model mapping data to one logit.
        manifold_discriminator: D1, Keras model mapping data to one logit.
        latent_dim: positive int, size of z.
        lambda_: float >= 0, weight of `-log D1(G(E(x)))` in the manifold
            step (1e-2, the authors' code).
        separate_bn_statistics: bool, see above.
        latent_prior: `"normal"` or `"uniform"`.
        seed: int or None, seed of the latent sampler.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    gan = ManifoldDiffusionGAN.from_mlp(2)
    gan.compile()  # Adam 1e-3, betas (0.5, 0.9)
    gan.fit(x_train, batch_size=256, epochs=10)
    samples = gan.generate(2500, seed=0)
    ```
    """

    players = ("generator", "encoder", "discriminator", "manifold_discriminator")
    metric_names = (
        "d1_loss",
        "manifold_loss",
        "distance",
        "d2_loss",
        "g_loss",
        "d1_reconstruction",
        "d2_fake",
    )

    def __init__(
        self,
        generator,
        encoder,
        discriminator,
        manifold_discriminator,
        latent_dim,
        lambda_=1e-2,
        separate_bn_statistics=True,
        latent_prior="normal",
        seed=None,
        **kwargs,
    ):
        super().__init__(
            {
                "generator": generator,
                "encoder": encoder,
                "discriminator": discriminator,
                "manifold_discriminator": manifold_discriminator,
            },
            separate_bn_statistics=separate_bn_statistics,
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            seed=seed,
            **kwargs,
        )
        self.lambda_ = non_negative(lambda_, "lambda_")

    def default_optimizers(self):
        # The authors' code: Adam, learning rate 1e-3, betas (0.5, 0.9).
        return {
            name: keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
            for name in self.players
        }

    def manifold_discriminator_loss(self, x):
        """Appendix A step 2: D1 on x (real) and G(E(x)) (fake).

        Returns:
            `(d1_loss, d1_real_logits, d1_reconstruction_logits)`.
        """
        (x,) = self._as_tensors(x)
        d1_real = self.manifold_discriminator(x, training=True)
        d1_rec = self.manifold_discriminator(
            self.reconstruct(x, training=True), training=True
        )
        d1_loss = ops.mean(ops.softplus(-d1_real)) + ops.mean(ops.softplus(d1_rec))
        return d1_loss, d1_real, d1_rec

    def manifold_loss(self, x):
        """Appendix A step 3: `||x - G(E(x))||^2 - lambda log D1(G(E(x)))`.

        Returns:
            `(loss, distance, d1_reconstruction_logits)`, `distance` being
            the batch mean of `||x - G(E(x))||^2`.
        """
        (x,) = self._as_tensors(x)
        reconstruction = self.reconstruct(x, training=True)
        d1_rec = self.manifold_discriminator(reconstruction, training=True)
        distance = ops.mean(squared_distance(x, reconstruction))
        loss = distance + self.lambda_ * ops.mean(ops.softplus(-d1_rec))  # App. A.3
        return loss, distance, d1_rec

    def diffusion_discriminator_loss(self, x, z):
        """Appendix A step 6: D2 on G(E(x)) (real) and G(z) (fake).

        Returns:
            `(d2_loss, d2_reconstruction_logits, d2_fake_logits)`.
        """
        x, z = self._as_tensors(x, z)
        d2_rec = self.discriminator(self.reconstruct(x, training=True), training=True)
        d2_fake = self.discriminator(self.generator(z, training=True), training=True)
        d2_loss = ops.mean(ops.softplus(-d2_rec)) + ops.mean(ops.softplus(d2_fake))
        return d2_loss, d2_rec, d2_fake

    def diffusion_loss(self, z):
        """Appendix A step 7: `-log D2(G(z))`.

        Returns:
            `(g_loss, d2_fake_logits)`.
        """
        (z,) = self._as_tensors(z)
        d2_fake = self.discriminator(self.generator(z, training=True), training=True)
        return ops.mean(ops.softplus(-d2_fake)), d2_fake

    def train_step(self, data):
        x = self.real_batch(data)
        batch_size = ops.shape(x)[0]
        # Manifold step.
        d1_loss, _, _ = self.minimize(
            lambda: self.manifold_discriminator_loss(x), "manifold_discriminator"
        )
        manifold, distance, d1_rec = self.minimize(
            lambda: self.manifold_loss(x), ["generator", "encoder"]
        )
        # Diffusion step.
        z = self.sample_latent(batch_size)
        d2_loss, _, _ = self.minimize(
            lambda: self.diffusion_discriminator_loss(x, z), "discriminator"
        )
        z = self.sample_latent(batch_size)
        g_loss, d2_fake = self.minimize(lambda: self.diffusion_loss(z), "generator")
        return self.log(
            d1_loss=d1_loss,
            manifold_loss=manifold,
            distance=distance,
            d2_loss=d2_loss,
            g_loss=g_loss,
            d1_reconstruction=ops.mean(ops.sigmoid(d1_rec)),
            d2_fake=ops.mean(ops.sigmoid(d2_fake)),
        )

    @classmethod
    def from_mlp(
        cls,
        data_dim,
        latent_dim=3,
        hidden_units=(128, 128),
        discriminator_units=(128,),
        latent_prior="uniform",
        **kwargs,
    ):
        """MLP players for `data_dim`-D vectors: the paper's 2-D nets.

        The paper gives 2-D nets only for its Reg-GAN experiment
        (Appendix C); MDGAN gets the same ones: G with two hidden ReLU
        layers of 128 units on 3-D uniform noise, E its mirror, D1 and D2
        with one hidden ReLU layer of 128 units each.

        Args:
            data_dim: positive int, size of a data vector.
            latent_dim: positive int, size of z.
            hidden_units: hidden widths of G and E.
            discriminator_units: hidden widths of D1 and D2.
            latent_prior: `"normal"` or `"uniform"`.
            **kwargs: the other constructor arguments.
        """
        return cls(
            generator=mlp(latent_dim, data_dim, hidden_units, name="generator"),
            encoder=mlp(data_dim, latent_dim, hidden_units, name="encoder"),
            discriminator=mlp(data_dim, 1, discriminator_units, name="discriminator"),
            manifold_discriminator=mlp(
                data_dim, 1, discriminator_units, name="manifold_discriminator"
            ),
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        config["lambda_"] = self.lambda_
        return config
