"""Builders of the networks the papers use, with their defaults."""

from keras_modegan.networks.mlp import mlp
from keras_modegan.networks.mnist_classifier import mnist_classifier

__all__ = ["mlp", "mnist_classifier"]
