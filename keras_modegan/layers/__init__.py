"""Reusable layers of the zoo."""

from keras_modegan.layers.mlp_block import MLPBlock
from keras_modegan.layers.simplex_gaussian_mixture import SimplexGaussianMixture

__all__ = ["MLPBlock", "SimplexGaussianMixture"]
