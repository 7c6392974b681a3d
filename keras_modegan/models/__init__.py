"""The zoo's GAN methods, each a `keras.Model`.

`METHODS` maps the snake_case name used by the command line and the
benchmarks to each class.
"""

from keras_modegan.models.adversarial_model import AdversarialModel
from keras_modegan.models.vanilla_gan import VanillaGAN
from keras_modegan.models.wgan_gp import WGANGP

METHODS = {
    "vanilla_gan": VanillaGAN,
    "wgan_gp": WGANGP,
}

__all__ = ["METHODS", "AdversarialModel", "VanillaGAN", "WGANGP"]
