import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.layers import BatchStatisticsNormalization, DownBlock, UpBlock


def _round_trip_layer(layer, x, tmp_path):
    """Config round trip, then a `.keras` round trip of a model holding it:
    equal configs, equal outputs."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    inputs = keras.Input(x.shape[1:])
    model = keras.Model(inputs, layer(inputs))
    path = os.path.join(str(tmp_path), "block.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.layers[-1]) is type(layer)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(x)), ops.convert_to_numpy(loaded(x)), atol=1e-6
    )


def test_down_block_shapes_and_layers():
    x = np.random.default_rng(0).normal(size=(2, 28, 28, 3)).astype("float32")
    block = DownBlock(8, kernel_size=3, negative_slope=0.3)
    assert tuple(block(x).shape) == (2, 14, 14, 8)
    assert block.compute_output_shape((None, 7, 7, 3)) == (None, 4, 4, 8)
    assert isinstance(block.norm, keras.layers.BatchNormalization)
    assert block.norm.momentum == 0.9 and block.norm.epsilon == 1e-5
    plain = DownBlock(8, kernel_size=3, normalization=None, negative_slope=0.3)
    y = ops.convert_to_numpy(plain(x))
    conv = ops.convert_to_numpy(plain.conv(x))
    np.testing.assert_allclose(y, np.where(conv > 0, conv, 0.3 * conv), atol=1e-6)
    assert [w.name for w in plain.weights] == ["kernel", "bias"]


def test_up_block_shapes():
    x = np.ones((2, 4, 4, 16), "float32")
    assert tuple(UpBlock(8, 3)(x).shape) == (2, 8, 8, 8)
    assert tuple(UpBlock(8, 3, output_padding=0)(x).shape) == (2, 7, 7, 8)
    assert tuple(UpBlock(8, 5, output_padding=0)(x).shape) == (2, 7, 7, 8)
    y = ops.convert_to_numpy(UpBlock(8, 3)(x, training=True))
    assert y.min() >= 0.0  # ReLU


def test_up_block_4_to_7_is_the_adjoint_of_a_same_conv():
    # TF1's conv2d_transpose(output_shape=7x7) is the transpose of the
    # stride-2 "same" conv 7x7 -> 4x4: <T(x), y> = <x, conv(y)>.
    rng = np.random.default_rng(1)
    block = UpBlock(3, 3, output_padding=0, normalization=None, activation=None,
                    use_bias=False)
    x = rng.normal(size=(2, 4, 4, 5)).astype("float32")
    y = rng.normal(size=(2, 7, 7, 3)).astype("float32")
    tx = ops.convert_to_numpy(block(x))
    kernel = block.conv.kernel  # (3, 3, out=3, in=5): a conv 3 -> 5 channels
    cy = ops.convert_to_numpy(ops.conv(y, kernel, strides=2, padding="same"))
    assert cy.shape == (2, 4, 4, 5)
    np.testing.assert_allclose(np.sum(tx * y), np.sum(x * cy), rtol=1e-4)


def test_batch_statistics_normalization_matches_batch_norm_in_training():
    rng = np.random.default_rng(2)
    x = (3.0 + 2.0 * rng.normal(size=(8, 5, 5, 4))).astype("float32")
    norm = BatchStatisticsNormalization(epsilon=1e-5)
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    expected = (x - mean) / np.sqrt(var + 1e-5)
    for training in (True, False):  # the batch's statistics in every call
        np.testing.assert_allclose(
            ops.convert_to_numpy(norm(x, training=training)), expected, atol=1e-4
        )
    reference = keras.layers.BatchNormalization(epsilon=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(reference(x, training=True)), expected, atol=1e-4
    )
    assert norm.non_trainable_weights == []
    assert sorted(w.name for w in norm.trainable_weights) == ["beta", "gamma"]


@pytest.mark.parametrize(
    "layer",
    [
        DownBlock(4, 3, strides=2, normalization="batch_statistics",
                  negative_slope=0.3, name="down"),
        DownBlock(4, 5, normalization="batch", negative_slope=0.0,
                  kernel_initializer=keras.initializers.RandomNormal(0, 0.1, seed=1)),
        UpBlock(4, 3, output_padding=(0, 1), normalization=None,
                activation="tanh"),
        UpBlock(4, 5, momentum=0.8, epsilon=1e-3, use_bias=False),
        BatchStatisticsNormalization(epsilon=1e-4, center=False),
    ],
    ids=["down_stats", "down_batch", "up_tanh", "up_batch", "batch_statistics"],
)
def test_config_and_save_load_round_trip(layer, tmp_path):
    x = np.random.default_rng(3).normal(size=(2, 4, 4, 3)).astype("float32")
    _round_trip_layer(layer, x, tmp_path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`normalization` must be one of"):
        DownBlock(4, normalization="layer")
    with pytest.raises(ValueError, match="`normalization` must be one of"):
        UpBlock(4, normalization="instance")
    with pytest.raises(ValueError, match="`filters` must be a positive integer"):
        DownBlock(0)
    with pytest.raises(ValueError, match="`negative_slope` must be a float >= 0"):
        DownBlock(4, negative_slope=-0.1)
    with pytest.raises(ValueError, match="`epsilon` must be a positive float"):
        BatchStatisticsNormalization(epsilon=0)
