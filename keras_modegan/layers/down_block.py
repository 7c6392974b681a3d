"""The DCGAN down-sampling block: convolution, batch norm, LeakyReLU."""

import keras

from keras_modegan.layers.batch_statistics_normalization import (
    BatchStatisticsNormalization,
)
from keras_modegan.utils.validation import positive_int

NORMALIZATIONS = ("batch", "batch_statistics", None)


def check_normalization(normalization):
    """`normalization` if it is one of `NORMALIZATIONS`, else a ValueError."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"`normalization` must be one of {NORMALIZATIONS}. "
            f"Received: normalization={normalization!r}"
        )
    return normalization


def normalization_layer(normalization, momentum, epsilon, name):
    """The layer a block normalizes with (None for no normalization)."""
    if normalization == "batch":
        return keras.layers.BatchNormalization(
            momentum=momentum, epsilon=epsilon, name=name
        )
    if normalization == "batch_statistics":
        return BatchStatisticsNormalization(epsilon=epsilon, name=name)
    return None


class _ConvBlock(keras.layers.Layer):
    """What `DownBlock` and `UpBlock` share: a convolution, an optional
    normalization, an activation, and their common arguments."""

    def __init__(
        self,
        filters,
        kernel_size,
        strides,
        normalization,
        momentum,
        epsilon,
        use_bias,
        kernel_initializer,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = positive_int(filters, "filters")
        self.kernel_size = kernel_size
        self.strides = strides
        self.normalization = check_normalization(normalization)
        self.momentum = momentum
        self.epsilon = epsilon
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def _set_layers(self, conv, activation):
        self.conv = conv
        self.norm = normalization_layer(
            self.normalization, self.momentum, self.epsilon, "norm"
        )
        self.activation = activation

    def build(self, input_shape):
        self.conv.build(input_shape)
        if self.norm is not None:
            self.norm.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = self.conv(inputs)
        if self.norm is not None:
            x = self.norm(x, training=training)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "normalization": self.normalization,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_modegan")
class DownBlock(_ConvBlock):
    """A DCGAN discriminator/encoder block: Conv2D, optional batch norm,
    LeakyReLU.

    Radford et al., https://arxiv.org/abs/1511.06434 (Sec. 3): strided
    convolutions instead of pooling, batch norm, LeakyReLU in the
    discriminator. With stride 2 and `"same"` padding an `H x W` input
    becomes `ceil(H/2) x ceil(W/2)` (28 -> 14 -> 7 -> 4).

    Args:
        filters: positive int, output channels.
        kernel_size: int or pair, the convolution window.
        strides: int or pair.
        normalization: `"batch"` (`keras.layers.BatchNormalization`, with
            moving statistics for inference), `"batch_statistics"`
            (`BatchStatisticsNormalization`: the batch's own statistics in
            every call, as the papers' TF1 discriminators; stateless), or
            None.
        negative_slope: float >= 0, LeakyReLU slope (0 gives ReLU; 0.2 in
            DCGAN, 0.3 in the Unrolled GAN Stacked MNIST nets).
        momentum: momentum of the moving statistics (`"batch"` only); 0.9
            is the TF1 code's `decay`.
        epsilon: float added to the variance.
        use_bias: bool, whether the convolution has a bias.
        kernel_initializer: initializer of the kernel; N(0, 0.02)
            truncated at two standard deviations by default, as the TF1
            DCGAN code.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    block = DownBlock(64, kernel_size=5, normalization=None)
    y = block(keras.ops.ones((2, 28, 28, 3)))  # (2, 14, 14, 64)
    ```
    """

    def __init__(
        self,
        filters,
        kernel_size=5,
        strides=2,
        normalization="batch",
        negative_slope=0.2,
        momentum=0.9,
        epsilon=1e-5,
        use_bias=True,
        kernel_initializer=None,
        **kwargs,
    ):
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.TruncatedNormal(0.0, 0.02)
        super().__init__(
            filters,
            kernel_size,
            strides,
            normalization,
            momentum,
            epsilon,
            use_bias,
            kernel_initializer,
            **kwargs,
        )
        if isinstance(negative_slope, bool) or not isinstance(
            negative_slope, (int, float)
        ) or negative_slope < 0:
            raise ValueError(
                "`negative_slope` must be a float >= 0. "
                f"Received: negative_slope={negative_slope!r}"
            )
        self.negative_slope = float(negative_slope)
        self._set_layers(
            keras.layers.Conv2D(
                self.filters,
                kernel_size,
                strides=strides,
                padding="same",
                use_bias=self.use_bias,
                kernel_initializer=self.kernel_initializer,
                name="conv",
            ),
            keras.layers.LeakyReLU(self.negative_slope, name="act"),
        )

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
