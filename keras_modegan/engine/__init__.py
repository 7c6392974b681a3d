"""The training core, which knows no method: `AdversarialModel` (players,
updates, `minimize`), the optimizer group the Keras trainer sees, and
`autodiff`, the only backend-specific module of the package."""

from keras_modegan.engine import autodiff
from keras_modegan.engine.adversarial_model import AdversarialModel
from keras_modegan.engine.player_optimizers import PlayerOptimizers

__all__ = ["AdversarialModel", "PlayerOptimizers", "autodiff"]
