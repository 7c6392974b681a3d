"""The zoo's GAN methods, each a `keras.Model`."""

from keras_modegan.models.adversarial_model import AdversarialModel
from keras_modegan.models.vanilla_gan import VanillaGAN
from keras_modegan.models.wgan_gp import WGANGP

__all__ = ["AdversarialModel", "VanillaGAN", "WGANGP"]
