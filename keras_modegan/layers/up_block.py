"""The DCGAN up-sampling block: transposed convolution, batch norm, ReLU."""

import keras

from keras_modegan.layers.down_block import _ConvBlock


@keras.saving.register_keras_serializable(package="keras_modegan")
class UpBlock(_ConvBlock):
    """A DCGAN generator block: Conv2DTranspose, batch norm, ReLU.

    Radford et al., https://arxiv.org/abs/1511.06434 (Sec. 3, Fig. 1).
    With stride 2 and `"same"` padding an `H x W` input becomes `2H x 2W`;
    `output_padding=0` gives `2H - 1` instead (with an odd kernel), the
    `4 -> 7` step of the 28x28 generators (TF1's `conv2d_transpose` with
    `output_shape` 7x7).

    Args:
        filters: positive int, output channels.
        kernel_size: int or pair, the convolution window.
        strides: int or pair.
        output_padding: None (output = input * strides), or an int or pair
            passed to `keras.layers.Conv2DTranspose`.
        normalization: `"batch"` (default), `"batch_statistics"` or None;
            see `DownBlock`.
        activation: activation after the normalization (default
            `"relu"`; `"tanh"` or None for an output layer).
        momentum: momentum of the moving statistics (`"batch"` only).
        epsilon: float added to the variance.
        use_bias: bool, whether the transposed convolution has a bias.
        kernel_initializer: initializer of the kernel; N(0, 0.02) by
            default, as the TF1 DCGAN code.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    block = UpBlock(32, kernel_size=3, output_padding=0)
    y = block(keras.ops.ones((2, 4, 4, 64)))  # (2, 7, 7, 32)
    ```
    """

    def __init__(
        self,
        filters,
        kernel_size=5,
        strides=2,
        output_padding=None,
        normalization="batch",
        activation="relu",
        momentum=0.9,
        epsilon=1e-5,
        use_bias=True,
        kernel_initializer=None,
        **kwargs,
    ):
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(0.0, 0.02)
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
        if isinstance(output_padding, list):
            output_padding = tuple(output_padding)
        self.output_padding = output_padding
        self.activation_name = activation
        self._set_layers(
            keras.layers.Conv2DTranspose(
                self.filters,
                kernel_size,
                strides=strides,
                padding="same",
                output_padding=output_padding,
                use_bias=self.use_bias,
                kernel_initializer=self.kernel_initializer,
                name="conv",
            ),
            keras.layers.Activation(activation, name="act"),
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {"output_padding": self.output_padding, "activation": self.activation_name}
        )
        return config
