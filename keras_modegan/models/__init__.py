"""The zoo's GAN methods, each a `keras.Model`.

`METHODS` maps the snake_case name used by the command line and the
benchmarks to each class.
"""

from keras_modegan.engine import AdversarialModel
from keras_modegan.models.dist_gan import DistGAN
from keras_modegan.models.gaan import GAAN
from keras_modegan.models.manifold_diffusion_gan import ManifoldDiffusionGAN
from keras_modegan.models.mixture_density_gan import MixtureDensityGAN
from keras_modegan.models.mode_penalty_gan import ModePenaltyGAN
from keras_modegan.models.regularized_gan import RegularizedGAN
from keras_modegan.models.vanilla_gan import VanillaGAN
from keras_modegan.models.wgan_gp import WGANGP

METHODS = {
    "vanilla_gan": VanillaGAN,
    "wgan_gp": WGANGP,
    "dist_gan": DistGAN,
    "gaan": GAAN,
    "mixture_density_gan": MixtureDensityGAN,
    "regularized_gan": RegularizedGAN,
    "manifold_diffusion_gan": ManifoldDiffusionGAN,
    "mode_penalty_gan": ModePenaltyGAN,
}

__all__ = [
    "METHODS",
    "AdversarialModel",
    "DistGAN",
    "GAAN",
    "ManifoldDiffusionGAN",
    "MixtureDensityGAN",
    "ModePenaltyGAN",
    "RegularizedGAN",
    "VanillaGAN",
    "WGANGP",
]
