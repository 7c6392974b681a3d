"""Builders of the networks the papers use, with their defaults."""

from keras_modegan.networks.conv_autoencoder import conv_autoencoder
from keras_modegan.networks.dcgan import (
    ARCHITECTURES,
    dcgan_discriminator,
    dcgan_encoder,
    dcgan_generator,
)
from keras_modegan.networks.dcgan_players import build_from_dcgan
from keras_modegan.networks.mlp import mlp
from keras_modegan.networks.mnist_classifier import mnist_classifier

__all__ = [
    "ARCHITECTURES",
    "build_from_dcgan",
    "conv_autoencoder",
    "dcgan_discriminator",
    "dcgan_encoder",
    "dcgan_generator",
    "mlp",
    "mnist_classifier",
]
