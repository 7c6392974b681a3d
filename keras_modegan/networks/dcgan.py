"""Builders of the papers' DCGAN image networks (Stacked MNIST, CIFAR, CelebA)."""

import math
import zlib

import keras
import numpy as np

from keras_modegan.layers.batch_statistics_normalization import (
    BatchStatisticsNormalization,
)
from keras_modegan.layers.down_block import DownBlock, check_normalization
from keras_modegan.layers.up_block import UpBlock
from keras_modegan.utils.validation import positive_int

# The nets of the image tables. `generator_filters` are the widths of the
# projection of z and of each up block; `generator_output` is how the last
# layer maps to the image ("conv": a stride-1 conv after the up blocks,
# "transposed": a last stride-2 transposed conv); "dcgan" sizes itself.
# Unrolled GAN's Stacked MNIST nets (Metz et al. 2017, Appendix E) as
# PacGAN re-implemented them (github.com/fjxmlzn/PacGAN,
# stacked_MNIST_experiments/unrolled_GAN_experiment).
_UNROLLED_GAN = {
    "latent_dim": 256,
    "latent_prior": "normal",
    "kernel_size": 3,
    "generator_filters": (64, 32, 16, 8),
    "generator_output": "conv",
    "first_normalization": True,
    "negative_slope": 0.3,
}

ARCHITECTURES = {
    # D = G/4 ("K/4") and D = G/2 ("K/2").
    "quarter": dict(_UNROLLED_GAN, discriminator_filters=(2, 4, 8)),
    "half": dict(_UNROLLED_GAN, discriminator_filters=(4, 8, 16)),
    # VEEGAN's DCGAN (Srivastava et al. 2017; PacGAN's VEEGAN_experiment),
    # "B" in MD-GAN Table 3: 5x5 stride-2 convs 64-128-256-512, z 100 uniform.
    "big": {
        "latent_dim": 100,
        "latent_prior": "uniform",
        "kernel_size": 5,
        "generator_filters": (512, 256, 128, 64),
        "generator_output": "transposed",
        "discriminator_filters": (64, 128, 256, 512),
        "first_normalization": False,
        "negative_slope": 0.2,
    },
    # Radford et al.'s DCGAN (DCGAN-tensorflow) for 32x32 and 64x64 images:
    # halvings down to 4x4, widths 64 * 2^i (64x64: 64-128-256-512,
    # 32x32: 64-128-256).
    "dcgan": {
        "latent_dim": 100,
        "latent_prior": "uniform",
        "kernel_size": 5,
        "generator_filters": None,
        "generator_output": "transposed",
        "discriminator_filters": None,
        "first_normalization": False,
        "negative_slope": 0.2,
    },
}


def check_image_shape(image_shape):
    """`image_shape` as a tuple `(height, width, channels)` of positive ints."""
    try:
        shape = tuple(image_shape)
        valid = len(shape) == 3 and all(
            not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v > 0
            for v in shape
        )
    except TypeError:
        valid = False
    if not valid:
        raise ValueError(
            "`image_shape` must be (height, width, channels), three positive "
            f"ints (channels last). Received: image_shape={image_shape!r}"
        )
    return tuple(int(v) for v in shape)


def architecture_spec(architecture, image_shape):
    """The resolved spec of a named (or dict) architecture for an image shape.

    Args:
        architecture: a key of `ARCHITECTURES`, or a dict with the same keys.
        image_shape: `(height, width, channels)`.

    Returns:
        A dict with every key of `ARCHITECTURES` entries, filters filled in.
    """
    image_shape = check_image_shape(image_shape)
    if isinstance(architecture, dict):
        missing = sorted(set(ARCHITECTURES["quarter"]) - set(architecture))
        if missing:
            raise ValueError(
                f"An `architecture` dict must have the keys "
                f"{sorted(ARCHITECTURES['quarter'])}. Missing: {missing}"
            )
        spec = dict(architecture)
    elif architecture in ARCHITECTURES:
        spec = dict(ARCHITECTURES[architecture])
    else:
        raise ValueError(
            f"`architecture` must be one of {sorted(ARCHITECTURES)} or a dict. "
            f"Received: architecture={architecture!r}"
        )
    if spec["generator_filters"] is None:  # "dcgan": halve down to 4x4
        halvings = max(1, int(math.ceil(math.log2(min(image_shape[:2]) / 4))))
        widths = tuple(64 * 2**i for i in range(halvings))
        spec["discriminator_filters"] = widths
        spec["generator_filters"] = widths[::-1]
    if spec["generator_output"] not in ("conv", "transposed"):
        raise ValueError(
            "`generator_output` must be 'conv' or 'transposed'. Received: "
            f"{spec['generator_output']!r}"
        )
    spec["generator_filters"] = tuple(spec["generator_filters"])
    spec["discriminator_filters"] = tuple(spec["discriminator_filters"])
    return spec


def spatial_sizes(image_shape, halvings):
    """`[(H, W), (ceil(H/2), ceil(W/2)), ...]`, `halvings + 1` sizes: the
    feature-map sizes of stride-2 "same" convolutions (28, 14, 7, 4)."""
    sizes = [tuple(image_shape[:2])]
    for _ in range(halvings):
        sizes.append(tuple(-(-s // 2) for s in sizes[-1]))
    return sizes


def transposed_output_padding(source, target, kernel_size):
    """`output_padding` of a stride-2 "same" `Conv2DTranspose` mapping
    `source` (h, w) to `target` (h, w): None when target = 2 * source,
    else the padding that gives `target` (0 for 4 -> 7 with odd kernels)."""
    if all(t == 2 * s for s, t in zip(source, target)):
        return None
    padding = tuple(
        t - (2 * (s - 1) + kernel_size - 2 * (kernel_size // 2))
        for s, t in zip(source, target)
    )
    if any(not 0 <= p < 2 for p in padding):
        raise ValueError(
            f"No stride-2 transposed convolution of kernel {kernel_size} maps "
            f"{source} to {target}."
        )
    return padding


class Initializers:
    """Fresh initializers, each with its own seed drawn from `(seed, name)`
    (None: unseeded, i.e. Keras's global seed)."""

    def __init__(self, seed, name):
        if seed is None:
            self._rng = None
        else:
            entropy = [int(seed), zlib.crc32(str(name).encode())]
            self._rng = np.random.default_rng(entropy)

    def _seed(self):
        return None if self._rng is None else int(self._rng.integers(2**31 - 1))

    def normal(self):
        return keras.initializers.RandomNormal(0.0, 0.02, seed=self._seed())

    def truncated(self):
        return keras.initializers.TruncatedNormal(0.0, 0.02, seed=self._seed())

    def glorot(self):
        return keras.initializers.GlorotUniform(seed=self._seed())


def dcgan_generator(
    image_shape,
    architecture="quarter",
    latent_dim=None,
    normalization="batch",
    seed=None,
    name="generator",
):
    """The DCGAN generator of an architecture: z -> image in [-1, 1].

    `Dense` projection of z to the smallest feature map, batch norm, ReLU;
    one `UpBlock` (transposed conv, batch norm, ReLU) per further width;
    then the output layer with tanh: a stride-1 conv ("quarter", "half":
    z(256) -> 4x4x64 -> 7x7x32 -> 14x14x16 -> 28x28x8 -> 3x3 conv to 3
    channels) or a last stride-2 transposed conv ("big", "dcgan": z(100)
    -> 2x2x512 -> 4x4x256 -> 7x7x128 -> 14x14x64 -> 28x28xC for 28x28).
    The feature-map sizes are those of the mirrored discriminator
    (`ceil` halvings, e.g. 28, 14, 7, 4), so any image size works. Kernels
    N(0, 0.02) (TruncatedNormal for the stride-1 conv, as the TF1 code),
    zero biases.

    Args:
        image_shape: `(height, width, channels)` of the images.
        architecture: a key of `ARCHITECTURES` or a dict like them.
        latent_dim: size of z (None: the architecture's).
        normalization: `"batch"`, `"batch_statistics"` or None.
        seed: int or None; fixes every initializer.
        name: model name.

    Returns:
        A built functional `keras.Model` `(batch, latent_dim) -> (batch,) +
        image_shape`.

    Example:

    ```python
    g = dcgan_generator((28, 28, 3), "quarter")  # 287,875 weights
    ```
    """
    image_shape = check_image_shape(image_shape)
    spec = architecture_spec(architecture, image_shape)
    check_normalization(normalization)
    latent_dim = positive_int(
        spec["latent_dim"] if latent_dim is None else latent_dim, "latent_dim"
    )
    filters = spec["generator_filters"]
    k = spec["kernel_size"]
    transposed = spec["generator_output"] == "transposed"
    sizes = spatial_sizes(image_shape, len(filters) - 1 + int(transposed))
    init = Initializers(seed, name)
    z = keras.Input((latent_dim,), name="z")
    h, w = sizes[-1]
    x = keras.layers.Dense(
        h * w * filters[0], kernel_initializer=init.normal(), name="project"
    )(z)
    x = keras.layers.Reshape((h, w, filters[0]))(x)
    if normalization == "batch":
        x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    elif normalization is not None:
        x = BatchStatisticsNormalization(epsilon=1e-5)(x)
    x = keras.layers.ReLU()(x)
    level = len(sizes) - 1
    for width in filters[1:]:
        x = UpBlock(
            width,
            k,
            output_padding=transposed_output_padding(
                sizes[level], sizes[level - 1], k
            ),
            normalization=normalization,
            kernel_initializer=init.normal(),
        )(x)
        level -= 1
    channels = image_shape[-1]
    if transposed:
        x = UpBlock(
            channels,
            k,
            output_padding=transposed_output_padding(sizes[1], sizes[0], k),
            normalization=None,
            activation="tanh",
            kernel_initializer=init.normal(),
            name="output",
        )(x)
    else:
        x = keras.layers.Conv2D(
            channels,
            k,
            padding="same",
            activation="tanh",
            kernel_initializer=init.truncated(),
            name="output",
        )(x)
    return keras.Model(z, x, name=name)


def dcgan_discriminator(
    image_shape,
    architecture="quarter",
    output_dim=1,
    output_activation=None,
    output_scale=None,
    output_offset=0.0,
    return_features=False,
    normalization="batch_statistics",
    seed=None,
    name="discriminator",
):
    """The DCGAN discriminator of an architecture: image -> logits.

    One `DownBlock` (stride-2 conv, batch norm, LeakyReLU) per width, then
    a `Dense(output_dim)` on the flattened last feature map. "quarter": 3x3
    convs 2-4-8 with batch norm on every block and LeakyReLU(0.3) (585
    weights for 28x28x3); "half": 4-8-16; "big": 5x5 convs 64-128-256-512,
    no batch norm on the first, LeakyReLU(0.2).

    Normalization. The papers' TF1 discriminators normalize with the
    batch's statistics in every call; `"batch_statistics"` (default) does
    the same and holds no state (nothing to assign inside Dist-GAN's and
    GAAN's gradient penalties). `"batch"` uses
    `keras.layers.BatchNormalization` (moving statistics for inference);
    None drops it (the WGAN-GP critic).

    Args:
        image_shape: `(height, width, channels)`.
        architecture: a key of `ARCHITECTURES` or a dict like them.
        output_dim: positive int, size of the output (1: one logit; the
            Mixture Density GAN's embedding: 9).
        output_activation: activation of the output, or None.
        output_scale: if set, outputs are `output_scale * y + output_offset`
            (the Mixture Density GAN's head: `5 * sigmoid - 2.5`).
        output_offset: see `output_scale`.
        return_features: if True the model returns `[outputs, features]`,
            the flattened last conv features (Dist-GAN's Phi(x)).
        normalization: `"batch_statistics"`, `"batch"` or None.
        seed: int or None; fixes every initializer.
        name: model name.

    Returns:
        A built functional `keras.Model`.

    Example:

    ```python
    d = dcgan_discriminator((28, 28, 3), "quarter")
    d_phi = dcgan_discriminator((28, 28, 3), "half", return_features=True)
    ```
    """
    image_shape = check_image_shape(image_shape)
    spec = architecture_spec(architecture, image_shape)
    check_normalization(normalization)
    output_dim = positive_int(output_dim, "output_dim")
    init = Initializers(seed, name)
    inputs = keras.Input(image_shape, name="image")
    x = inputs
    for i, width in enumerate(spec["discriminator_filters"]):
        first = i == 0 and not spec["first_normalization"]
        x = DownBlock(
            width,
            spec["kernel_size"],
            normalization=None if first else normalization,
            negative_slope=spec["negative_slope"],
            kernel_initializer=init.truncated(),
        )(x)
    features = keras.layers.Flatten(name="features")(x)
    outputs = keras.layers.Dense(
        output_dim,
        activation=output_activation,
        kernel_initializer=init.normal(),
        name="logits",
    )(features)
    if output_scale is not None:
        outputs = keras.layers.Rescaling(output_scale, offset=output_offset)(outputs)
    if return_features:
        return keras.Model(inputs, [outputs, features], name=name)
    return keras.Model(inputs, outputs, name=name)


def dcgan_encoder(
    image_shape,
    architecture="quarter",
    latent_dim=None,
    normalization="batch",
    seed=None,
    name="encoder",
):
    """The encoder that mirrors `dcgan_generator`: image -> latent code.

    Reg-GAN, Che et al. 2017, Appendix B: "the inverse of the generator, by
    reversing the order of layers and replacing the de-convolutional
    layers with convolutional layers". Convs of the generator's widths in
    reverse order (stride 1 first where the generator ends in a stride-1
    conv), each with batch norm and ReLU as the generator's blocks, then a
    linear `Dense(latent_dim)` (the mirror of the projection). "quarter":
    28x28x3 -> 28x28x8 -> 14x14x16 -> 7x7x32 -> 4x4x64 -> z(256).

    Args:
        image_shape: `(height, width, channels)`.
        architecture: a key of `ARCHITECTURES` or a dict like them.
        latent_dim: size of the code (None: the architecture's).
        normalization: `"batch"`, `"batch_statistics"` or None.
        seed: int or None; fixes every initializer.
        name: model name.

    Returns:
        A built functional `keras.Model` `(batch,) + image_shape ->
        (batch, latent_dim)`.

    Example:

    ```python
    e = dcgan_encoder((28, 28, 3), "quarter")  # codes of size 256
    ```
    """
    image_shape = check_image_shape(image_shape)
    spec = architecture_spec(architecture, image_shape)
    check_normalization(normalization)
    latent_dim = positive_int(
        spec["latent_dim"] if latent_dim is None else latent_dim, "latent_dim"
    )
    init = Initializers(seed, name)
    inputs = keras.Input(image_shape, name="image")
    x = inputs
    for i, width in enumerate(spec["generator_filters"][::-1]):
        stride_one = i == 0 and spec["generator_output"] == "conv"
        x = DownBlock(
            width,
            spec["kernel_size"],
            strides=1 if stride_one else 2,
            normalization=normalization,
            negative_slope=0.0,
            kernel_initializer=init.truncated(),
        )(x)
    x = keras.layers.Flatten()(x)
    code = keras.layers.Dense(
        latent_dim, kernel_initializer=init.normal(), name="code"
    )(x)
    return keras.Model(inputs, code, name=name)
