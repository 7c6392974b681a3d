"""The convolutional autoencoder of the mode-penalty GAN's image experiments."""

import keras

from keras_modegan.layers.down_block import DownBlock
from keras_modegan.layers.up_block import UpBlock
from keras_modegan.networks.dcgan import (
    Initializers,
    check_image_shape,
    spatial_sizes,
    transposed_output_padding,
)
from keras_modegan.utils.validation import positive_int


def conv_autoencoder(
    image_shape,
    code_dim=50,
    filters=(32, 64, 128),
    hidden_units=256,
    kernel_size=5,
    seed=None,
    name="autoencoder",
):
    """The mode-penalty GAN's Stacked MNIST autoencoder (arXiv 2011.07706,
    Sec. 3.2): "three convolutional layers with 5 by 5 filters, 2 fully
    connected layers for encoder part and one fully connected layer, 3
    transposed convolutional layers are used for decoder", a 50-D code.

    Encoder: three stride-2 5x5 convs (`filters`, ReLU) -> Dense
    (`hidden_units`, ReLU) -> Dense(`code_dim`). Decoder: Dense to the
    smallest feature map (ReLU) -> two stride-2 transposed convs
    (`filters` reversed, ReLU) -> a last one to the image's channels,
    tanh (data in [-1, 1]). The paper gives neither the widths nor the
    normalization: the widths here are our choice, and there is no batch
    norm (the encoder scores single generated batches).

    Args:
        image_shape: `(height, width, channels)`.
        code_dim: positive int, size of the code (50 in the paper).
        filters: the three conv widths of the encoder.
        hidden_units: positive int, width of the encoder's first Dense.
        kernel_size: int, the conv window (5 in the paper).
        seed: int or None; fixes every initializer (Glorot uniform).
        name: prefix of the two models' names.

    Returns:
        `(encoder, decoder)`, built functional `keras.Model`s
        `image -> (batch, code_dim)` and `(batch, code_dim) -> image`.

    Example:

    ```python
    encoder, decoder = conv_autoencoder((28, 28, 3))
    ```
    """
    image_shape = check_image_shape(image_shape)
    code_dim = positive_int(code_dim, "code_dim")
    hidden_units = positive_int(hidden_units, "hidden_units")
    filters = tuple(positive_int(f, "filters") for f in filters)
    if len(filters) != 3:
        raise ValueError(
            f"`filters` must hold three widths. Received: filters={filters!r}"
        )
    sizes = spatial_sizes(image_shape, len(filters))
    init = Initializers(seed, name)

    def conv(width):
        return DownBlock(width, kernel_size, normalization=None, negative_slope=0.0,
                         kernel_initializer=init.glorot())

    image = keras.Input(image_shape)
    x = image
    for width in filters:
        x = conv(width)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(
        hidden_units, activation="relu", kernel_initializer=init.glorot()
    )(x)
    code = keras.layers.Dense(code_dim, kernel_initializer=init.glorot(), name="code")(
        x
    )
    encoder = keras.Model(image, code, name=f"{name}_encoder")

    code_in = keras.Input((code_dim,))
    h, w = sizes[-1]
    y = keras.layers.Dense(
        h * w * filters[-1], activation="relu", kernel_initializer=init.glorot()
    )(code_in)
    y = keras.layers.Reshape((h, w, filters[-1]))(y)
    widths = list(filters[-2::-1]) + [image_shape[-1]]
    for level, width in zip(range(len(filters), 0, -1), widths):
        last = level == 1
        y = UpBlock(
            width,
            kernel_size,
            output_padding=transposed_output_padding(
                sizes[level], sizes[level - 1], kernel_size
            ),
            normalization=None,
            activation="tanh" if last else "relu",
            kernel_initializer=init.glorot(),
        )(y)
    decoder = keras.Model(code_in, y, name=f"{name}_decoder")
    return encoder, decoder
