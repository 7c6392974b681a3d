"""GAAN: the generative adversarial autoencoder network, Dist-GAN's first form."""

import keras
from keras import ops

from keras_modegan.models.dist_gan import DistGAN


@keras.saving.register_keras_serializable(package="keras_modegan")
class GAAN(DistGAN):
    """Generative Adversarial Autoencoder Networks (Tran, Bui, Cheung 2018).

    Paper: https://arxiv.org/abs/1803.08887v1 (Algorithm 1, Eqs. 3-7), the
    first version of the work later published as Dist-GAN
    (`keras_modegan.models.DistGAN`). Same three updates per step and same
    options as `DistGAN`; two things differ, as the paper writes them:

    - update 3 trains the generator on the plain non-saturating loss
      `-E log sigmoid(D(G(z)))` (Algorithm 1, line 10), not on Dist-GAN's
      discriminator-score distance; with `loss="hinge"` it is
      `-E D(G(z))`;
    - the data side of the autoencoder regularization compares the real
      batch with the generated one, `f = M_d(E x - E G(z))` (Eq. 6), where
      Dist-GAN's Eq. 7 uses the reconstructions `G(E(x))`.

    The regularized autoencoder (Eq. 3: `R + lambda_r W`, Eqs. 5-7) and the
    discriminator (Eq. 4: real, fake, reconstructions as real, gradient
    penalty) are Dist-GAN's. Eq. 4's penalty is on the squared norm,
    `(||grad D(x_hat)||_2^2 - 1)^2`, as in Dist-GAN's Eq. 5: the default
    `penalty_form="squared_norm"`; the authors' code uses
    `(sqrt(mean(grad^2)) - 1)^2` (`penalty_form="norm",
    penalty_norm="rms"`, see `DistGAN`). The authors' GAAN 2-D code
    (github.com/tntrung/gan, `gaan_toy2d/gaan_toy2d.py`, removed in commit
    6aedfd0) is the same program as their Dist-GAN 2-D code: its generator
    loss is Dist-GAN's score distance and its `f` compares `G(E(x))` with
    `G(z)`; this class follows the GAAN paper in both. The paper's
    ablation GAAN_1 (no regularization W, no gradient penalty) is
    `lambda_r=0, lambda_p=0`;
    GAAN_2, the full model, is the default of `from_mlp`.

    Logs the same values as `DistGAN`, with `g_loss` the loss of line 10.

    Args: see `DistGAN`; the defaults are the same (`from_mlp` gives the
    2-D setup of the paper: lambda_r = lambda_p = 0.1, lambda_w = 1).

    Example:

    ```python
    gan = GAAN.from_mlp(2)  # data units: better than [0, 1] on grid25
    gan.compile()
    gan.fit(x_train, batch_size=128, epochs=20)
    samples = gan.generate(2000, seed=0)
    ```
    """

    def latent_data_anchor(self, x, reconstruction):
        """The batch that f of Eq. 6 compares with G(z): the real batch x."""
        return x

    def generator_loss(self, x, fake):
        """The loss of update 3: `max_G E log D(G(z))` (Algorithm 1, line 10)."""
        d_fake = self._discriminate(fake)[0]
        if self.gan_loss == "hinge":
            return -ops.mean(d_fake)
        return ops.mean(ops.softplus(-d_fake))
