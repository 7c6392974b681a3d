"""The mode-regularized GAN of Che et al. (Reg-GAN)."""

import keras
from keras import ops

from keras_modegan.engine.adversarial_model import AdversarialModel
from keras_modegan.models.image_optimizers import is_image_model, unrolled_gan_adams
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.networks.mlp import mlp
from keras_modegan.utils.validation import non_negative, positive_int

# Names of the batch-norm moving statistics (`keras.layers.BatchNormalization`).
_BN_STATISTICS = ("moving_mean", "moving_variance")


def squared_distance(x, y):
    """Per-sample squared L2 distance `||x - y||^2`, summed over features.

    The metric regularizer d of Che et al. (Sec. 3.1) and the reconstruction
    term of their MDGAN pseudo code (Appendix A).

    Args:
        x: batch of shape `(batch, ...)`.
        y: batch of the same shape.

    Returns:
        Tensor of shape `(batch,)`.
    """
    diff = ops.reshape(x - y, (ops.shape(x)[0], -1))
    return ops.sum(ops.square(diff), axis=-1)


class _EncoderGAN(AdversarialModel):
    """Shared part of the encoder-regularized GANs of Che et al. 2017.

    Holds the reconstruction `G(E(x))` with, for generators with batch
    normalization, a second set of moving statistics used whenever the
    generator sees encoded data instead of prior draws (Appendix B).
    """

    def __init__(self, networks, separate_bn_statistics=True, **kwargs):
        super().__init__(networks, **kwargs)
        code_shape = tuple(self.encoder.compute_output_shape((None,) + self.data_shape))
        if code_shape[1:] != (self.latent_dim,):
            raise ValueError(
                "`encoder` must map data to codes of shape "
                f"(batch, latent_dim)=(batch, {self.latent_dim}). "
                f"Received an encoder with output shape {code_shape}"
            )
        if not isinstance(separate_bn_statistics, bool):
            raise ValueError(
                "`separate_bn_statistics` must be True or False. Received: "
                f"separate_bn_statistics={separate_bn_statistics!r}"
            )
        self.separate_bn_statistics = separate_bn_statistics
        # The copies for encoded inputs, one per generator statistic (the
        # model tracks only these; the originals belong to the generator).
        self._bn_copies = []
        if separate_bn_statistics:
            for i, v in enumerate(self._bn_statistics()):
                copy = self.add_weight(
                    shape=v.shape,
                    initializer="zeros",
                    trainable=False,
                    name=f"reconstruction_{v.name}_{i}",
                )
                copy.assign(ops.copy(v.value))  # a buffer of its own (JAX)
                self._bn_copies.append(copy)

    def _bn_statistics(self):
        return [
            v
            for v in self.generator.non_trainable_variables
            if v.name in _BN_STATISTICS
        ]

    @property
    def _bn_pairs(self):
        """Pairs (generator statistic, its copy for encoded inputs)."""
        if not self._bn_copies:
            return []
        return list(zip(self._bn_statistics(), self._bn_copies))

    def reconstruct(self, x, training=False):
        """`G(E(x))`, the autoencoder path through the generator.

        With `separate_bn_statistics=True`, the generator's batch-norm
        layers use (in inference) and update (in training) a second set of
        moving statistics reserved for encoded inputs, so the statistics
        `generate` uses are those of prior draws only (Appendix B). The
        normalization in training uses the batch's own statistics either
        way, since the two kinds of inputs are never mixed in one batch.

        Args:
            x: real batch.
            training: bool, whether the networks run in training mode.

        Returns:
            The reconstruction, shaped like `x`.
        """
        code = self.encoder(x, training=training)
        pairs = self._bn_pairs
        if not pairs:
            return self.generator(code, training=training)
        # Snapshots (a variable's `value` may be a live view of it).
        prior_stats = [ops.copy(v.value) for v, _ in pairs]
        for v, copy in pairs:
            v.assign(copy.value)
        reconstruction = self.generator(code, training=training)
        for (v, copy), value in zip(pairs, prior_stats):
            copy.assign(v.value)
            v.assign(value)
        return reconstruction

    def _as_tensors(self, *tensors):
        return [ops.convert_to_tensor(t, self.compute_dtype) for t in tensors]

    @classmethod
    def from_dcgan(
        cls, image_shape, architecture="quarter", latent_dim=None, seed=None, **kwargs
    ):
        """Appendix B: the DCGAN generator and discriminator(s) of an
        architecture and an encoder that mirrors the generator (its layers
        reversed, transposed convs replaced by convs), the generator's
        batch norm keeping separate statistics for z and E(x)
        (`separate_bn_statistics=True`).

        Args: see `VanillaGAN.from_dcgan`.

        Example:

        ```python
        gan = RegularizedGAN.from_dcgan((28, 28, 3), "quarter", seed=0)
        ```
        """
        kwargs.setdefault("separate_bn_statistics", True)
        return build_from_dcgan(
            cls, image_shape, architecture, latent_dim, seed, **kwargs
        )

    def get_config(self):
        config = super().get_config()
        config["separate_bn_statistics"] = self.separate_bn_statistics
        return config


@keras.saving.register_keras_serializable(package="keras_modegan")
class RegularizedGAN(_EncoderGAN):
    """Mode-regularized GAN (Reg-GAN) of Che et al. 2017.

    Paper: https://arxiv.org/abs/1612.02136 (Sec. 3.1-3.2). An encoder E is
    trained jointly with the generator G. The discriminator D is the usual
    GAN discriminator between real data x and G(z); G and E minimize

        T_G = -E_z log D(G(z)) + E_x[lambda1 d(x, G(E(x)))
                                     - lambda2 log D(G(E(x)))],
        T_E = E_x[lambda1 d(x, G(E(x))) - lambda2 log D(G(E(x)))],

    with d the squared L2 distance summed over the features (the paper's
    "pixel-wise L2", as in its Appendix A).

    Sign of the mode regularizer: the paper prints `+ lambda2 log D(G(E(x)))`
    in T_G and T_E, but states its intent as adding `E_x log D(G(E(x)))` "to
    the optimization target for the generator, to encourage G(E(x)) to move
    towards a nearby mode": for G that target is maximized, like
    `log D(G(z))`. Read literally as a loss to minimize, the term would push
    reconstructions towards what D calls fake. We implement the stated
    intent: the minimized loss contains `-lambda2 log D(G(E(x)))`
    (i.e. `lambda2 * softplus(-D_logit(G(E(x))))`).

    D's loss: the paper defines only the regularized targets of G and E, so
    D keeps the plain GAN loss on x (real) and G(z) (fake); reconstructions
    do not enter it. Since T_E equals T_G minus a term that does not depend
    on E, one joint update of G and E on T_G gives each exactly the gradient
    of its own target. Each step: `d_steps` updates of D (fresh z each),
    then one joint update of G and E on the same real batch and fresh z.

    Logs `d_loss`, `g_loss` (T_G), `e_loss` (T_E), `distance` (E_x d),
    `mode_loss` (-E_x log D(G(E(x)))), and the mean discriminator
    probabilities `d_real`, `d_fake`, `d_reconstruction`.

    Args:
        generator: Keras model mapping `(batch, latent_dim)` to data.
        encoder: Keras model mapping data to `(batch, latent_dim)`.
        discriminator: Keras model mapping data to one logit per sample.
        latent_dim: positive int, size of z.
        lambda1: float >= 0, weight of the metric regularizer d.
        lambda2: float >= 0, weight of the mode regularizer. The defaults
            (1e-2 both) are the public re-implementations'; the paper uses
            0.005 both on its 2-D data (Appendix C, the `from_mlp`
            defaults) and 0.2 / 0.4 on MNIST.
        d_steps: positive int, discriminator updates per step.
        separate_bn_statistics: bool; if True, generator batch-norm layers
            keep separate moving statistics for encoded inputs (see
            `reconstruct`, Appendix B). No effect on nets without batch
            norm.
        latent_prior: `"normal"` or `"uniform"`.
        seed: int or None, seed of the latent sampler.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    gan = RegularizedGAN.from_mlp(2)  # Appendix C nets, lambda = 0.005
    gan.compile()
    gan.fit(x_train, batch_size=256, epochs=10)
    samples = gan.generate(2500, seed=0)
    ```
    """

    players = ("generator", "encoder", "discriminator")
    metric_names = (
        "d_loss",
        "g_loss",
        "e_loss",
        "distance",
        "mode_loss",
        "d_real",
        "d_fake",
        "d_reconstruction",
    )

    def __init__(
        self,
        generator,
        encoder,
        discriminator,
        latent_dim,
        lambda1=1e-2,
        lambda2=1e-2,
        d_steps=1,
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
            },
            separate_bn_statistics=separate_bn_statistics,
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            seed=seed,
            **kwargs,
        )
        self.lambda1 = non_negative(lambda1, "lambda1")
        self.lambda2 = non_negative(lambda2, "lambda2")
        self.d_steps = positive_int(d_steps, "d_steps")

    def default_optimizers(self):
        if is_image_model(self):  # the Stacked MNIST protocol's Adams
            return unrolled_gan_adams(self.optimizer_names, ("discriminator",))
        # Appendix C: Adam, learning rate 1e-4 (beta_1 of DCGAN, which the
        # paper's image code builds on).
        return {
            name: keras.optimizers.Adam(1e-4, beta_1=0.5) for name in self.players
        }

    def discriminator_loss(self, x, z):
        """The plain GAN discriminator loss on x (real) and G(z) (fake).

        Returns:
            `(d_loss, d_real_logits, d_fake_logits)`.
        """
        x, z = self._as_tensors(x, z)
        d_real = self.discriminator(x, training=True)
        d_fake = self.discriminator(self.generator(z, training=True), training=True)
        d_loss = ops.mean(ops.softplus(-d_real)) + ops.mean(ops.softplus(d_fake))
        return d_loss, d_real, d_fake

    def generator_loss(self, x, z):
        """The targets T_G and T_E of Sec. 3.2 on a real batch and codes.

        Returns:
            `(t_g, t_e, distance, mode_loss, d_reconstruction_logits)` with
            `distance` = mean d(x, G(E(x))) and `mode_loss` =
            mean -log D(G(E(x))).
        """
        x, z = self._as_tensors(x, z)
        d_fake = self.discriminator(self.generator(z, training=True), training=True)
        reconstruction = self.reconstruct(x, training=True)
        d_rec = self.discriminator(reconstruction, training=True)
        distance = ops.mean(squared_distance(x, reconstruction))  # Sec. 3.1, d
        mode_loss = ops.mean(ops.softplus(-d_rec))  # Sec. 3.2, -log D(G(E(x)))
        t_e = self.lambda1 * distance + self.lambda2 * mode_loss  # T_E
        t_g = ops.mean(ops.softplus(-d_fake)) + t_e  # T_G
        return t_g, t_e, distance, mode_loss, d_rec

    def train_step(self, data):
        x = self.real_batch(data)
        batch_size = ops.shape(x)[0]
        for _ in range(self.d_steps):
            z = self.sample_latent(batch_size)
            d_loss, d_real, d_fake = self.minimize(
                lambda: self.discriminator_loss(x, z), "discriminator"
            )
        z = self.sample_latent(batch_size)
        t_g, t_e, distance, mode_loss, d_rec = self.minimize(
            lambda: self.generator_loss(x, z), ["generator", "encoder"]
        )
        return self.log(
            d_loss=d_loss,
            g_loss=t_g,
            e_loss=t_e,
            distance=distance,
            mode_loss=mode_loss,
            d_real=ops.mean(ops.sigmoid(d_real)),
            d_fake=ops.mean(ops.sigmoid(d_fake)),
            d_reconstruction=ops.mean(ops.sigmoid(d_rec)),
        )

    @classmethod
    def from_mlp(
        cls,
        data_dim,
        latent_dim=3,
        hidden_units=(128, 128),
        discriminator_units=(128,),
        lambda1=0.005,
        lambda2=0.005,
        latent_prior="uniform",
        **kwargs,
    ):
        """The nets of the paper's 2-D experiment (Appendix C).

        G: 2 hidden ReLU layers of 128 units on 3-D uniform noise; D: one
        hidden ReLU layer (its width is not given; 128 here); E: the mirror
        of G (2 x 128). lambda1 = lambda2 = 0.005. The paper draws z from
        U[0, 1]^3; the model's uniform prior is U[-1, 1]^3, which G's first
        affine layer absorbs.

        Args:
            data_dim: positive int, size of a data vector.
            latent_dim: positive int, size of z.
            hidden_units: hidden widths of G and E.
            discriminator_units: hidden widths of D.
            lambda1: see the class.
            lambda2: see the class.
            latent_prior: `"normal"` or `"uniform"`.
            **kwargs: the other constructor arguments.
        """
        return cls(
            generator=mlp(latent_dim, data_dim, hidden_units, name="generator"),
            encoder=mlp(data_dim, latent_dim, hidden_units, name="encoder"),
            discriminator=mlp(data_dim, 1, discriminator_units, name="discriminator"),
            latent_dim=latent_dim,
            lambda1=lambda1,
            lambda2=lambda2,
            latent_prior=latent_prior,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {"lambda1": self.lambda1, "lambda2": self.lambda2, "d_steps": self.d_steps}
        )
        return config
