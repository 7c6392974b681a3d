"""One optimizer per player, seen by the Keras trainer as one optimizer."""

import keras


@keras.saving.register_keras_serializable(package="keras_modegan")
class PlayerOptimizers(keras.optimizers.Optimizer):
    """Groups the optimizers of a GAN's players (generator, discriminator...).

    Keras trainers know one `model.optimizer`; under JAX they thread only its
    `variables` through the compiled step. This group exposes the variables of
    every player's optimizer, so Adam moments and step counters of all
    players live in the trainer's state, and `apply_player` updates one
    player only. (`keras.optimizers.MultiOptimizer` groups optimizers too,
    but its `apply` requires the gradients of all variables at once, while
    a GAN step updates one player at a time.)

    Its own `iterations` counts training steps (one per `train_step`), which
    is what callbacks such as TensorBoard read; each player's optimizer
    counts its own updates, which is what its learning-rate schedule reads.

    Args:
        optimizers: dict mapping player names to `keras.optimizers.Optimizer`
            instances.
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
                "`optimizers` must be a non-empty dict mapping player names "
                f"to optimizers. Received: optimizers={optimizers!r}"
            )
        self._players = {}
        for player, optimizer in optimizers.items():
            optimizer = keras.optimizers.get(optimizer)
            if isinstance(optimizer, PlayerOptimizers):
                raise ValueError(
                    f"`optimizers['{player}']` cannot itself be a PlayerOptimizers."
                )
            self._players[player] = optimizer

    @property
    def players(self):
        """Dict of player name to that player's optimizer."""
        return dict(self._players)

    def build_players(self, variables):
        """Builds each player's optimizer on that player's variables.

        Args:
            variables: dict mapping player names to lists of variables.
        """
        if self.built:
            return
        self._player_variables = {p: list(variables[p]) for p in self._players}
        for player, optimizer in self._players.items():
            optimizer.build(self._player_variables[player])
        super().build([v for vs in variables.values() for v in vs])

    def build(self, variables):
        if not self.built:
            raise ValueError(
                "PlayerOptimizers must be built with `build_players()`, "
                "which knows which variables belong to which player."
            )

    def apply_player(self, player, grads, variables):
        """Applies `grads` to `variables` with the optimizer of `player`."""
        self._players[player].apply(grads, variables)

    def apply(self, grads, trainable_variables=None):
        raise ValueError(
            "PlayerOptimizers updates one player at a time: use "
            "`apply_player(player, grads, variables)`."
        )

    @property
    def variables(self):
        variables = self._variables[:]
        for optimizer in self._players.values():
            variables.extend(optimizer.variables)
        return variables

    def finalize_variable_values(self, var_list):
        for player, optimizer in self._players.items():
            optimizer.finalize_variable_values(self._player_variables[player])

    def get_config(self):
        return {
            "name": self.name,
            "optimizers": {
                player: keras.optimizers.serialize(optimizer)
                for player, optimizer in self._players.items()
            },
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizers"] = {
            player: keras.optimizers.deserialize(
                optimizer, custom_objects=custom_objects
            )
            for player, optimizer in config["optimizers"].items()
        }
        return cls(**config)
