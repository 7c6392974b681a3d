"""The papers' optimizers for image models (the DCGAN nets of `from_dcgan`).

A method's `default_optimizers()` returns these when its data are images
(`len(model.data_shape) == 3`), so `Method.from_dcgan(shape).fit(ds)` trains
with the image settings of the Stacked MNIST tables at once.
"""

import keras


def is_image_model(model):
    """Whether `model` generates images (samples of rank 3, HWC)."""
    return len(model.data_shape) == 3


def unrolled_gan_adams(names, discriminators):
    """Unrolled GAN's Stacked MNIST optimizers as PacGAN's code sets them
    (github.com/fjxmlzn/PacGAN, `stacked_MNIST`): Adam with learning rate
    2e-4 for the discriminators and 1e-4 for every other update (generator,
    encoder), beta_1 0.5, beta_2 0.99; batch 128.

    Args:
        names: the model's `optimizer_names`.
        discriminators: the names among them that update a discriminator.

    Returns:
        Dict of each name to a `keras.optimizers.Adam`.
    """
    return {
        name: keras.optimizers.Adam(
            2e-4 if name in discriminators else 1e-4, beta_1=0.5, beta_2=0.99
        )
        for name in names
    }
