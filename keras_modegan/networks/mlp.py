"""Builder of the MLP networks of the 2-D and 3-D benchmarks."""

import keras

from keras_modegan.layers.mlp_block import MLPBlock


def mlp(
    input_dim,
    output_dim,
    hidden_units=(128, 128, 128),
    activation="relu",
    output_activation=None,
    output_scale=None,
    output_offset=0.0,
    kernel_initializer="glorot_uniform",
    name=None,
):
    """A built MLP: input -> `MLPBlock` -> Dense(output_dim) [-> rescale].

    Generators, discriminators and encoders of the toy experiments are all
    of this form.

    Args:
        input_dim: positive int, size of the input vector.
        output_dim: positive int, size of the output vector.
        hidden_units: widths of the hidden layers.
        activation: hidden activation (`"relu"`, `"leaky_relu"`, ...).
        output_activation: activation of the output layer, or None.
        output_scale: if set, outputs are `output_scale * y + output_offset`
            (the Mixture Density GAN demo uses `6 * tanh` for G).
        output_offset: see `output_scale`.
        kernel_initializer: initializer of all kernels.
        name: model name.

    Returns:
        A built `keras.Sequential`.

    Example:

    ```python
    generator = mlp(2, 2, hidden_units=(128, 128, 128))
    discriminator = mlp(2, 1, hidden_units=(128, 128, 128))
    ```
    """
    for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"`{arg}` must be a positive int. Received: {arg}={value!r}"
            )
    layers = [
        keras.Input((input_dim,)),
        MLPBlock(
            hidden_units,
            activation=activation,
            kernel_initializer=kernel_initializer,
        ),
        keras.layers.Dense(
            output_dim,
            activation=output_activation,
            kernel_initializer=kernel_initializer,
        ),
    ]
    if output_scale is not None:
        layers.append(keras.layers.Rescaling(output_scale, offset=output_offset))
    return keras.Sequential(layers, name=name)
