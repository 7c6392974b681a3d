import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.layers import BatchStatisticsNormalization, DownBlock, UpBlock
from keras_modegan.networks import (
    conv_autoencoder,
    dcgan_discriminator,
    dcgan_encoder,
    dcgan_generator,
)
from keras_modegan.networks.dcgan import architecture_spec, spatial_sizes


def _trainable(model):
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


def _feature_maps(model, layer_type):
    return [
        tuple(layer.output.shape[1:])
        for layer in model.layers
        if isinstance(layer, layer_type)
    ]


def test_quarter_generator_is_pacgans():
    # PacGAN's unrolled_GAN_experiment generator, layer by layer: linear
    # z(256) -> 4*4*64, BN(64); 3x3 deconvs 64->32, 32->16, 16->8 with BN;
    # 3x3 conv 8->3 (weights + biases; BN gamma and beta).
    expected = (
        256 * 1024 + 1024 + 2 * 64
        + 9 * 64 * 32 + 32 + 2 * 32
        + 9 * 32 * 16 + 16 + 2 * 16
        + 9 * 16 * 8 + 8 + 2 * 8
        + 9 * 8 * 3 + 3
    )
    g = dcgan_generator((28, 28, 3), "quarter")
    assert expected == 287_875 and _trainable(g) == expected
    assert g.input_shape == (None, 256) and g.output_shape == (None, 28, 28, 3)
    assert _feature_maps(g, UpBlock) == [(7, 7, 32), (14, 14, 16), (28, 28, 8)]
    bns = [la for la in g.layers if isinstance(la, keras.layers.BatchNormalization)]
    assert len(bns) == 1 and bns[0].momentum == 0.9  # the projection's
    assert tuple(g.layers[-1].output.shape[1:]) == (28, 28, 3)
    assert g.layers[-1].kernel.shape == (3, 3, 8, 3)
    z = keras.random.normal((4, 256), seed=0)
    x = ops.convert_to_numpy(g(z))
    assert np.all(np.abs(x) <= 1.0)  # tanh


@pytest.mark.parametrize(
    "architecture, widths, expected",
    [
        # 3x3 stride-2 convs with BN on every block, then one logit.
        ("quarter", (2, 4, 8), 585),
        ("half", (4, 8, 16), 1889),
    ],
)
def test_unrolled_discriminators(architecture, widths, expected):
    c, count = 3, 0
    for w in widths:
        count += 9 * c * w + w + 2 * w
        c = w
    count += 4 * 4 * widths[-1] + 1
    assert count == expected
    d = dcgan_discriminator((28, 28, 3), architecture)
    assert _trainable(d) == expected and d.non_trainable_weights == []
    assert _feature_maps(d, DownBlock) == [
        (14, 14, widths[0]), (7, 7, widths[1]), (4, 4, widths[2])
    ]
    blocks = [la for la in d.layers if isinstance(la, DownBlock)]
    assert all(b.negative_slope == 0.3 and b.kernel_size == 3 for b in blocks)
    assert all(isinstance(b.norm, BatchStatisticsNormalization) for b in blocks)
    assert d.output_shape == (None, 1)


def test_big_is_veegans_dcgan():
    d = dcgan_discriminator((28, 28, 3), "big")
    blocks = [la for la in d.layers if isinstance(la, DownBlock)]
    assert [b.filters for b in blocks] == [64, 128, 256, 512]
    assert [b.kernel_size for b in blocks] == [5] * 4
    assert blocks[0].norm is None and all(b.norm is not None for b in blocks[1:])
    assert _feature_maps(d, DownBlock)[-1] == (2, 2, 512)
    g = dcgan_generator((28, 28, 3), "big")
    assert g.input_shape == (None, 100)
    assert _feature_maps(g, UpBlock) == [
        (4, 4, 256), (7, 7, 128), (14, 14, 64), (28, 28, 3)
    ]
    spec = architecture_spec("big", (28, 28, 3))
    assert spec["latent_dim"] == 100 and spec["latent_prior"] == "uniform"


@pytest.mark.parametrize(
    "shape, widths", [((32, 32, 3), (64, 128, 256)), ((64, 64, 3), (64, 128, 256, 512))]
)
def test_dcgan_for_cifar_and_celeba(shape, widths):
    spec = architecture_spec("dcgan", shape)
    assert spec["discriminator_filters"] == widths
    assert spec["generator_filters"] == widths[::-1]
    assert spec_sizes_end_at_4(shape, len(widths))
    g = dcgan_generator(shape, "dcgan")
    assert g.output_shape == (None,) + shape
    assert _feature_maps(g, UpBlock)[0][:2] == (8, 8)


def spec_sizes_end_at_4(shape, halvings):
    return spatial_sizes(shape, halvings)[-1] == (4, 4)


def test_encoder_mirrors_the_generator():
    e = dcgan_encoder((28, 28, 3), "quarter")
    assert _feature_maps(e, DownBlock) == [
        (28, 28, 8), (14, 14, 16), (7, 7, 32), (4, 4, 64)
    ]
    assert e.output_shape == (None, 256)
    blocks = [la for la in e.layers if isinstance(la, DownBlock)]
    assert [b.strides for b in blocks] == [1, 2, 2, 2]
    assert all(b.negative_slope == 0.0 for b in blocks)  # the generator's ReLU
    assert all(isinstance(b.norm, keras.layers.BatchNormalization) for b in blocks)
    big = dcgan_encoder((28, 28, 3), "big", latent_dim=7)
    assert _feature_maps(big, DownBlock) == [
        (14, 14, 64), (7, 7, 128), (4, 4, 256), (2, 2, 512)
    ]
    assert big.output_shape == (None, 7)


def test_feature_and_embedding_heads():
    d = dcgan_discriminator((28, 28, 3), "quarter", return_features=True)
    assert [tuple(s) for s in d.output_shape] == [(None, 1), (None, 128)]
    e = dcgan_discriminator(
        (16, 16, 1), "half", output_dim=9, output_activation="sigmoid",
        output_scale=5.0, output_offset=-2.5,
    )
    x = 10.0 * np.random.default_rng(0).normal(size=(8, 16, 16, 1)).astype("float32")
    y = ops.convert_to_numpy(e(x))
    assert y.shape == (8, 9) and np.all(np.abs(y) < 2.5)


def test_critic_without_normalization():
    d = dcgan_discriminator((16, 16, 3), "quarter", normalization=None)
    assert all(
        b.norm is None for b in d.layers if isinstance(b, DownBlock)
    )
    assert _trainable(d) == 585 - 2 * (2 + 4 + 8) - (4 * 4 * 8 - 2 * 2 * 8)


def test_odd_and_non_square_images():
    g = dcgan_generator((20, 12, 1), "quarter", latent_dim=8)
    assert g.output_shape == (None, 20, 12, 1)
    assert _feature_maps(g, UpBlock) == [(5, 3, 32), (10, 6, 16), (20, 12, 8)]


def test_conv_autoencoder():
    encoder, decoder = conv_autoencoder((28, 28, 3), code_dim=50)
    assert encoder.output_shape == (None, 50) and decoder.output_shape == (
        None, 28, 28, 3
    )
    convs = [la for la in encoder.layers if isinstance(la, DownBlock)]
    dense = [la for la in encoder.layers if isinstance(la, keras.layers.Dense)]
    assert [c.kernel_size for c in convs] == [5, 5, 5] and len(dense) == 2
    ups = [la for la in decoder.layers if isinstance(la, UpBlock)]
    dense = [la for la in decoder.layers if isinstance(la, keras.layers.Dense)]
    assert len(ups) == 3 and len(dense) == 1
    assert _feature_maps(decoder, UpBlock) == [(7, 7, 64), (14, 14, 32), (28, 28, 3)]


def test_seeded_builds_are_deterministic():
    a = dcgan_discriminator((16, 16, 3), "half", seed=5)
    b = dcgan_discriminator((16, 16, 3), "half", seed=5)
    c = dcgan_discriminator((16, 16, 3), "half", seed=6)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    kernel = dcgan_generator((28, 28, 3), "quarter", seed=0).get_weights()[0]
    assert abs(float(kernel.std()) - 0.02) < 0.001  # N(0, 0.02)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`architecture` must be one of"):
        dcgan_generator((28, 28, 3), "tiny")
    with pytest.raises(ValueError, match="`image_shape` must be"):
        dcgan_discriminator((28, 28), "quarter")
    with pytest.raises(ValueError, match="`normalization` must be one of"):
        dcgan_discriminator((28, 28, 3), "quarter", normalization="layer")
    with pytest.raises(ValueError, match="Missing"):
        dcgan_generator((28, 28, 3), {"latent_dim": 4})
