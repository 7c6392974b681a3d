"""The adversarial training core every keras-modegan method stands on."""

import keras
import numpy as np
from keras import ops, tree

from keras_modegan.engine import autodiff
from keras_modegan.engine.player_optimizers import PlayerOptimizers
from keras_modegan.networks.mlp import mlp
from keras_modegan.utils.validation import check_training_data, positive_int

LossScaleOptimizer = keras.optimizers.LossScaleOptimizer

LATENT_PRIORS = ("normal", "uniform")
OPTIMIZER_LAYOUTS = ("update", "player")
_SEED_STATE_KEY = "seed_generator_state"


class AdversarialModel(keras.Model):
    """Base class of the zoo: several players, one optimizer per update.

    A method subclasses it, names its networks in the class attribute
    `players`, its updates in `updates` and the values it logs in
    `metric_names`, and writes one `train_step(data)` in `keras.ops` that
    reads like the paper's algorithm: each update is a call to
    `self.minimize(loss_fn, update)`. The same step runs under TensorFlow,
    JAX and PyTorch; the backend-specific parts live in
    `keras_modegan.engine.autodiff`, and under JAX the step is wrapped to
    the trainer's stateless contract automatically (see
    `__init_subclass__`).

    Updates and optimizers: `updates` maps each update's name to the
    players whose variables it changes (default: one update per player,
    named after it). Dist-GAN, for instance, declares
    `{"autoencoder": ("encoder", "generator"), "discriminator":
    ("discriminator",), "generator": ("generator",)}`: the generator is
    updated twice a step, on two losses. With `optimizers_per="update"`
    (the default) every update has its own optimizer, as the papers'
    authors keep separate solvers, so no optimizer's moment estimates mix
    two losses; with `optimizers_per="player"` every player has one
    optimizer that all its updates share. `compile(optimizers=...)` and
    `default_optimizers()` are keyed by `optimizer_names`, the update names
    or the player names.

    Logs: the values of `metric_names`, plus `loss`, the sum of the logged
    `*_loss` values, which Keras's `TerminateOnNaN` reads (it is a
    divergence signal, not an objective any player minimizes).

    Args:
        networks: dict mapping each name in `players` to a Keras model. The
            generator maps `(batch, latent_dim)` to data; networks left
            unbuilt are built on the generator's output shape.
        latent_dim: positive int, size of the latent code z.
        latent_prior: `"normal"` (standard normal) or `"uniform"`
            (uniform on [-1, 1]).
        seed: int or None, seed of the latent sampler.
        optimizers_per: `"update"` (one optimizer per update, the default)
            or `"player"` (one per player, shared by its updates).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example (a method in full is `keras_modegan.models.VanillaGAN`):

    ```python
    class MyGAN(AdversarialModel):
        players = ("generator", "discriminator")
        metric_names = ("d_loss", "g_loss")

        def train_step(self, data):
            x = self.real_batch(data)
            z = self.sample_latent(ops.shape(x)[0])
            d_loss = self.minimize(lambda: ..., "discriminator")
            g_loss = self.minimize(lambda: ..., "generator")
            return self.log(d_loss=d_loss, g_loss=g_loss)
    ```
    """

    players = ("generator", "discriminator")
    updates = None  # dict: update name -> players it changes; None: per player
    metric_names = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "train_step" in cls.__dict__:
            cls.train_step = autodiff.stateless_train_step(cls.__dict__["train_step"])

    def __init__(
        self,
        networks,
        latent_dim,
        latent_prior="normal",
        seed=None,
        optimizers_per="update",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        if latent_prior not in LATENT_PRIORS:
            raise ValueError(
                f"`latent_prior` must be one of {LATENT_PRIORS}. "
                f"Received: latent_prior={latent_prior!r}"
            )
        self.latent_prior = latent_prior
        if optimizers_per not in OPTIMIZER_LAYOUTS:
            raise ValueError(
                f"`optimizers_per` must be one of {OPTIMIZER_LAYOUTS}. "
                f"Received: optimizers_per={optimizers_per!r}"
            )
        self.optimizers_per = optimizers_per
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        missing = set(self.players) - set(networks)
        extra = set(networks) - set(self.players)
        if missing or extra:
            raise ValueError(
                f"`networks` must have exactly the keys {self.players}. "
                f"Missing: {sorted(missing)}, unexpected: {sorted(extra)}"
            )
        for name in self.players:
            if not isinstance(networks[name], keras.layers.Layer):
                raise ValueError(
                    f"`{name}` must be a Keras model or layer. "
                    f"Received: {name}={networks[name]!r}"
                )
            setattr(self, name, networks[name])
        self._build_networks()
        self._check_updates()
        total = ("loss",) if any(n.endswith("_loss") for n in self.metric_names) else ()
        self.loss_trackers = [
            keras.metrics.Mean(name=name) for name in total + self.metric_names
        ]

    def _check_updates(self):
        for update, players in self.update_players.items():
            unknown = [p for p in players if p not in self.players]
            if not players or unknown:
                raise ValueError(
                    f"{type(self).__name__}.updates['{update}'] must name "
                    f"players among {self.players}. Received: {players!r}"
                )

    @property
    def update_players(self):
        """Dict of each update's name to the players whose variables it
        changes (the class's `updates`, or one update per player)."""
        if self.updates is None:
            return {name: (name,) for name in self.players}
        return {name: tuple(players) for name, players in self.updates.items()}

    @property
    def optimizer_names(self):
        """The keys of `compile(optimizers=...)`: the update names, or the
        player names when `optimizers_per="player"`."""
        if self.optimizers_per == "update":
            return tuple(self.update_players)
        return tuple(self.players)

    def _optimizer_variables(self):
        """Dict of each optimizer's name to the variables it updates."""
        if self.optimizers_per == "player":
            return {name: self.player_variables(name) for name in self.players}
        return {
            name: self._variables_of(players)
            for name, players in self.update_players.items()
        }

    def _variables_of(self, players):
        return [v for p in players for v in self.player_variables(p)]

    def _build_networks(self):
        latent_shape = (None, self.latent_dim)
        try:
            if not self.generator.built:
                self.generator.build(latent_shape)
            output_shape = self.generator.compute_output_shape(latent_shape)
        except ValueError as error:
            raise ValueError(
                "`generator` does not accept latent codes of shape "
                f"{latent_shape} (from `latent_dim`={self.latent_dim}): {error}"
            ) from None
        self.data_shape = tuple(output_shape[1:])
        for name in self.players:
            network = getattr(self, name)
            if not network.built:
                network.build((None,) + self.data_shape)
        self.built = True

    # ------------------------------------------------------------------
    # What a method's train_step uses.

    def sample_latent(self, batch_size, seed=None, per_replica=True):
        """Draws `batch_size` latent codes from the prior.

        Args:
            batch_size: number of codes (int or scalar tensor).
            seed: None to draw from the model's `SeedGenerator` (advancing
                it), or an int for a fixed draw.
            per_replica: under `tf.distribute`, True (default) gives each
                replica its own rows of the codes one device would draw
                for the global batch (`batch_size` is the replica's
                share); False gives every replica the same `batch_size`
                codes, the draw of one device (for a term that is not a
                mean over the batch, e.g. the mode-penalty GAN's
                one-to-one matching of N codes to N modes). No effect
                elsewhere.

        Returns:
            Tensor of shape `(batch_size, latent_dim)`, in the model's
            compute dtype.
        """
        if not ops.is_tensor(batch_size):  # a traced size is the op's to check
            batch_size = positive_int(batch_size, "batch_size")
        shape = (batch_size, self.latent_dim)

        def draw(shape):
            if self.latent_prior == "uniform":
                return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
            return keras.random.normal(shape, seed=seed)

        if seed is None and per_replica:
            seed = self.seed_generator
            # Under tf.distribute, this replica's rows of the global batch's
            # codes (one shared seed would give every replica the same).
            z = autodiff.draw_for_replica(draw, shape)
        elif seed is None:
            seed = self.seed_generator
            z = draw(shape)  # the same codes on every replica
        else:
            z = draw(shape)
        # Drawn in float32, fed in the compute dtype (mixed precision).
        return ops.cast(z, self.compute_dtype)

    def real_batch(self, data):
        """The real samples of a batch from `fit`, checked against the data
        shape the generator produces."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                "The training data `x` must have samples of shape "
                f"{self.data_shape} (the generator's output and the "
                f"discriminator's input). Received: x.shape={tuple(x.shape)}"
            )
        return ops.cast(x, self.compute_dtype)

    def player_variables(self, player):
        """The trainable variables `minimize` updates for `player`."""
        return getattr(self, player).trainable_variables

    def minimize(self, loss_fn, update):
        """Takes one optimizer step of an update on a loss.

        Args:
            loss_fn: callable with no arguments returning the scalar loss, or
                a `(loss, aux)` tuple to also get values computed on the way.
            update: an update's name (a key of `update_players`), or a list
                of names updated jointly on the same loss (e.g.
                `["generator", "encoder"]`), each with its own optimizer.
                With `optimizers_per="player"`, each player of the update
                takes the step with its own optimizer.

        Returns:
            What `loss_fn` returned, detached from the gradient graph.
        """
        names = [update] if isinstance(update, str) else list(update)
        update_players = self.update_players
        for name in names:
            if name not in update_players:
                raise ValueError(
                    f"`update` must be one of {tuple(update_players)}. "
                    f"Received: update={name!r}"
                )
        if self.optimizers_per == "player":
            keys = [p for name in names for p in update_players[name]]
            groups = [(key, self.player_variables(key)) for key in keys]
        else:
            groups = [(n, self._variables_of(update_players[n])) for n in names]
        variables = [v for _, vs in groups for v in vs]
        if len({id(v) for v in variables}) < len(variables):
            raise ValueError(
                f"The updates {names} share variables: a joint `minimize` "
                "must update each variable once."
            )
        if getattr(self, "_evaluating", False):
            # `test_step`: the loss on this batch, no gradient, no update.
            return tree.map_structure(ops.stop_gradient, loss_fn())
        members = [self.optimizer.players[key] for key, _ in groups]
        scales = [
            m.dynamic_scale.value if isinstance(m, LossScaleOptimizer) else None
            for m in members
        ]
        scaled = [x for x in scales if x is not None]
        # Mixed float16: the backward pass runs on the loss times the
        # smallest loss scale of the update's optimizers; each optimizer
        # then sees its gradients at its own scale (and unscales them).
        used = None
        if scaled:
            used = scaled[0] if len(scaled) == 1 else ops.min(ops.stack(scaled))
        _, num_replicas = autodiff.replica_context()

        def scaled_loss_fn():
            out = loss_fn()
            loss = ops.cast(out[0] if isinstance(out, tuple) else out, "float32")
            if num_replicas > 1:
                # tf.distribute sums the replicas' gradients: scale each
                # replica's mean for the mean over the global batch.
                loss = loss / num_replicas
            if used is not None:
                loss = loss * used
            return loss, out

        (_, out), grads = autodiff.value_and_grad(
            scaled_loss_fn, variables, lambda: self.variables
        )
        start = 0
        with autodiff.no_grad():
            for (key, vs), member, scale in zip(groups, members, scales):
                part = grads[start : start + len(vs)]
                start += len(vs)
                if used is not None and (len(scaled) > 1 or scale is None):
                    factor = (1.0 if scale is None else scale) / used
                    part = [g * ops.cast(factor, g.dtype) for g in part]
                autodiff.apply_optimizer(member, part, vs)
        return out

    def log(self, **values):
        """Updates the `Mean` trackers named in `metric_names` and returns
        the logs dict `fit` expects. Call it once, at the end of the step."""
        losses = [values[k] for k in self.metric_names if k.endswith("_loss")]
        if losses and "loss" not in values:
            values = dict(values, loss=sum(ops.cast(v, "float32") for v in losses))
        if getattr(self, "_evaluating", False):
            return values  # `evaluation_losses` of the default `test_step`
        self.optimizer.iterations.assign_add(1)
        return self._track(values)

    def _track(self, values):
        for tracker in self.loss_trackers:
            if tracker.name in values:
                tracker.update_state(values[tracker.name])
        return {t.name: t.result() for t in self.loss_trackers}

    def evaluation_losses(self, x):
        """The values `test_step` logs on a held-out real batch `x`.

        The default evaluates the method's own `train_step` on `x` and fresh
        latent codes with every `minimize` computing its loss but no
        gradient and no update, so each update's loss (and every value of
        `metric_names`) is measured exactly as in training; state the step
        assigns on the way (batch-norm moving statistics, a method's own
        state) is restored afterwards, and only the latent sampler
        advances. A method may override this with its loss computations.

        Args:
            x: a real batch, already checked and cast (`real_batch`).

        Returns:
            Dict of names in `metric_names` (and `loss`) to scalar tensors.
        """
        step = getattr(type(self).train_step, "__wrapped__", type(self).train_step)
        sampler = {id(self.seed_generator.state)}
        kept = [v for v in self.non_trainable_variables if id(v) not in sampler]
        saved = [ops.copy(v.value) for v in kept]
        self._evaluating = True
        try:
            values = step(self, (x,))
        finally:
            self._evaluating = False
        for v, value in zip(kept, saved):
            v.assign(value)
        return values

    def _test_step(self, data):
        """Logs each update's loss on held-out real data and fresh latent
        codes (`evaluation_losses`), updating no weight, so `evaluate` and
        `fit(validation_data=...)` report `val_*` values."""
        return self._track(self.evaluation_losses(self.real_batch(data)))

    test_step = autodiff.stateless_test_step(_test_step)

    @property
    def metrics(self):
        return list(self.loss_trackers)

    @classmethod
    def from_mlp(cls, data_dim, latent_dim=2, hidden_units=(128, 128, 128), **kwargs):
        """Builds the method with MLP players for `data_dim`-D vectors (the
        2-D and 3-D mixture benchmarks). Methods with a paper-specific
        toy architecture override this with the paper's nets.

        Args:
            data_dim: positive int, size of a data vector.
            latent_dim: positive int, size of z.
            hidden_units: widths of every player's hidden layers.
            **kwargs: the method's other constructor arguments.
        """
        inputs = {"generator": latent_dim}
        outputs = {"generator": data_dim}
        networks = {
            name: mlp(
                inputs.get(name, data_dim),
                outputs.get(name, 1),
                hidden_units=hidden_units,
                name=name,
            )
            for name in cls.players
        }
        return cls(**networks, latent_dim=latent_dim, **kwargs)

    @classmethod
    def from_preset(cls, preset, file_hash=None, cache_dir=None):
        """Builds a pretrained model of the zoo.

        Args:
            preset: a name from `keras_modegan.presets.list_presets()`, a
                preset directory (`config.json` + `model.weights.h5`), or a
                URL of a `.zip` of one.
            file_hash: sha256 of a URL's archive, checked after download.
            cache_dir: download cache (default `~/.keras`).

        Returns:
            The model with its weights, compiled with the paper's optimizers
            so that `fit` continues training at once.

        Example:

        ```python
        model = AdversarialModel.from_preset("mixture_density_gan_ring8")
        samples = model.generate(2500, seed=0)
        ```
        """
        from keras_modegan import presets

        return presets.load_preset(
            preset, cls=cls, file_hash=file_hash, cache_dir=cache_dir
        )

    def save_to_preset(self, path, description="", card=None):
        """Writes this model as a preset directory (see `from_preset`)."""
        from keras_modegan import presets

        presets.save_preset(self, path, description=description, card=card)

    # ------------------------------------------------------------------
    # Keras API.

    def call(self, inputs, training=False):
        """Generates samples from latent codes `inputs`."""
        return self.generator(inputs, training=training)

    def generate(self, num_samples, seed=None, batch_size=1024):
        """Generates `num_samples` samples as a NumPy array.

        Args:
            num_samples: positive int.
            seed: int for a reproducible draw, or None.
            batch_size: positive int, samples per generator call.

        Returns:
            NumPy array of shape `(num_samples,) + data_shape`.
        """
        num_samples = positive_int(num_samples, "num_samples")
        batch_size = positive_int(batch_size, "batch_size")
        z = self.sample_latent(num_samples, seed=seed)
        chunks = [
            self.generator(z[i : i + batch_size], training=False)
            for i in range(0, num_samples, batch_size)
        ]
        return np.concatenate([ops.convert_to_numpy(c) for c in chunks])

    def default_optimizers(self):
        """The paper's optimizers, keyed by `optimizer_names`. Methods
        override this."""
        return {
            name: keras.optimizers.Adam(2e-4, beta_1=0.5)
            for name in self.optimizer_names
        }

    def compile(self, optimizers=None, **kwargs):
        """Configures the players' optimizers.

        Args:
            optimizers: optional dict mapping names in `optimizer_names`
                (the updates, or the players with `optimizers_per="player"`)
                to optimizers (instances, names or configs). Names left out
                get the paper's settings from `default_optimizers()`.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, `run_eagerly`). The losses are part of
                the method, so `loss` and `optimizer` are not accepted.
        """
        for key in ("optimizer", "loss"):
            if key in kwargs:
                raise ValueError(
                    f"`{key}` is not an argument of {type(self).__name__}."
                    "compile(): pass one optimizer per update as "
                    f"`optimizers={{name: optimizer}}` with names in "
                    f"{self.optimizer_names}; the losses are the method's own."
                )
        if optimizers is not None and not isinstance(optimizers, dict):
            raise ValueError(
                "`optimizers` must be a dict mapping names in "
                f"{self.optimizer_names} to optimizers. "
                f"Received: optimizers={optimizers!r}"
            )
        optimizers = dict(optimizers or {})
        unknown = sorted(set(optimizers) - set(self.optimizer_names))
        if unknown:
            raise ValueError(
                f"Unknown update(s) {unknown} in `optimizers`. "
                f"Accepted keys: {self.optimizer_names} "
                f"(optimizers_per={self.optimizers_per!r})"
            )
        resolved = self.default_optimizers()
        for name, optimizer in optimizers.items():
            try:
                resolved[name] = keras.optimizers.get(optimizer)
            except ValueError as error:
                raise ValueError(
                    f"`optimizers['{name}']` is not an optimizer: {error}"
                ) from None
        if self.dtype_policy.name == "mixed_float16":
            # Loss scaling per update: each optimizer its own dynamic scale
            # (`minimize` scales the loss and the optimizer unscales the
            # gradients), instead of Keras wrapping the whole group.
            resolved = {
                name: optimizer
                if isinstance(optimizer, LossScaleOptimizer)
                else LossScaleOptimizer(optimizer, name=f"{name}_loss_scale")
                for name, optimizer in resolved.items()
            }
        group = PlayerOptimizers(resolved)
        group.build_players(self._optimizer_variables())
        # What the user asked for ("auto" by default) is what a saved model
        # stores, so that it resolves anew under the backend that loads it.
        self._requested_jit_compile = kwargs.get("jit_compile", "auto")
        autodiff.check_distribution()
        super().compile(optimizer=group, **kwargs)
        if self.optimizer is not group:  # Keras's own LossScaleOptimizer
            self.optimizer = group

    def get_compile_config(self):
        config = super().get_compile_config()
        if config is not None and hasattr(self, "_requested_jit_compile"):
            config["jit_compile"] = self._requested_jit_compile
            config["jit_compile_as_asked"] = True
        return config

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        group = config.pop("optimizer")
        kwargs = {
            k: config[k]
            for k in ("run_eagerly", "steps_per_execution", "jit_compile")
            if k in config
        }
        if not config.get("jit_compile_as_asked"):
            # Older files stored the value "auto" resolved to under the
            # backend that saved them (True under JAX, which torch.compile
            # cannot honour for double backward): resolve it anew.
            kwargs["jit_compile"] = "auto"
        saved = set(group.players)
        if saved != set(self.optimizer_names):
            raise ValueError(
                f"The saved optimizers are keyed {sorted(saved)}, but "
                f"{type(self).__name__} with optimizers_per="
                f"{self.optimizers_per!r} has {list(self.optimizer_names)}. "
                "Load with `keras.saving.load_model(path, compile=False)` "
                "and `compile()` again."
            )
        self.compile(optimizers=group.players, **kwargs)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, **kwargs):
        """`keras.Model.fit`, compiling first with the paper's optimizers if
        `compile()` was not called, and checking `x` and `batch_size`."""
        if batch_size is not None:
            positive_int(batch_size, "batch_size")
        check_training_data(x, "x")  # empty, NaN or inf: an error up front
        if isinstance(x, np.ndarray) and tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                "The training data `x` must have samples of shape "
                f"{self.data_shape} (the generator's output and the "
                f"discriminator's input). Received: x.shape={x.shape}"
            )
        if not self.compiled:
            self.compile()  # the paper's optimizers
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, **kwargs)

    def save_own_variables(self, store):
        # The latent sampler's state too, so that a reloaded model goes on
        # drawing the same latent codes (Keras saves only layer weights).
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        own = {k: store[k] for k in store.keys() if k != _SEED_STATE_KEY}
        super().load_own_variables(own)
        if _SEED_STATE_KEY in store.keys():  # absent in older files
            self.seed_generator.state.assign(store[_SEED_STATE_KEY])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "latent_prior": self.latent_prior,
                "seed": self.seed,
                "optimizers_per": self.optimizers_per,
            }
        )
        for name in self.players:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        # Files written before optimizers were keyed by update had one
        # optimizer per player: they load as they were trained.
        config.setdefault("optimizers_per", "player")
        for name in cls.players:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
