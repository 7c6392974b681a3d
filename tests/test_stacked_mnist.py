"""Stacked MNIST: label arithmetic, both protocols, determinism."""

import numpy as np
import pytest

from keras_modegan.datasets import (
    STACKED_MNIST_PROTOCOLS,
    UNROLLED_GAN_NUM_EVAL,
    VEEGAN_NUM_EVAL,
    StackedMNIST,
    StackedMNISTProtocol,
    stacked_mnist,
)
from keras_modegan.datasets.stacked_mnist import stacked_labels
from tests.helpers import mnist_npz_path

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


TINY_FIXED = StackedMNISTProtocol("tiny_fixed", "train", 200, 100, 32, "test")


@pytest.fixture(scope="module")
def digits():
    with np.load(mnist_npz_path()) as data:
        return data["x_train"][:300], data["y_train"][:300].astype("int64")


def test_protocols_as_published():
    unrolled = STACKED_MNIST_PROTOCOLS["unrolled_gan"]
    veegan = STACKED_MNIST_PROTOCOLS["veegan"]
    assert unrolled.num_eval_samples == UNROLLED_GAN_NUM_EVAL == 25_600
    assert unrolled.num_train is None and unrolled.source_split == "train"
    assert unrolled.batch_size == 128
    assert veegan.num_eval_samples == VEEGAN_NUM_EVAL == 26_000
    assert veegan.num_train == 128_000 and veegan.source_split == "train+test"


def test_label_arithmetic(digits):
    images, labels = digits
    data = StackedMNIST("unrolled_gan", seed=3, digits=digits, samples_per_epoch=50)
    assert data.num_eval_samples == 25_600 and data.on_the_fly
    x, y = data.numpy(with_labels=True)
    idx = data.indices(0)
    assert x.shape == (50, 28, 28, 3) and x.dtype == np.float32
    for i in range(50):
        assert y[i] == 100 * labels[idx[i, 0]] + 10 * labels[idx[i, 1]] + (
            labels[idx[i, 2]]
        )
        for c in range(3):
            np.testing.assert_allclose(x[i, :, :, c], images[idx[i, c]] / 127.5 - 1,
                                       atol=1e-6)
    np.testing.assert_array_equal(stacked_labels([[1, 2, 3], [9, 0, 9]]), [123, 909])


def test_determinism_and_fresh_epochs(digits):
    a = StackedMNIST("unrolled_gan", seed=0, digits=digits, samples_per_epoch=64)
    b = StackedMNIST("unrolled_gan", seed=0, digits=digits, samples_per_epoch=64)
    c = StackedMNIST("unrolled_gan", seed=1, digits=digits, samples_per_epoch=64)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.indices(0), c.indices(0))
    assert not np.array_equal(a.indices(0), a.indices(1))
    # Pass e of the dataset is numpy(epoch=e), in order.
    ds = a.dataset(batch_size=16, with_labels=True)
    for epoch in range(2):
        xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
        x, y = a.numpy(epoch=epoch, with_labels=True)
        np.testing.assert_array_equal(np.concatenate(xs), x)
        np.testing.assert_array_equal(np.concatenate(ys), y)
    single = next(iter(b.dataset())).numpy()
    np.testing.assert_array_equal(single, b.numpy()[0])


def test_fixed_protocol_reshuffles_the_same_images(digits):
    data = StackedMNIST(TINY_FIXED, seed=5, digits=digits)
    assert not data.on_the_fly and data.samples_per_epoch == 200
    np.testing.assert_array_equal(data.indices(0), data.indices(7))
    ds = data.dataset(batch_size=50, with_labels=True)
    epochs = [np.concatenate([y.numpy() for _, y in ds]) for _ in range(2)]
    for labels in epochs:
        np.testing.assert_array_equal(np.sort(labels), np.sort(data.labels()))
    assert not np.array_equal(epochs[0], epochs[1])
    expected = np.bincount(data.labels(), minlength=1000) / 200
    np.testing.assert_allclose(data.label_distribution(), expected)
    with pytest.raises(ValueError, match="samples_per_epoch"):
        StackedMNIST(TINY_FIXED, digits=digits, samples_per_epoch=10)


def test_on_the_fly_label_distribution_is_exact(digits):
    _, labels = digits
    data = StackedMNIST("unrolled_gan", digits=digits)
    q = data.label_distribution()
    freq = np.bincount(labels, minlength=10) / len(labels)
    assert q.shape == (1000,)
    np.testing.assert_allclose(q.sum(), 1.0)
    for label in (0, 123, 907, 999):
        a, b, c = label // 100, label // 10 % 10, label % 10
        np.testing.assert_allclose(q[label], freq[a] * freq[b] * freq[c])


def test_veegan_protocol_on_real_mnist():
    data = StackedMNIST("veegan", seed=0, data_dir=mnist_npz_path())
    assert len(data.digit_images) == 70_000
    assert data.labels().shape == (128_000,)
    assert data.num_eval_samples == 26_000
    q = data.label_distribution()
    assert np.count_nonzero(q) == 1000  # ~128 images per mode
    x, y = next(iter(data.dataset(batch_size=64, with_labels=True)))
    assert x.shape == (64, 28, 28, 3) and y.shape == (64,)
    assert -1.0 <= float(np.min(x)) and float(np.max(x)) <= 1.0
    again = StackedMNIST("veegan", seed=0, data_dir=mnist_npz_path())
    np.testing.assert_array_equal(again.indices(), data.indices())


def test_shortcut_and_errors(digits):
    x = stacked_mnist("unrolled_gan", seed=2, digits=digits, samples_per_epoch=8,
                      as_numpy=True)
    np.testing.assert_array_equal(
        x, StackedMNIST(seed=2, digits=digits, samples_per_epoch=8).numpy()
    )
    with pytest.raises(ValueError, match="protocol"):
        StackedMNIST("metz", digits=digits)
    with pytest.raises(ValueError, match="digits"):
        StackedMNIST(digits=(digits[0][:10], digits[1][:9]))
    with pytest.raises(ValueError, match="shape"):
        StackedMNIST(digits=(np.zeros((4, 32, 32), "uint8"), np.zeros(4)))
