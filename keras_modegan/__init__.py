"""keras-modegan: a Keras 3 model zoo of GANs that resist mode collapse."""

from keras_modegan import (
    atomic_write,
    autodiff,
    benchmark,
    callbacks,
    datasets,
    layers,
    losses,
    metrics,
    models,
    networks,
    penalties,
)
from keras_modegan.models import WGANGP, AdversarialModel, VanillaGAN
from keras_modegan.player_optimizers import PlayerOptimizers
from keras_modegan.version import __version__

__all__ = [
    "AdversarialModel",
    "PlayerOptimizers",
    "VanillaGAN",
    "WGANGP",
    "__version__",
    "atomic_write",
    "autodiff",
    "benchmark",
    "callbacks",
    "datasets",
    "layers",
    "losses",
    "metrics",
    "models",
    "networks",
    "penalties",
]
