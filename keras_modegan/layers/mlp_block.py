"""A stack of fully connected layers: the 2-D benchmark nets."""

import keras


@keras.saving.register_keras_serializable(package="keras_modegan")
class MLPBlock(keras.layers.Layer):
    """Hidden layers of a multi-layer perceptron.

    The building block of the networks the papers use on 2-D and 3-D
    Gaussian mixtures (e.g. 3 hidden layers of 128 ReLU units in Dist-GAN
    and GAAN; 2 layers of 128 in the Mixture Density GAN demo).

    Args:
        hidden_units: sequence of positive ints, the width of each layer.
        activation: activation of every hidden layer (name or callable),
            e.g. `"relu"` or `"leaky_relu"`.
        negative_slope: slope of `"leaky_relu"` for negative inputs.
        kernel_initializer: initializer of the kernels.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    block = MLPBlock(hidden_units=(128, 128, 128), activation="relu")
    y = block(keras.ops.ones((4, 2)))  # (4, 128)
    ```
    """

    def __init__(
        self,
        hidden_units=(128, 128, 128),
        activation="relu",
        negative_slope=0.2,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        hidden_units = tuple(hidden_units)
        if not hidden_units or any(
            isinstance(u, bool) or not isinstance(u, int) or u <= 0
            for u in hidden_units
        ):
            raise ValueError(
                "`hidden_units` must be a non-empty sequence of positive "
                f"ints. Received: hidden_units={hidden_units!r}"
            )
        self.hidden_units = hidden_units
        self.activation = activation
        self.negative_slope = negative_slope
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        if activation == "leaky_relu":
            act = lambda: keras.layers.LeakyReLU(negative_slope)  # noqa: E731
        else:
            act = lambda: keras.layers.Activation(activation)  # noqa: E731
        self.dense_layers = []
        self.activation_layers = []
        for i, units in enumerate(hidden_units):
            self.dense_layers.append(
                keras.layers.Dense(
                    units,
                    kernel_initializer=keras.initializers.get(
                        keras.initializers.serialize(self.kernel_initializer)
                    ),
                    name=f"dense_{i}",
                )
            )
            self.activation_layers.append(act())

    def build(self, input_shape):
        shape = input_shape
        for dense in self.dense_layers:
            dense.build(shape)
            shape = dense.compute_output_shape(shape)

    def call(self, inputs):
        x = inputs
        for dense, act in zip(self.dense_layers, self.activation_layers):
            x = act(dense(x))
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.hidden_units[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_units": list(self.hidden_units),
                "activation": self.activation,
                "negative_slope": self.negative_slope,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
            }
        )
        return config
