"""Mode-penalty GAN with a pre-trained autoencoder."""

import keras
import numpy as np
from keras import ops

from keras_modegan.losses import mode_matching
from keras_modegan.models.image_optimizers import is_image_model
from keras_modegan.models.vanilla_gan import VanillaGAN
from keras_modegan.networks.conv_autoencoder import conv_autoencoder
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.networks.mlp import mlp
from keras_modegan.utils.validation import positive_int


@keras.saving.register_keras_serializable(package="keras_modegan")
class ModePenaltyGAN(VanillaGAN):
    """GAN whose generator is penalised for uncovered modes (Eqs. 2-4).

    Paper: https://arxiv.org/abs/2011.07706 ("Mode Penalty Generative
    Adversarial Network with adapted Auto-encoder"). No public code exists;
    this follows the paper's text. Training has two phases:

    1. `pretrain(x)`: an autoencoder (`encoder`, `decoder`) is fitted to the
       real data with the mean squared reconstruction error; then
       `num_modes` target modes X_r are extracted once from the encoded
       real data (`mode_extraction="kmeans"`: k-means centroids of the
       codes, initialised at random encoded samples; `"sample"`: random
       encoded real samples). The encoder stays frozen afterwards.
    2. `fit(x)`: each step is a `VanillaGAN` step (discriminator on
       -log D(x) - log(1 - D(G(z))), generator on -log D(G(z))) whose
       generator loss gets the mode penalty of Eq. 4:
       `-E log D(G(z)) + lambda_p * Dist(X_r, G(Z))`. For the penalty the
       generator draws `num_modes` extra samples G(Z), encoded by the
       frozen encoder; section 2.2's greedy matching pairs them one-to-one
       with the target modes (furthest sample from the modes' centroid
       first, each taking the nearest unused mode); Dist (Eq. 2) is the
       mean over the pairs of `w_p * |x_r - x_g|`, and the penalty weight
       w_p of each mode (Eq. 3) is its mean matched distance over the last
       `history_length` steps including this one (no gradient flows
       through w_p or the matching).

    Code scale (`normalize_codes=True`): the paper gives lambda_p but not
    the scale of its codes, and an autoencoder's code scale is arbitrary
    (a rescaled encoder with the inversely rescaled decoder reconstructs
    as well), while Eq. 2 times Eq. 3 grows with its square. Codes are
    therefore divided by `code_scale`, the root mean square distance of
    the encoded real data from its mean (set with the target modes), so
    lambda_p weighs the same penalty whatever scale the autoencoder
    learned. Our 2-D autoencoders' codes span about +-7, where lambda_p = 3
    on raw codes is about 15 times this penalty.

    The penalty is switched off for good once the generator covers the
    modes: a target mode counts as covered in a step when one of the
    step's `num_modes` generated codes lies within the coverage radius of
    it, and when the fraction of covered modes, averaged over the last
    `history_length` steps (the k of Eq. 3; a full window is required), is
    at least `coverage_threshold`, the non-trainable flag `penalty_active`
    drops to 0. (Averaging matters: a single step's coverage is noisy, and
    switching off at the first lucky step left 4-5 of 25 modes missing for
    good in our runs.) The radius is
    `coverage_radius` or, if None, calibrated at mode extraction as three
    times the 99th percentile of the distance from each mode to the
    nearest of `num_modes` other encoded real samples (at the percentile
    itself a generator that matches the data would cover about 99% of the
    modes; the factor 3 lets a generator whose samples are somewhat wider
    or narrower than the data's count as covering, while a generator that
    misses a whole cluster of modes does not). The paper only says the
    penalty is "turned off after the generator covers almost all modes";
    this criterion is ours. The switch-off matters for sample quality:
    even a generator equal to the data pays the penalty, because 500 fresh
    samples never split over the modes exactly as the 500 targets do, and
    the greedy matching then pairs about a quarter of them with targets of
    another mode on 25-mode mixtures (8% on ring8;
    `benchmarks/results/mode_matching_at_data.md`). Eq. 2 pulls those
    samples off their modes for as long as the penalty is on.

    All state (target modes, code scale, radius, the distance history of
    Eq. 3, the coverage window, the step counter, the flags) lives in
    non-trainable variables, so it is saved with the model and threaded
    through JAX's stateless step.

    Once the penalty is off, the matching is skipped (`keras.ops.cond` on
    the flag), and so is the penalty's forward and backward pass in the
    generator's loss unless the generator has state such as batch-norm
    statistics. The step still encodes `num_modes` generated samples to
    log `coverage`: with the 2-D nets under JAX a step then costs about
    2.4 times a `VanillaGAN` step, against about 3.5 times with the
    penalty on. The matching's 500-iteration loop is compiled under JAX
    (about 135 steps/s with the penalty on, `from_mlp` nets, batch 256, 2
    idle CPU cores) but not under TensorFlow on a CPU-only machine, where
    Keras' `jit_compile="auto"` turns XLA off: `compile(jit_compile=True)`
    takes TensorFlow from about 37 to 80 steps/s. PyTorch runs the loop
    eagerly (about 16 steps/s).

    Logs `d_loss`, `g_loss` (adversarial part plus penalty), `d_real`,
    `d_fake`, `mode_distance` (Dist of Eq. 2; 0 once the penalty is off),
    `coverage` (fraction of target modes covered this step) and
    `penalty_active` (the flag in force during the step).

    Args:
        generator: Keras model mapping `(batch, latent_dim)` to data.
        discriminator: Keras model mapping data to one logit per sample.
        encoder: Keras model mapping data to codes `(batch, code_dim)`.
        decoder: Keras model mapping codes back to data (used only by
            `pretrain`).
        latent_dim: positive int, size of z.
        num_modes: positive int, the number N of target modes and of
            generated samples matched to them per step (paper: 500 for the
            2-D data, 1,000 for Stacked MNIST).
        penalty_weight: float >= 0, lambda_p of Eq. 4 (paper: 3 for the
            2-D data, 500 for Stacked MNIST). 0 disables the penalty.
        history_length: positive int, the k of Eq. 3 (not given in the
            paper), also the window of the switch-off's mean coverage.
        use_penalty_weights: bool; False replaces the w_p of Eq. 3 by 1
            (the paper's "without mode penalty weights" ablation).
        coverage_threshold: float in (0, 1], fraction of covered target
            modes (mean over the last `history_length` steps) at which the
            penalty switches off; values above 1 (e.g. `float("inf")`)
            keep it on throughout.
        coverage_radius: positive float or None (calibrated, see above),
            in the units of the (normalized, if `normalize_codes`) codes.
        mode_extraction: `"kmeans"` or `"sample"`.
        normalize_codes: bool; True (default) measures distances in codes
            divided by `code_scale` (see above), False in raw codes.
        loss: GAN loss name (see `VanillaGAN`); the paper uses the
            non-saturating loss of Eq. 4.
        d_steps: positive int, discriminator updates per step.
        latent_prior: `"normal"` (the paper's z ~ N(0, 1)) or `"uniform"`.
        seed: int or None, seed of the latent sampler and mode extraction.
        **kwargs: `keras.Model` arguments.

    Example:

    ```python
    gan = ModePenaltyGAN.from_mlp(data_dim=2)
    gan.compile()
    gan.pretrain(x_train, epochs=20)
    gan.fit(x_train, batch_size=500, epochs=50)
    samples = gan.generate(5000, seed=0)
    ```
    """

    players = ("generator", "discriminator")
    metric_names = (
        "d_loss",
        "g_loss",
        "d_real",
        "d_fake",
        "mode_distance",
        "coverage",
        "penalty_active",
    )

    def __init__(
        self,
        generator,
        discriminator,
        encoder,
        decoder,
        latent_dim,
        num_modes=500,
        penalty_weight=3.0,
        history_length=10,
        use_penalty_weights=True,
        coverage_threshold=0.97,
        coverage_radius=None,
        mode_extraction="kmeans",
        normalize_codes=True,
        loss="non_saturating",
        d_steps=1,
        latent_prior="normal",
        seed=None,
        **kwargs,
    ):
        super().__init__(
            generator,
            discriminator,
            latent_dim=latent_dim,
            loss=loss,
            d_steps=d_steps,
            latent_prior=latent_prior,
            seed=seed,
            **kwargs,
        )
        self.num_modes = positive_int(num_modes, "num_modes")
        self.history_length = positive_int(history_length, "history_length")
        if not isinstance(penalty_weight, (int, float)) or penalty_weight < 0:
            raise ValueError(
                "`penalty_weight` must be a float >= 0. "
                f"Received: penalty_weight={penalty_weight!r}"
            )
        self.penalty_weight = float(penalty_weight)
        self.use_penalty_weights = bool(use_penalty_weights)
        if not isinstance(coverage_threshold, (int, float)) or not (
            coverage_threshold > 0
        ):
            raise ValueError(
                "`coverage_threshold` must be a float > 0 (at most 1 to "
                "switch the penalty off when the modes are covered). "
                f"Received: coverage_threshold={coverage_threshold!r}"
            )
        self.coverage_threshold = float(coverage_threshold)
        if coverage_radius is not None and (
            not isinstance(coverage_radius, (int, float)) or coverage_radius <= 0
        ):
            raise ValueError(
                "`coverage_radius` must be a positive float or None. "
                f"Received: coverage_radius={coverage_radius!r}"
            )
        self.coverage_radius = (
            None if coverage_radius is None else float(coverage_radius)
        )
        if mode_extraction not in mode_matching.MODE_EXTRACTIONS:
            raise ValueError(
                "`mode_extraction` must be one of "
                f"{mode_matching.MODE_EXTRACTIONS}. "
                f"Received: mode_extraction={mode_extraction!r}"
            )
        self.mode_extraction = mode_extraction
        if not isinstance(normalize_codes, (bool, np.bool_)):
            raise ValueError(
                "`normalize_codes` must be True or False. "
                f"Received: normalize_codes={normalize_codes!r}"
            )
        self.normalize_codes = bool(normalize_codes)

        for name, net in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(net, keras.layers.Layer):
                raise ValueError(
                    f"`{name}` must be a Keras model or layer. Received: {name}={net!r}"
                )
        self.encoder = encoder
        self.decoder = decoder
        data_input = (None,) + self.data_shape
        if not encoder.built:
            encoder.build(data_input)
        code_shape = tuple(encoder.compute_output_shape(data_input))
        if len(code_shape) != 2:
            raise ValueError(
                "`encoder` must map data to flat codes `(batch, code_dim)`. "
                f"Received output shape {code_shape}."
            )
        self.code_dim = code_shape[1]
        if not decoder.built:
            decoder.build(code_shape)

        def state(name, shape, dtype="float32", initializer="zeros"):
            return self.add_weight(
                shape=shape,
                dtype=dtype,
                initializer=initializer,
                trainable=False,
                name=name,
            )

        # Target modes X_r in the encoded space, extracted once by pretrain.
        self.target_modes = state("target_modes", (self.num_modes, self.code_dim))
        self.radius = state("coverage_radius", ())
        self.code_scale = state("code_scale", (), initializer="ones")
        self.pretrained = state("pretrained", ())
        # Eq. 3 ring buffer: matched distance of each mode, last k steps.
        self.distance_history = state(
            "distance_history", (self.history_length, self.num_modes)
        )
        # Coverage of the last k steps; the switch-off uses their mean.
        self.coverage_history = state("coverage_history", (self.history_length, 1))
        self.penalty_steps = state("penalty_steps", (), dtype="int32")
        self.penalty_active = state("penalty_active", (), initializer="ones")

    # ------------------------------------------------------------------
    # Phase 1: autoencoder and target modes.

    def pretrain(
        self,
        x,
        epochs=20,
        batch_size=256,
        optimizer=None,
        verbose=0,
        **fit_kwargs,
    ):
        """Fits the autoencoder to real data, then extracts the target modes.

        Args:
            x: NumPy array of real samples, shape `(num_samples,) +
                data_shape`.
            epochs: positive int, autoencoder epochs.
            batch_size: positive int.
            optimizer: optimizer of the autoencoder (default Adam 1e-3).
            verbose: verbosity of the autoencoder's `fit`.
            **fit_kwargs: other `keras.Model.fit` arguments.

        Returns:
            The `History` of the autoencoder's `fit`.
        """
        x = self._check_real_array(x)
        inputs = keras.Input(self.data_shape)
        autoencoder = keras.Model(
            inputs, self.decoder(self.encoder(inputs)), name="autoencoder"
        )
        autoencoder.compile(
            optimizer=optimizer or keras.optimizers.Adam(1e-3), loss="mse"
        )
        history = autoencoder.fit(
            x,
            x,
            epochs=positive_int(epochs, "epochs"),
            batch_size=positive_int(batch_size, "batch_size"),
            verbose=verbose,
            **fit_kwargs,
        )
        self.set_target_modes(x)
        return history

    def set_target_modes(self, x):
        """Extracts the `num_modes` target modes from real data `x` with the
        current encoder, sets the coverage radius, and resets the penalty
        state (history, step counter, `penalty_active` = 1).

        Args:
            x: NumPy array of real samples (at least `num_modes`).
        """
        x = self._check_real_array(x)
        if len(x) < self.num_modes:
            raise ValueError(
                f"`x` must hold at least `num_modes`={self.num_modes} "
                f"samples. Received {len(x)}."
            )
        codes = ops.convert_to_numpy(self.encoder.predict(x, verbose=0))
        scale = 1.0
        if self.normalize_codes:
            # RMS distance of the encoded data from its mean.
            scale = float(np.sqrt(np.mean(np.sum((codes - codes.mean(0)) ** 2, -1))))
            if not scale > 0:
                raise ValueError(
                    "The encoder maps every sample of `x` to the same code, "
                    "so the codes cannot be normalized; train the autoencoder "
                    "first or pass `normalize_codes=False`."
                )
            codes = codes / scale
        seed = self.seed if isinstance(self.seed, int) else None
        perm = np.random.default_rng(seed).permutation(len(codes))
        modes = mode_matching.extract_modes(
            codes[perm], self.num_modes, self.mode_extraction, seed=seed
        )
        radius = self.coverage_radius
        if radius is None:
            # Other real samples than the ones `"sample"` extraction starts
            # from, as many as the generator contributes per step.
            reference = codes[perm[-self.num_modes :]]
            radius = 3.0 * mode_matching.calibrated_radius(modes, reference, 0.99)
        self.target_modes.assign(modes.astype("float32"))
        self.code_scale.assign(scale)
        self.radius.assign(radius)
        self.distance_history.assign(ops.zeros(self.distance_history.shape))
        self.coverage_history.assign(ops.zeros(self.coverage_history.shape))
        self.penalty_steps.assign(0)
        self.penalty_active.assign(1.0)
        self.pretrained.assign(1.0)

    def _check_real_array(self, x):
        x = ops.convert_to_numpy(x) if not isinstance(x, np.ndarray) else x
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                f"`x` must have samples of shape {self.data_shape}. "
                f"Received: x.shape={x.shape}"
            )
        return x.astype("float32")

    # ------------------------------------------------------------------
    # Phase 2: GAN training with the mode penalty.

    def encode(self, x):
        """The codes the penalty compares: the frozen encoder's output
        divided by `code_scale` (1 unless `normalize_codes`).

        Args:
            x: tensor of data samples.

        Returns:
            Tensor `(batch, code_dim)`.
        """
        return self.encoder(x, training=False) / ops.convert_to_tensor(self.code_scale)

    def match_modes(self, codes):
        """Section 2.2 and Eq. 3 on a step's generated codes (no gradient).

        Args:
            codes: tensor `(num_modes, code_dim)`, the encoded generated
                samples of the penalty.

        Returns:
            `(assignment, weights, new_history, coverage)`: the mode matched
            to each code (`greedy_mode_matching`), the penalty weight w_p of
            each mode (Eq. 3, or ones if `use_penalty_weights=False`), the
            Eq. 3 ring buffer with this step's distances written in, and
            the fraction of modes covered.
        """
        codes = ops.stop_gradient(ops.convert_to_tensor(codes))
        modes = ops.convert_to_tensor(self.target_modes)
        assignment = mode_matching.greedy_mode_matching(codes, modes)
        per_mode = mode_matching.distances_per_mode(
            mode_matching.matched_distances(codes, modes, assignment),
            assignment,
            self.num_modes,
        )
        # Eq. 3, w_p: mean matched distance of each mode over the last k steps.
        weights, new_history = mode_matching.penalty_weights(
            ops.convert_to_tensor(self.distance_history),
            per_mode,
            ops.convert_to_tensor(self.penalty_steps),
            self.history_length,
        )
        if not self.use_penalty_weights:
            weights = ops.ones_like(weights)
        coverage = mode_matching.mode_coverage_fraction(
            codes, modes, ops.convert_to_tensor(self.radius)
        )
        return assignment, weights, new_history, coverage

    def train_step(self, data):
        x = self.real_batch(data)
        batch_size = ops.shape(x)[0]

        d_loss, d_real, d_fake = self.discriminator_step(x)

        z = self.sample_latent(batch_size)
        # One draw of N codes for N modes, the same on every replica: the
        # one-to-one matching (section 2.2) and the Eq. 3 state then equal
        # one device's, and each replica's share of the penalty's gradient
        # is the whole (`minimize` divides by the replica count).
        z_modes = self.sample_latent(self.num_modes, per_replica=False)
        # A copy: under TensorFlow and PyTorch the tensor of a variable can
        # see the assignment below, and the log must show the flag in force.
        active = ops.copy(ops.convert_to_tensor(self.penalty_active))
        history = ops.convert_to_tensor(self.distance_history)
        modes = ops.convert_to_tensor(self.target_modes)
        radius = ops.convert_to_tensor(self.radius)
        codes = self.encode(self.generator(z_modes, training=True))
        # The matching is skipped (not just masked) once the penalty is off.
        assignment, weights, new_history, coverage = ops.cond(
            active > 0,
            lambda: self.match_modes(codes),
            lambda: (
                ops.zeros((self.num_modes,), "int32"),
                ops.zeros((self.num_modes,), codes.dtype),
                history,
                mode_matching.mode_coverage_fraction(codes, modes, radius),
            ),
        )
        scale = self.penalty_weight * active

        def g_loss_fn():
            fake = self.generator(z, training=True)
            d_fake_g = self.discriminator(fake, training=True)
            # float32 sums under a mixed-precision policy too.
            adversarial = ops.cast(self.loss_fn(d_real, d_fake_g)[1], "float32")

            def penalty():
                codes = self.encode(self.generator(z_modes, training=True))
                # Eq. 2, Dist(X_r, X_g) = E[w_p |x_r - x_g|] over matched pairs.
                return ops.cast(
                    mode_matching.mode_distance(codes, modes, assignment, weights),
                    "float32",
                )

            if self.generator.non_trainable_variables:
                # Batch-norm statistics (or other state) updated in a branch
                # of a cond would escape JAX's trace: always computed.
                dist = penalty()
            else:
                # Skipped once the penalty is off: a zero-weighted penalty
                # would still cost its forward and backward passes.
                dist = ops.cond(
                    active > 0, penalty, lambda: ops.zeros((), adversarial.dtype)
                )
            # Eq. 4, -E log D(G(z)) + lambda_p Dist(X_r, G(Z)).
            return adversarial + scale * dist, dist

        g_loss, dist = self.minimize(g_loss_fn, "generator")
        steps = ops.convert_to_tensor(self.penalty_steps)
        old_coverage = ops.convert_to_tensor(self.coverage_history)
        # Mean coverage of the last k steps (the ring buffer of Eq. 3's form).
        mean_coverage, coverage_history = mode_matching.penalty_weights(
            old_coverage,
            ops.reshape(coverage, (1,)),
            steps,
            self.history_length,
        )
        covered = ops.logical_and(
            mean_coverage[0] >= self.coverage_threshold,
            steps + 1 >= self.history_length,
        )
        is_active = active > 0
        self.distance_history.assign(new_history)
        self.coverage_history.assign(
            ops.where(is_active, coverage_history, old_coverage)
        )
        self.penalty_steps.assign_add(ops.cast(is_active, "int32"))
        # Switched off for good once the modes are covered.
        self.penalty_active.assign(
            ops.where(ops.logical_and(is_active, covered), 0.0, active)
        )
        return self.log(
            d_loss=d_loss,
            g_loss=g_loss,
            d_real=ops.mean(ops.sigmoid(d_real)),
            d_fake=ops.mean(ops.sigmoid(d_fake)),
            mode_distance=dist,
            coverage=coverage,
            penalty_active=active,
        )

    def fit(self, x=None, y=None, batch_size=None, epochs=1, **kwargs):
        if float(ops.convert_to_numpy(self.pretrained)) != 1.0:
            raise ValueError(
                "ModePenaltyGAN needs its autoencoder and target modes before "
                "`fit`: call `pretrain(x)` (or `set_target_modes(x)` with an "
                "already trained encoder) first."
            )
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, **kwargs)

    # ------------------------------------------------------------------
    # Construction and serialization.

    @classmethod
    def from_mlp(
        cls,
        data_dim,
        latent_dim=2,
        hidden_units=(128, 128, 128),
        discriminator_units=(128, 128),
        code_dim=2,
        autoencoder_units=(128, 128),
        **kwargs,
    ):
        """The paper's 2-D nets (those of VEEGAN): a generator of three
        fully connected ReLU layers of 128 units, a discriminator of two,
        no batch norm or dropout; the autoencoder (not specified in the
        paper for the 2-D data) has `autoencoder_units` ReLU layers on each
        side and a `code_dim`-D code (paper: 2).

        Args:
            data_dim: positive int, size of a data vector.
            latent_dim: positive int, size of z.
            hidden_units: widths of the generator's hidden layers.
            discriminator_units: widths of the discriminator's hidden layers.
            code_dim: positive int, size of the encoded space.
            autoencoder_units: widths of the encoder's and decoder's hidden
                layers.
            **kwargs: the other constructor arguments.
        """
        return cls(
            generator=mlp(latent_dim, data_dim, hidden_units, name="generator"),
            discriminator=mlp(data_dim, 1, discriminator_units, name="discriminator"),
            encoder=mlp(data_dim, code_dim, autoencoder_units, name="encoder"),
            decoder=mlp(code_dim, data_dim, autoencoder_units, name="decoder"),
            latent_dim=latent_dim,
            **kwargs,
        )

    @classmethod
    def from_dcgan(
        cls,
        image_shape,
        architecture="quarter",
        latent_dim=None,
        seed=None,
        code_dim=50,
        num_modes=1000,
        penalty_weight=500.0,
        **kwargs,
    ):
        """The paper's Stacked MNIST setup (Sec. 3.2): DCGAN generator and
        discriminator, the convolutional autoencoder
        (`keras_modegan.networks.conv_autoencoder`: 3 conv 5x5 + 2 FC to a
        50-D code; 1 FC + 3 transposed convs back), N = 1,000 target
        modes, `lambda_p = 500`. Call `pretrain(x)` before `fit`.

        Args:
            image_shape, architecture, latent_dim, seed: see
                `VanillaGAN.from_dcgan`.
            code_dim: positive int, size of the autoencoder's code.
            num_modes: positive int, N.
            penalty_weight: lambda_p of Eq. 4.
            **kwargs: the other constructor arguments.

        Example:

        ```python
        gan = ModePenaltyGAN.from_dcgan((28, 28, 3), seed=0)
        gan.pretrain(x_train, epochs=5)
        gan.fit(x_train, batch_size=128, epochs=1)
        ```
        """
        encoder, decoder = conv_autoencoder(image_shape, code_dim, seed=seed)
        return build_from_dcgan(
            cls, image_shape, architecture, latent_dim, seed, encoder=encoder,
            decoder=decoder, num_modes=num_modes, penalty_weight=penalty_weight,
            **kwargs,
        )

    def default_optimizers(self):
        """Adam with learning rate 1e-4 for both players (section 3.1; the
        paper gives no betas, so Keras' defaults are used); on images, Adam
        2e-4 with beta_1 0.5 (section 3.2 gives the rate; beta_1 of DCGAN,
        whose nets it uses)."""
        if is_image_model(self):
            return {
                name: keras.optimizers.Adam(2e-4, beta_1=0.5)
                for name in self.optimizer_names
            }
        return {name: keras.optimizers.Adam(1e-4) for name in self.players}

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "num_modes": self.num_modes,
                "penalty_weight": self.penalty_weight,
                "history_length": self.history_length,
                "use_penalty_weights": self.use_penalty_weights,
                "coverage_threshold": self.coverage_threshold,
                "coverage_radius": self.coverage_radius,
                "mode_extraction": self.mode_extraction,
                "normalize_codes": self.normalize_codes,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("encoder", "decoder"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return super().from_config(config)
