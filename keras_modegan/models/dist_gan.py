"""Dist-GAN: a GAN whose generator is also the decoder of an autoencoder."""

import math

import keras
import numpy as np
from keras import ops

from keras_modegan.engine.adversarial_model import AdversarialModel
from keras_modegan.losses import penalties
from keras_modegan.losses.autoencoder_losses import (
    AE_GAN_LOSSES,
    RECONSTRUCTIONS,
    autoencoder_discriminator_loss,
    default_lambda_w,
    discriminator_score_distance,
    latent_data_distance,
    reconstruction_loss,
)
from keras_modegan.losses.penalties import PENALTY_FORMS, PENALTY_NORMS
from keras_modegan.models.image_optimizers import is_image_model
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.networks.mlp import mlp
from keras_modegan.utils.validation import non_negative, positive_int

FEATURE_SPACES = ("data", "discriminator")
LR_DECAY_COUNTERS = ("step", "update")


def _choice(value, name, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {choices}. Received: {name}={value!r}"
        )
    return value


def lr_decay_interval(decay_counter, d_steps):
    """Training steps between two x0.9 decays of the papers' 2-D schedule.

    Args:
        decay_counter: `"step"` (10K training steps, the papers' text) or
            `"update"` (10K optimizer updates of all players together, the
            authors' code: `2 + d_steps` updates per training step).
        d_steps: positive int, discriminator updates per step.

    Returns:
        Float, a number of training steps.
    """
    if decay_counter not in LR_DECAY_COUNTERS:
        raise ValueError(
            f"`decay_counter` must be one of {LR_DECAY_COUNTERS}. "
            f"Received: decay_counter={decay_counter!r}"
        )
    return 10000.0 if decay_counter == "step" else 10000.0 / (2 + d_steps)


def paper_adam(decay_every, updates_per_step=1):
    """The Dist-GAN/GAAN 2-D optimizer: Adam, lr 1e-3, betas (0.8, 0.999),
    lr x0.9 (staircase) every `decay_every` training steps, for a player
    updated `updates_per_step` times per training step (its schedule counts
    its own updates)."""
    return keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(
            1e-3,
            decay_steps=decay_every * updates_per_step,
            decay_rate=0.9,
            staircase=True,
        ),
        beta_1=0.8,
        beta_2=0.999,
    )


@keras.saving.register_keras_serializable(package="keras_modegan")
class DistGAN(AdversarialModel):
    """Dist-GAN of Tran, Bui and Cheung (ECCV 2018).

    Paper: https://arxiv.org/abs/1803.08887 (Algorithm 1, Eqs. 3-8). An
    encoder E and the generator G form an autoencoder, G being its decoder.
    Each training step takes, in this order:

    1. one joint update of E and G on `L_R + lambda_r * L_W` (Eq. 3): the
       reconstruction error of `G(E(x))` plus the latent-data distance
       `L_W = (M_d(E G(E(x)) - E G(z)) - lambda_w M_d(E E(x) - E z))^2`
       (Eqs. 6-8, `M_d` the mean over all dimensions);
    2. `d_steps` updates of the discriminator D on Eq. 5: real batch as
       real, `G(z)` as fake, the reconstructions `G(E(x))` as real (term
       L_C), plus `lambda_p` times the gradient penalty on interpolates of
       `x` and `G(z)`;
    3. one update of G on the discriminator-score distance
       `|E sigmoid(D(x)) - E sigmoid(D(G(z)))|` (Eq. 4), D re-evaluated on
       the step's real batch.

    Each update draws fresh latent codes; all updates of a step use the
    step's real batch (the authors' code draws a fresh real batch for each
    critic update).

    The paper's ablations are options: `reconstructions` ("real", the
    paper; "fake", as in VAE-GAN, MDGAN and the authors' 2-D code; "none"),
    the gradient penalty (`lambda_p=0` switches it off), L_W (`lambda_r=0`
    switches it off) and the hinge loss of its CIFAR/STL experiments
    (`loss="hinge"`). The paper's Dist-GAN_1 of Fig. 5 is
    `lambda_r=0, lambda_p=0` with each of the three `reconstructions`.

    Gradient penalty. Eq. 5 (like GAAN's Eq. 4) writes the penalty on the
    squared norm, `L_P = (||grad D(x_hat)||_2^2 - 1)^2`: that is the
    default, `penalty_form="squared_norm"` with `penalty_norm="l2"`. The
    authors' code (github.com/tntrung/gan, the 2-D `utils.gradient_penalty`
    and the image `distgan.py`) computes the WGAN-GP form on the root mean
    square of the gradient instead, `(sqrt(mean(grad^2)) - 1)^2`:
    `penalty_form="norm", penalty_norm="rms"`. The papers and the code
    disagree here; the default follows the papers. Near norm 1 the squared
    form is about 4x the WGAN-GP form `(||grad||_2 - 1)^2` at the same
    `lambda_p` (`penalty_form="norm"`, this model's only form before the
    option existed; files saved then load with it).

    Feature space. For images the paper computes L_R and L_W on features
    Phi(x) of the discriminator's last convolutional layer. With
    `feature_space="discriminator"` the discriminator must return two
    outputs, `[logits, features]` (e.g. a functional model with two
    outputs); L_R and L_W are then computed on those features and
    `lambda_w` defaults to `sqrt(latent_dim / feature_dim)`. Any network
    works: the model only reads the two outputs. With `"data"` (default,
    the 2-D experiments) they are computed on the data themselves.

    Data range. The paper's 2-D nets end in a sigmoid and the authors'
    code rescales the data to [0, 1]. With `data_range=(low, high)` the
    model does this itself: its networks see `(x - low) / (high - low)`,
    every loss is computed in that unit space, and `call` and `generate`
    return samples in data units. `from_mlp(..., data_range=...)` gives the
    generator a sigmoid output in that case. Measured on grid25 (GAAN
    protocol, 30K steps, docs § Dist-GAN and GAAN): with one critic update
    the [0, 1] scale loses nearly every mode (GAAN 0 of 25, 23.8 back in
    data units with all else kept); with the authors' 5 it keeps GAAN's 25
    modes but registers fewer points than the benchmark's data-unit
    setting (1,718 against 1,890). Data units (`data_range=None`) did
    better in both setups.

    Logs `l_r` (L_R), `l_w` (L_W), `d_loss` (Eq. 5 with the penalty),
    `gp`, `g_loss` (Eq. 4) and the mean discriminator probabilities
    `d_real`, `d_fake`, `d_recon` of the last critic update.

    Args:
        encoder: Keras model mapping data to `(batch, latent_dim)`.
        generator: Keras model mapping `(batch, latent_dim)` to data; the
            decoder of the autoencoder.
        discriminator: Keras model mapping data to one logit per sample,
            or to `[logits, features]` (see `feature_space`).
        latent_dim: positive int, size of z.
        lambda_r: float >= 0, weight of L_W in Eq. 3 (0 switches L_W off).
            The paper uses 0.1 on 2-D data and 1 on images.
        lambda_p: float >= 0, gradient-penalty weight in Eq. 5 (0 switches
            it off). 0.1 on 2-D data, 1 on images.
        lambda_w: float > 0 or None, the scale of Eq. 6; None computes
            `sqrt(latent_dim / d)` with d the size of a data sample (or of
            its discriminator features).
        reconstructions: how D scores `G(E(x))`: `"real"` (the paper),
            `"fake"` or `"none"`.
        reconstruction_weight: float >= 0, weight of the reconstruction
            term L_C in Eq. 5 (1 in the paper; the authors' image code uses
            0.05).
        loss: `"log"` (Eq. 5) or `"hinge"` for the discriminator.
        penalty_norm: `"l2"`, the gradient's Euclidean norm, as Eq. 5
            writes it, or `"rms"`, its root mean square over the features,
            as the authors' code computes it.
        penalty_form: `"squared_norm"` (Eq. 5, `(n^2 - 1)^2` for the norm
            n) or `"norm"` (`(n - 1)^2`, WGAN-GP and the authors' code);
            see "Gradient penalty" above.
        d_steps: positive int, discriminator updates per step (Algorithm 1
            has 1; the authors' 2-D code uses 5).
        feature_space: `"data"` or `"discriminator"`, where L_R and L_W are
            computed.
        data_range: None, or `(low, high)` floats: the data are mapped from
            [low, high] to [0, 1] for the networks.
        latent_prior: `"uniform"` (on [-1, 1], the paper) or `"normal"`.
        seed: int or None, seed of the latent sampler.
        optimizers_per: `"update"` (default): one optimizer per update
            (`autoencoder`, `discriminator`, `generator`), as the authors'
            code keeps separate solvers, so the generator's two updates
            never mix their Adam moments; `"player"`: one per player, the
            autoencoder and adversarial updates sharing G's optimizer.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    gan = DistGAN.from_mlp(2)  # data units; `data_range=` for the papers' [0, 1]
    gan.compile()  # Adam 1e-3, betas (0.8, 0.999), x0.9 every 10K steps
    # Or the authors' code's schedule (x0.9 every 10K updates of all
    # players): with it, in data units, `penalty_form="norm"` and
    # `optimizers_per="player"`, Dist-GAN and GAAN reached GAAN Table 2's
    # 25 modes on grid25 in every seed:
    gan.compile(optimizers=gan.default_optimizers(decay_counter="update"))
    gan.fit(x_train, batch_size=128, epochs=20)
    samples = gan.generate(2000, seed=0)  # in data units
    ```
    """

    players = ("encoder", "generator", "discriminator")
    # Algorithm 1's three updates; the authors' code keeps a solver for
    # each (github.com/tntrung/gan: R, D and G solvers).
    updates = {
        "autoencoder": ("encoder", "generator"),
        "discriminator": ("discriminator",),
        "generator": ("generator",),
    }
    metric_names = ("l_r", "l_w", "d_loss", "gp", "g_loss", "d_real", "d_fake",
                    "d_recon")

    def __init__(
        self,
        encoder,
        generator,
        discriminator,
        latent_dim,
        lambda_r=1.0,
        lambda_p=1.0,
        lambda_w=None,
        reconstructions="real",
        reconstruction_weight=1.0,
        loss="log",
        penalty_norm="l2",
        penalty_form="squared_norm",
        d_steps=1,
        feature_space="data",
        data_range=None,
        latent_prior="uniform",
        seed=None,
        **kwargs,
    ):
        super().__init__(
            {"encoder": encoder, "generator": generator,
             "discriminator": discriminator},
            latent_dim=latent_dim,
            latent_prior=latent_prior,
            seed=seed,
            **kwargs,
        )
        self.lambda_r = non_negative(lambda_r, "lambda_r")
        self.lambda_p = non_negative(lambda_p, "lambda_p")
        self.reconstructions = _choice(
            reconstructions, "reconstructions", RECONSTRUCTIONS
        )
        self.reconstruction_weight = non_negative(
            reconstruction_weight, "reconstruction_weight"
        )
        self.gan_loss = _choice(loss, "loss", AE_GAN_LOSSES)
        self.penalty_norm = _choice(penalty_norm, "penalty_norm", PENALTY_NORMS)
        self.penalty_form = _choice(penalty_form, "penalty_form", PENALTY_FORMS)
        self.d_steps = positive_int(d_steps, "d_steps")
        self.feature_space = _choice(feature_space, "feature_space", FEATURE_SPACES)
        self.data_range = self._check_data_range(data_range)
        feature_dim = self._feature_dim()
        self.lambda_w = lambda_w
        if lambda_w is None:
            self.effective_lambda_w = default_lambda_w(self.latent_dim, feature_dim)
        else:
            if non_negative(lambda_w, "lambda_w") == 0:
                raise ValueError(
                    f"`lambda_w` must be > 0 or None. Received: lambda_w={lambda_w}"
                )
            self.effective_lambda_w = float(lambda_w)

    @staticmethod
    def _check_data_range(data_range):
        if data_range is None:
            return None
        message = (
            "`data_range` must be None or a pair of floats (low, high) with "
            f"low < high. Received: data_range={data_range!r}"
        )
        try:
            low, high = (float(v) for v in data_range)
        except (TypeError, ValueError):
            raise ValueError(message) from None
        if not low < high:
            raise ValueError(message)
        return (low, high)

    def _feature_dim(self):
        """Size of the vectors L_R and L_W compare (data or D features)."""
        out = self.discriminator(ops.zeros((1,) + self.data_shape))
        if isinstance(out, (list, tuple)):
            if len(out) != 2:
                raise ValueError(
                    "The discriminator must return logits or [logits, "
                    f"features]. It returned {len(out)} outputs."
                )
            if self.feature_space == "discriminator":
                return int(math.prod(out[1].shape[1:]))
        elif self.feature_space == "discriminator":
            raise ValueError(
                "feature_space='discriminator' needs a discriminator returning "
                "[logits, features]; this one returns a single output."
            )
        return int(math.prod(self.data_shape))

    # ------------------------------------------------------------------
    # Pieces of the step.

    def _to_unit(self, x):
        if self.data_range is None:
            return x
        low, high = self.data_range
        return (x - low) / (high - low)

    def _from_unit(self, u):
        if self.data_range is None:
            return u
        low, high = self.data_range
        return u * (high - low) + low

    def _discriminate(self, x):
        """`(logits, features)`; features are x itself in data space."""
        out = self.discriminator(x, training=True)
        if isinstance(out, (list, tuple)):
            logits, features = out[0], out[1]
        else:
            logits, features = out, None
        if self.feature_space == "data":
            features = x
        return logits, features

    def _features(self, x):
        return self._discriminate(x)[1] if self.feature_space != "data" else x

    def latent_data_anchor(self, x, reconstruction):
        """The batch that f of Eq. 7 compares with G(z): here G(E(x))."""
        return reconstruction

    def generator_loss(self, x, fake):
        """The loss of update 3: the discriminator-score distance (Eq. 4)."""
        d_real = self._discriminate(x)[0]
        return discriminator_score_distance(d_real, self._discriminate(fake)[0])

    def train_step(self, data):
        x = self._to_unit(self.real_batch(data))
        batch_size = ops.shape(x)[0]

        # 1. Encoder and generator on L_R + lambda_r L_W (Eq. 3).
        z = self.sample_latent(batch_size)

        def autoencoder_loss_fn():
            z_e = self.encoder(x, training=True)
            x_r = self.generator(z_e, training=True)
            l_r = reconstruction_loss(self._features(x), self._features(x_r))
            if self.lambda_r == 0:
                return l_r, l_r, ops.zeros_like(l_r)
            x_f = self.generator(z, training=True)
            anchor = self.latent_data_anchor(x, x_r)
            l_w = latent_data_distance(  # Eqs. 6-8
                self._features(anchor),
                self._features(x_f),
                z_e,
                z,
                self.effective_lambda_w,
            )
            return l_r + self.lambda_r * l_w, l_r, l_w

        _, l_r, l_w = self.minimize(autoencoder_loss_fn, "autoencoder")

        # 2. Discriminator on Eq. 5 (E and G fixed: one reconstruction).
        x_r = ops.stop_gradient(
            self.generator(self.encoder(x, training=True), training=True)
        )

        def d_loss_fn():
            x_f = self.generator(z, training=True)
            d_real = self._discriminate(x)[0]
            d_fake = self._discriminate(x_f)[0]
            d_recon = self._discriminate(x_r)[0]
            d_loss = autoencoder_discriminator_loss(
                d_real,
                d_fake,
                d_recon,
                reconstructions=self.reconstructions,
                loss=self.gan_loss,
                reconstruction_weight=self.reconstruction_weight,
            )
            gp = ops.zeros_like(d_loss)
            if self.lambda_p > 0:
                gp = penalties.gradient_penalty(
                    lambda t: self._discriminate(t)[0],
                    x,
                    x_f,
                    self.seed_generator,
                    norm=self.penalty_norm,
                    form=self.penalty_form,
                )
            return d_loss + self.lambda_p * gp, gp, d_real, d_fake, d_recon

        for _ in range(self.d_steps):
            z = self.sample_latent(batch_size)
            d_loss, gp, d_real, d_fake, d_recon = self.minimize(
                d_loss_fn, "discriminator"
            )

        # 3. Generator on `generator_loss` (Eq. 4; GAAN: Algorithm 1, line 10).
        z = self.sample_latent(batch_size)
        g_loss = self.minimize(
            lambda: self.generator_loss(x, self.generator(z, training=True)),
            "generator",
        )
        return self.log(
            l_r=l_r,
            l_w=l_w,
            d_loss=d_loss,
            gp=gp,
            g_loss=g_loss,
            d_real=ops.mean(ops.sigmoid(d_real)),
            d_fake=ops.mean(ops.sigmoid(d_fake)),
            d_recon=ops.mean(ops.sigmoid(d_recon)),
        )

    # ------------------------------------------------------------------
    # Keras API.

    def call(self, inputs, training=False):
        """Generates samples (in data units) from latent codes `inputs`."""
        return self._from_unit(self.generator(inputs, training=training))

    def generate(self, num_samples, seed=None, batch_size=1024):
        """Generates `num_samples` samples in data units as a NumPy array.

        Args:
            num_samples: positive int.
            seed: int for a reproducible draw, or None.
            batch_size: positive int, samples per generator call.

        Returns:
            NumPy array of shape `(num_samples,) + data_shape`.
        """
        samples = super().generate(num_samples, seed=seed, batch_size=batch_size)
        return np.asarray(self._from_unit(samples), dtype=samples.dtype)

    def default_optimizers(self, decay_counter="step"):
        """Adam, lr 1e-3, betas (0.8, 0.999), lr x0.9 every 10K steps (the
        papers' 2-D settings), one optimizer per update (autoencoder,
        discriminator, generator), or per player with
        `optimizers_per="player"`.

        Each optimizer's schedule counts its own updates (autoencoder 1,
        discriminator `d_steps`, generator 1 per training step; per player:
        E 1, G 2, D `d_steps`), so its decay interval in updates is scaled
        to decay at the same training step for all of them.

        Args:
            decay_counter: what the "10K steps" count. `"step"` (default):
                training steps, as both papers write. `"update"`: optimizer
                updates of all players together, as the authors' 2-D code
                does (github.com/tntrung/gan, `distgan_toy2d.py`: one
                `global_step` that each of its three solvers increments,
                `2 + d_steps` times per training step). With 5 critic
                updates the learning rate then falls x0.9 every ~1,429
                steps: to ~0.11x after 30K steps, ~0.0006x after 100K.

        On images: Adam 2e-4, betas (0.5, 0.9), no decay, for every update,
        the authors' image code (github.com/tntrung/gan, `distgan.py`).

        Returns:
            Dict of each name in `optimizer_names` to `keras.optimizers.Adam`.
        """
        if is_image_model(self):
            return {
                name: keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)
                for name in self.optimizer_names
            }
        interval = lr_decay_interval(decay_counter, self.d_steps)
        per_step = {"discriminator": self.d_steps, "autoencoder": 1, "encoder": 1}
        per_step["generator"] = 1 if self.optimizers_per == "update" else 2
        return {
            name: paper_adam(interval, per_step[name]) for name in self.optimizer_names
        }

    @classmethod
    def from_mlp(
        cls,
        data_dim,
        latent_dim=2,
        hidden_units=(128, 128, 128),
        data_range=None,
        lambda_r=0.1,
        lambda_p=0.1,
        d_steps=5,
        **kwargs,
    ):
        """The paper's 2-D setup: E, G and D are MLPs of 3x128 ReLU units,
        z is 2-D and uniform on [-1, 1], lambda_r = lambda_p = 0.1, 5 critic
        updates per step (the authors' 2-D code). With `data_range` the
        generator ends in a sigmoid and the data are rescaled to [0, 1], as
        in the paper; without it the generator's output is linear.

        Args:
            data_dim: positive int, size of a data vector.
            latent_dim: positive int, size of z.
            hidden_units: widths of every network's hidden layers.
            data_range: None or `(low, high)`, see the class docstring.
            lambda_r: weight of L_W.
            lambda_p: weight of the gradient penalty.
            d_steps: discriminator updates per step.
            **kwargs: the other constructor arguments.
        """
        output_activation = None if data_range is None else "sigmoid"
        return cls(
            encoder=mlp(data_dim, latent_dim, hidden_units, name="encoder"),
            generator=mlp(latent_dim, data_dim, hidden_units,
                          output_activation=output_activation, name="generator"),
            discriminator=mlp(data_dim, 1, hidden_units, name="discriminator"),
            latent_dim=latent_dim,
            data_range=data_range,
            lambda_r=lambda_r,
            lambda_p=lambda_p,
            d_steps=d_steps,
            **kwargs,
        )

    @classmethod
    def from_dcgan(
        cls,
        image_shape,
        architecture="quarter",
        latent_dim=None,
        seed=None,
        lambda_r=1.0,
        lambda_p=1.0,
        **kwargs,
    ):
        """The paper's image setup (Sec. 4): L_R and L_W on Phi(x), the
        discriminator's flattened last conv features, `lambda_w` from
        their size, `lambda_p = lambda_r = 1`, one critic update per step,
        on the image nets of an architecture (Table 1: Unrolled GAN's
        Stacked MNIST nets, `"quarter"` and `"half"`).

        Args:
            image_shape, architecture, latent_dim, seed: see
                `VanillaGAN.from_dcgan`.
            lambda_r: weight of L_W.
            lambda_p: weight of the gradient penalty.
            **kwargs: the other constructor arguments.

        Example:

        ```python
        gan = DistGAN.from_dcgan((28, 28, 3), "quarter", seed=0)
        ```
        """
        kwargs.setdefault("feature_space", "discriminator")
        return build_from_dcgan(
            cls, image_shape, architecture, latent_dim, seed,
            roles={"discriminator": "features"}, lambda_r=lambda_r,
            lambda_p=lambda_p, **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "lambda_r": self.lambda_r,
                "lambda_p": self.lambda_p,
                "lambda_w": self.lambda_w,
                "reconstructions": self.reconstructions,
                "reconstruction_weight": self.reconstruction_weight,
                "loss": self.gan_loss,
                "penalty_norm": self.penalty_norm,
                "penalty_form": self.penalty_form,
                "d_steps": self.d_steps,
                "feature_space": self.feature_space,
                "data_range": None if self.data_range is None
                else list(self.data_range),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        # Files written before `penalty_form` existed were trained with the
        # WGAN-GP form: they load as they were trained.
        config.setdefault("penalty_form", "norm")
        return super().from_config(config)
