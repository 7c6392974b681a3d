"""Image loaders: the real mnist.npz, and TFDS offline through its mocks."""

import os

import numpy as np
import pytest

from keras_modegan.datasets import (
    DATA_DIR_ENV,
    celeb_a,
    cifar10,
    fashion_mnist,
    load_images,
    mnist,
)
from keras_modegan.datasets.images import find_npz, load_npz
from tests.helpers import mnist_npz_path

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


@pytest.fixture(scope="module")
def npz():
    return mnist_npz_path()


@pytest.fixture(scope="module")
def raw(npz):
    with np.load(npz) as data:
        return {k: data[k][:300] for k in ("x_train", "y_train", "x_test", "y_test")}


def test_npz_file_scaled_to_unit_range(npz, raw):
    x, y = mnist("train[:300]", npz, as_numpy=True, with_labels=True)
    assert x.shape == (300, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(y, raw["y_train"])
    np.testing.assert_allclose(x[..., 0], raw["x_train"] / 127.5 - 1.0, atol=1e-6)
    assert x.min() == -1.0 and x.max() == 1.0


def test_npz_splits_and_slices(npz, raw):
    x, y = mnist("test[:100]+train[:50]", npz, as_numpy=True, with_labels=True)
    np.testing.assert_array_equal(y, np.concatenate([raw["y_test"][:100],
                                                     raw["y_train"][:50]]))
    x2 = mnist("test[-5:]", npz, as_numpy=True)
    assert x2.shape == (5, 28, 28, 1)
    with pytest.raises(ValueError, match="split"):
        mnist("validation", npz, as_numpy=True)


def test_npz_directory_and_environment_variable(npz, raw, monkeypatch, tmp_path):
    directory = os.path.dirname(npz)
    assert find_npz("mnist", directory) == os.path.join(directory, "mnist.npz")
    monkeypatch.setenv(DATA_DIR_ENV, directory)
    x = mnist("train[:10]", as_numpy=True)
    np.testing.assert_allclose(x[..., 0], raw["x_train"][:10] / 127.5 - 1, atol=1e-6)
    # Fashion-MNIST reads fashion_mnist.npz in the same layout.
    np.savez(tmp_path / "fashion_mnist.npz", x_train=raw["x_train"][:20],
             y_train=raw["y_train"][:20], x_test=raw["x_test"][:10],
             y_test=raw["y_test"][:10])
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert find_npz("mnist") is None
    xf, yf = fashion_mnist("test", as_numpy=True, with_labels=True)
    np.testing.assert_array_equal(yf, raw["y_test"][:10])


def test_npz_wrong_layout(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, images=np.zeros((2, 28, 28), "uint8"))
    with pytest.raises(ValueError, match="keras.datasets.mnist layout"):
        load_npz(str(path))


def test_npz_dataset_batches_and_shuffles(npz):
    ds = mnist("train[:256]", npz, batch_size=64, shuffle_seed=1)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 4 and batches[0].shape == (64, 28, 28, 1)
    again = np.concatenate([b.numpy() for b in mnist("train[:256]", npz,
                                                     batch_size=64,
                                                     shuffle_seed=1)])
    np.testing.assert_array_equal(np.concatenate(batches), again)
    ordered = mnist("train[:256]", npz, as_numpy=True)
    assert not np.array_equal(np.concatenate(batches), ordered)
    np.testing.assert_allclose(np.sort(np.concatenate(batches).ravel()),
                               np.sort(ordered.ravel()))
    pairs = next(iter(mnist("train[:8]", npz, with_labels=True).batch(8)))
    assert pairs[0].shape == (8, 28, 28, 1) and pairs[1].shape == (8,)


@pytest.mark.parametrize(
    "loader, shape", [(mnist, (28, 28, 1)), (fashion_mnist, (28, 28, 1)),
                      (cifar10, (32, 32, 3))],
)
def test_tfds_path_with_mock_data(loader, shape, tmp_path, monkeypatch):
    import tensorflow_datasets as tfds  # imports TensorFlow
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with tfds.testing.mock_data(num_examples=6):
        x, y = loader("train", str(tmp_path), as_numpy=True, with_labels=True)
        ds = loader("train", str(tmp_path), batch_size=3)
        batch = next(iter(ds)).numpy()
    assert x.shape == (6,) + shape and x.dtype == np.float32
    assert y.shape == (6,) and y.dtype == np.int64 and set(y) <= set(range(10))
    assert -1.0 <= x.min() and x.max() <= 1.0 and x.std() > 0.1
    # Same values as uint8 / 127.5 - 1: multiples of 1 / 127.5.
    np.testing.assert_allclose((x + 1) * 127.5, np.round((x + 1) * 127.5),
                               atol=1e-3)
    assert batch.shape == (3,) + shape


def test_celeb_a_centre_crop_64(tmp_path, monkeypatch):
    import tensorflow as tf
    import tensorflow_datasets as tfds  # imports TensorFlow

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with tfds.testing.mock_data(num_examples=3):
        x = celeb_a("test", str(tmp_path), as_numpy=True)
        raw_images = [ex["image"].numpy() for ex in tfds.load(
            "celeb_a", split="test", data_dir=str(tmp_path))]
    assert x.shape == (3, 64, 64, 3)
    # compare_gan: the centre 160x160 (of 218x178), resized to 64x64.
    top, left = (218 - 160) // 2, (178 - 160) // 2
    crop = raw_images[0][top : top + 160, left : left + 160].astype("float32")
    expected = tf.image.resize(crop, (64, 64), method="bilinear").numpy()
    np.testing.assert_allclose(x[0], expected / 127.5 - 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="no class labels"):
        celeb_a(with_labels=True)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown image dataset"):
        load_images("svhn")
    with pytest.raises(ValueError, match="batch_size"):
        load_images("mnist", batch_size=0)
    with pytest.raises(ValueError, match="data_dir"):
        mnist(data_dir=3)
