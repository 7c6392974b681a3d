"""Batch normalization by the batch's own statistics, in every call."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_modegan")
class BatchStatisticsNormalization(keras.layers.Layer):
    """Batch normalization that always uses the current batch's statistics.

    `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`, with `mean` and
    `var` (biased) taken over every axis but `axis`, in training and in
    inference alike: the layer keeps no moving statistics. This is the
    batch norm of the GAN discriminators in the TensorFlow 1 code the
    papers' image experiments ran (DCGAN-tensorflow, PacGAN, Dist-GAN:
    `tf.contrib.layers.batch_norm(is_training=True)` in every call of D).
    In training it equals `keras.layers.BatchNormalization`.

    Having no state, it assigns nothing when a gradient penalty (Dist-GAN,
    GAAN) differentiates through it, and a discriminator scores a batch
    the same way in training and in inference (no moving statistics to
    drift from the batches it trained on).

    Args:
        axis: int, the feature axis (default -1, channels last).
        epsilon: positive float added to the variance.
        center: bool, whether to learn the offset `beta`.
        scale: bool, whether to learn the scale `gamma`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    norm = BatchStatisticsNormalization()
    y = norm(keras.random.normal((8, 4, 4, 16)))  # zero mean per channel
    ```
    """

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"`axis` must be an int. Received: axis={axis!r}")
        if isinstance(epsilon, bool) or not isinstance(
            epsilon, (int, float)
        ) or not epsilon > 0:
            raise ValueError(
                f"`epsilon` must be a positive float. Received: epsilon={epsilon!r}"
            )
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(
                "The feature axis of the input of BatchStatisticsNormalization "
                f"must be known. Received input_shape={input_shape}"
            )
        self._reduction_axes = tuple(i for i in range(rank) if i != axis)
        self._broadcast = tuple(dim if i == axis else 1 for i in range(rank))
        self.gamma = (
            self.add_weight(shape=(dim,), initializer="ones", name="gamma")
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(shape=(dim,), initializer="zeros", name="beta")
            if self.center
            else None
        )

    def call(self, inputs):
        mean, variance = ops.moments(inputs, self._reduction_axes, keepdims=True)
        outputs = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            outputs = outputs * ops.reshape(self.gamma, self._broadcast)
        if self.beta is not None:
            outputs = outputs + ops.reshape(self.beta, self._broadcast)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
            }
        )
        return config
