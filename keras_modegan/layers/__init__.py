"""Reusable layers of the zoo."""

from keras_modegan.layers.batch_statistics_normalization import (
    BatchStatisticsNormalization,
)
from keras_modegan.layers.down_block import DownBlock
from keras_modegan.layers.mlp_block import MLPBlock
from keras_modegan.layers.simplex_gaussian_mixture import SimplexGaussianMixture
from keras_modegan.layers.up_block import UpBlock

__all__ = [
    "BatchStatisticsNormalization",
    "DownBlock",
    "MLPBlock",
    "SimplexGaussianMixture",
    "UpBlock",
]
