"""The optimizers of a GAN's updates, seen by the Keras trainer as one."""

import re

import keras
import numpy as np

# The key under which a saved group records how many variables each member
# optimizer saved (the members save their own, as the group's children).
_MEMBER_COUNTS = "member_variable_counts"


class _VariableGroups:
    """Holds each group's variables out of the optimizer's tracking, so the
    group does not count (or save, or thread under JAX) the model's own
    weights as optimizer variables."""

    def __init__(self, groups):
        self.groups = {name: list(vs) for name, vs in groups.items()}


def _is_automatic_name(optimizer):
    """Whether `optimizer.name` is Keras's automatic one for its class."""
    stem = re.sub(r"_\d+$", "", optimizer.name).replace("_", "")
    return stem == type(optimizer).__name__.lower()


@keras.saving.register_keras_serializable(package="keras_modegan")
class PlayerOptimizers(keras.optimizers.Optimizer):
    """Groups a GAN's optimizers: one per update (or one per player).

    A method's `train_step` makes several updates (Dist-GAN's autoencoder,
    discriminator and generator updates), each with its own optimizer, as
    the papers' authors keep separate solvers; an update may change the
    variables of several players, and two updates may change the same
    player's variables (Dist-GAN's generator is updated on the autoencoder
    loss and on the adversarial loss), each optimizer keeping its own
    moment estimates. `AdversarialModel` keys this group by update names
    (`optimizers_per="update"`) or by player names (`"player"`).

    Keras trainers know one `model.optimizer`; under JAX they thread only its
    `variables` through the compiled step. This group exposes the variables of
    every member optimizer, so Adam moments and step counters of all of them
    live in the trainer's state, and `apply_group` applies one member only.
    (`keras.optimizers.MultiOptimizer` groups optimizers too, but its `apply`
    requires the gradients of all variables at once, while a GAN step
    updates one player at a time.) The members are listed in `optimizers`,
    where Keras's learning-rate callbacks (`LearningRateScheduler`,
    `ReduceLROnPlateau`) and TensorBoard look for them.

    Its own `iterations` counts training steps (one per `train_step`), which
    is what callbacks such as TensorBoard read; each member counts its own
    updates, which is what its learning-rate schedule reads.

    Args:
        optimizers: dict mapping update (or player) names to
            `keras.optimizers.Optimizer` instances, names or configs.
        name: name of the group.

    Example:

    ```python
    group = PlayerOptimizers({
        "generator": keras.optimizers.Adam(2e-4, beta_1=0.5),
        "discriminator": keras.optimizers.Adam(2e-4, beta_1=0.5),
    })
    ```
    """

    def __init__(self, optimizers, name="player_optimizers", **kwargs):
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        if not isinstance(optimizers, dict) or not optimizers:
            raise ValueError(
                "`optimizers` must be a non-empty dict mapping update names "
                f"to optimizers. Received: optimizers={optimizers!r}"
            )
        members = {}
        for key, optimizer in optimizers.items():
            optimizer = keras.optimizers.get(optimizer)
            if isinstance(optimizer, PlayerOptimizers):
                raise ValueError(
                    f"`optimizers['{key}']` cannot itself be a PlayerOptimizers."
                )
            if any(optimizer is other for other in members.values()):
                raise ValueError(
                    f"`optimizers['{key}']` is the same optimizer instance as "
                    "another entry: give each update its own optimizer."
                )
            members[key] = optimizer
        for key, optimizer in members.items():
            # Keras's callbacks log `learning_rate_<name>` per member: an
            # automatic name ("adam", "adam_3") becomes the update's name.
            if _is_automatic_name(optimizer):
                optimizer.name = key
        self._players = members
        self._groups = _VariableGroups({})

    @property
    def players(self):
        """Dict of update (or player) name to its optimizer."""
        return dict(self._players)

    @property
    def optimizers(self):
        """The member optimizers, as Keras's learning-rate callbacks and
        TensorBoard expect them under `model.optimizer.optimizers`."""
        return list(self._players.values())

    def build_players(self, variables):
        """Builds each member optimizer on the variables it updates.

        Args:
            variables: dict mapping each name of the group to its list of
                variables.
        """
        if self.built:
            return
        missing = sorted(set(self._players) - set(variables))
        if missing:
            raise ValueError(f"No variables given for {missing}.")
        self._groups = _VariableGroups({k: variables[k] for k in self._players})
        for key, optimizer in self._players.items():
            optimizer.build(self._groups.groups[key])
        super().build([])

    def build(self, variables):
        if not self.built:
            raise ValueError(
                "PlayerOptimizers must be built with `build_players()`, "
                "which knows which variables belong to which update."
            )

    def apply_group(self, name, grads, variables):
        """Applies `grads` to `variables` with the optimizer named `name`."""
        self._players[name].apply(grads, variables)

    # The name before optimizers could be keyed by update.
    apply_player = apply_group

    def apply(self, grads, trainable_variables=None):
        raise ValueError(
            "PlayerOptimizers updates one group at a time: use "
            "`apply_group(name, grads, variables)`."
        )

    @property
    def variables(self):
        variables = self._variables[:]
        for optimizer in self._players.values():
            variables.extend(optimizer.variables)
        return variables

    def finalize_variable_values(self, var_list):
        for key, optimizer in self._players.items():
            optimizer.finalize_variable_values(self._groups.groups[key])

    def save_own_variables(self, store):
        # Keras saves each member under `optimizer/optimizers/<name>`; the
        # group keeps its own variables and the members' variable counts.
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()  # mirrored variables too (tf.distribute)
        store[_MEMBER_COUNTS] = np.asarray(self._member_counts(), dtype="int64")

    def _member_counts(self):
        return [len(optimizer.variables) for optimizer in self._players.values()]

    def _mismatch(self, saved, ours):
        return ValueError(
            f"The saved optimizer state has {saved} variables, but the "
            f"optimizers of {sorted(self._players)} have {ours}. "
            "The file was saved with other optimizers (or another "
            "`optimizers_per` layout): load it with "
            "`keras.saving.load_model(path, compile=False)` and "
            "`compile()` again to start the optimizers afresh."
        )

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _MEMBER_COUNTS in keys:
            saved = [int(c) for c in np.asarray(store[_MEMBER_COUNTS]).ravel()]
            ours = self._member_counts()
            if saved != ours or len(keys) - 1 != len(self._variables):
                raise self._mismatch(
                    f"{len(keys) - 1} own and {saved} member",
                    f"{len(self._variables)} own and {ours} member",
                )
            # The members load their own variables after the group.
            for i, variable in enumerate(self._variables):
                variable.assign(store[str(i)])
            return
        # Files written before the members saved their own variables hold
        # every member's variables here (and, before 0.3, the model's).
        variables = self.variables
        count = len(keys)
        own = len(self._variables)
        legacy = sum(len(vs) for vs in self._groups.groups.values())
        if count == len(variables):
            indices = range(count)
        elif count == len(variables) + legacy:
            indices = list(range(own)) + list(range(own + legacy, count))
        else:
            raise self._mismatch(count, len(variables))
        for variable, index in zip(variables, indices):
            variable.assign(store[str(index)])

    def get_config(self):
        return {
            "name": self.name,
            "optimizers": {
                key: keras.optimizers.serialize(optimizer)
                for key, optimizer in self._players.items()
            },
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizers"] = {
            key: keras.optimizers.deserialize(optimizer, custom_objects=custom_objects)
            for key, optimizer in config["optimizers"].items()
        }
        return cls(**config)
