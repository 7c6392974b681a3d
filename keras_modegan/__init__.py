"""keras-modegan: a Keras 3 model zoo of GANs that resist mode collapse."""

from keras_modegan import (
    benchmark,
    callbacks,
    datasets,
    engine,
    layers,
    losses,
    metrics,
    models,
    networks,
    utils,
)
from keras_modegan.engine import AdversarialModel, PlayerOptimizers
from keras_modegan.models import WGANGP, VanillaGAN
from keras_modegan.version import __version__

__all__ = [
    "AdversarialModel",
    "PlayerOptimizers",
    "VanillaGAN",
    "WGANGP",
    "__version__",
    "benchmark",
    "callbacks",
    "datasets",
    "engine",
    "layers",
    "losses",
    "metrics",
    "models",
    "networks",
    "utils",
]
