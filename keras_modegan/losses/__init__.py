"""Loss terms of the zoo's methods.

- `gan_losses`: GAN losses, one signature `(d_real, d_fake) -> (d_loss, g_loss)`
  (re-exported here, so `keras_modegan.losses.get("hinge")` works).
- `penalties`: gradient penalties.
- `autoencoder_losses`: Dist-GAN / GAAN reconstruction and distance terms.
- `mode_matching`: the mode-penalty GAN's matching in the encoded space.
"""

from keras_modegan.losses import (
    autoencoder_losses,
    gan_losses,
    mode_matching,
    penalties,
)
from keras_modegan.losses.gan_losses import (
    GAN_LOSSES,
    get,
    hinge,
    least_squares,
    minimax,
    non_saturating,
    wasserstein,
)
from keras_modegan.losses.penalties import gradient_penalty

__all__ = [
    "GAN_LOSSES",
    "autoencoder_losses",
    "gan_losses",
    "get",
    "gradient_penalty",
    "hinge",
    "least_squares",
    "minimax",
    "mode_matching",
    "non_saturating",
    "penalties",
    "wasserstein",
]
