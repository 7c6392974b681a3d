"""Manifold-diffusion training (MDGAN) of Che et al."""

import keras
from keras import ops

from keras_modegan.models.image_optimizers import is_image_model, unrolled_gan_adams
from keras_modegan.models.regularized_gan import _EncoderGAN, squared_distance
from keras_modegan.networks.mlp import mlp
from keras_modegan.utils.validation import non_negative

LAMBDA_TERMS = ("log_d1", "distance")


@keras.saving.register_keras_serializable(package="keras_modegan")
class ManifoldDiffusionGAN(_EncoderGAN):
    """Manifold-diffusion GAN (MDGAN) of Che et al. 2017.

    Paper: https://arxiv.org/abs/1612.02136 (Sec. 3.3 and the pseudo code
    of Appendix A). Each step has four updates, in the order of the paper
    and of the MDGAN baseline in the Dist-GAN authors' 1-D code
    (github.com/tntrung/gan, `distgan_toy1d/gan.py`, `model='mdgan'`):

    Manifold step, on the real batch x:
    1. D1 (`manifold_discriminator`) separates x (real) from G(E(x))
       (fake): minimizes `-log D1(x) - log(1 - D1(G(E(x))))`.
    2. G and E jointly minimize
       `||x - G(E(x))||^2 - lambda * log D1(G(E(x)))` (batch mean;
       Appendix A, the default `lambda_on="log_d1"`), or
       `lambda * ||x - G(E(x))||^2 - log D1(G(E(x)))` (Sec. 3.3,
       `lambda_on="distance"`).
    Diffusion step:
    3. D2 (`discriminator`) separates G(E(x)) (real) from G(z) (fake).
    4. G minimizes `-log D2(G(z))` on fresh z.

    Where lambda goes. The paper is not consistent: Sec. 3.3 writes the
    manifold step's loss as `E[log D1(G(E(x))) + lambda d(x, G(E(x)))]`,
    lambda on the distance, and Appendix A's pseudo code (step 3) as
    `lambda log D1(G(E(x))) - ||x - G(E(x))||^2`, lambda on `log D1`. The
    two agree only up to an overall scale and lambda -> 1/lambda, so at one
    value of lambda they are different losses. `lambda_on` chooses; the
    default, `"log_d1"`, is Appendix A's pseudo code (the detailed
    procedure the paper points to). Sec. 3.3's expression is read as the
    loss `-log D1 + lambda d` that G minimizes (minimizing `log D1` itself
    would push G(E(x)) away from the data).

    Defaults and where they come from. Che et al. give no value of lambda
    and no optimizer for MDGAN (their Appendix C gives Adam with learning
    rate 1e-4 for the 2-D Reg-GAN experiment). `lambda_=1e-2` and
    `default_optimizers` (Adam, lr 1e-3, betas (0.5, 0.9), one optimizer
    per update) come from the MDGAN baseline in the Dist-GAN authors' 1-D
    code (`lambda1 = 1e-2`, `learning_rate=1e-3, beta1=0.5, beta2=0.9`,
    separate solvers for the manifold and the diffusion updates of G), not
    from Che et al.

    Other notes on the sources: Appendix A updates only G in step 2; the
    encoder has to be trained by some loss and the Dist-GAN authors' code
    trains G and E together on it, which we follow. That code weights the
    raw probability D1(G(E(x))) by lambda instead of its log
    (`mse - lambda1 * D1_recon`); we use the paper's `log D1`. Appendix
    A's D2 update writes `log(1 - D2(z_i))`, read as `log(1 - D2(G(z_i)))`
    (as in Sec. 3.3 and that code). The real batch of the step is used by
    both the manifold and the diffusion step (that code draws a new one
    for the diffusion step; with `fit` each step gets one batch).
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
        lambda_: float >= 0, the manifold step's weight, on the term that
            `lambda_on` names (1e-2, from the Dist-GAN authors' 1-D MDGAN
            baseline, not from Che et al.).
        lambda_on: `"log_d1"` (default, Appendix A: lambda weights
            `-log D1(G(E(x)))`) or `"distance"` (Sec. 3.3: lambda weights
            `||x - G(E(x))||^2`).
        separate_bn_statistics: bool, see above.
        latent_prior: `"normal"` or `"uniform"`.
        seed: int or None, seed of the latent sampler.
        optimizers_per: `"update"` (default): one optimizer per update
            (`manifold_discriminator`, `manifold`, `discriminator`,
            `diffusion`), as the third-party MDGAN code keeps two solvers
            for G; `"player"`: one per player, G's manifold and diffusion
            updates sharing one Adam.
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
    # Appendix A's four updates; G is updated in two of them (the manifold
    # and the diffusion step), each with its own optimizer by default.
    updates = {
        "manifold_discriminator": ("manifold_discriminator",),
        "manifold": ("generator", "encoder"),
        "discriminator": ("discriminator",),
        "diffusion": ("generator",),
    }
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
        lambda_on="log_d1",
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
        if lambda_on not in LAMBDA_TERMS:
            raise ValueError(
                f"`lambda_on` must be one of {LAMBDA_TERMS}. "
                f"Received: lambda_on={lambda_on!r}"
            )
        self.lambda_on = lambda_on

    def default_optimizers(self):
        if is_image_model(self):  # the Stacked MNIST protocol's Adams
            return unrolled_gan_adams(
                self.optimizer_names, ("manifold_discriminator", "discriminator")
            )
        # The Dist-GAN authors' 1-D MDGAN baseline (not Che et al.): Adam,
        # learning rate 1e-3, betas (0.5, 0.9).
        return {
            name: keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
            for name in self.optimizer_names
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
        """Appendix A step 3: `||x - G(E(x))||^2 - lambda log D1(G(E(x)))`,
        or with `lambda_on="distance"` Sec. 3.3's
        `lambda ||x - G(E(x))||^2 - log D1(G(E(x)))`.

        Returns:
            `(loss, distance, d1_reconstruction_logits)`, `distance` being
            the batch mean of `||x - G(E(x))||^2`.
        """
        (x,) = self._as_tensors(x)
        reconstruction = self.reconstruct(x, training=True)
        d1_rec = self.manifold_discriminator(reconstruction, training=True)
        distance = ops.mean(squared_distance(x, reconstruction))
        neg_log_d1 = ops.mean(ops.softplus(-d1_rec))
        if self.lambda_on == "distance":
            loss = self.lambda_ * distance + neg_log_d1  # Sec. 3.3
        else:
            loss = distance + self.lambda_ * neg_log_d1  # Appendix A, step 3
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
            lambda: self.manifold_loss(x), "manifold"
        )
        # Diffusion step.
        z = self.sample_latent(batch_size)
        d2_loss, _, _ = self.minimize(
            lambda: self.diffusion_discriminator_loss(x, z), "discriminator"
        )
        z = self.sample_latent(batch_size)
        g_loss, d2_fake = self.minimize(lambda: self.diffusion_loss(z), "diffusion")
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
        config["lambda_on"] = self.lambda_on
        return config
