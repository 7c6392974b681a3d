"""Builders of the networks the papers use, with their defaults."""

from keras_modegan.networks.mlp import mlp

__all__ = ["mlp"]
