"""Reusable layers of the zoo."""

from keras_modegan.layers.mlp_block import MLPBlock

__all__ = ["MLPBlock"]
