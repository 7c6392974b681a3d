"""StackedMNISTCoverage and ImageGrid on a tiny image GAN."""

import csv
import glob
import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_modegan.callbacks import (
    ImageGrid,
    StackedMNISTCoverage,
    tile_images,
    write_png,
)
from keras_modegan.datasets import StackedMNIST
from keras_modegan.metrics import stacked_mnist_modes
from keras_modegan.models import VanillaGAN
from tests.helpers import mnist_npz_path


def tiny_image_gan(seed=0):
    """A VanillaGAN of dense nets producing 28x28x3 images in [-1, 1]."""
    generator = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(28 * 28 * 3, activation="tanh"),
        keras.layers.Reshape((28, 28, 3)),
    ])
    discriminator = keras.Sequential([
        keras.Input((28, 28, 3)),
        keras.layers.Flatten(),
        keras.layers.Dense(1),
    ])
    model = VanillaGAN(generator, discriminator, latent_dim=4, seed=seed)
    model.compile()
    return model


@pytest.fixture(scope="module")
def data():
    with np.load(mnist_npz_path()) as f:
        digits = f["x_train"][:200], f["y_train"][:200]
    return StackedMNIST("unrolled_gan", seed=0, digits=digits, samples_per_epoch=64)


def test_stacked_mnist_coverage_logs_modes_and_kl(data, tmp_path):
    from keras_modegan.presets import load_classifier

    classifier = load_classifier("mnist_classifier")
    model = tiny_image_gan()
    coverage = StackedMNISTCoverage(classifier, data=data, every_n_epochs=2,
                                    num_samples=48)
    assert coverage.num_samples == 48
    assert StackedMNISTCoverage(classifier, data="veegan").num_samples == 26_000
    csv_path = str(tmp_path / "history.csv")
    history = model.fit(
        data.dataset(batch_size=32), epochs=4, verbose=0,
        callbacks=[coverage, keras.callbacks.CSVLogger(csv_path),
                   keras.callbacks.EarlyStopping(monitor="modes", mode="max",
                                                 patience=10)],
    )
    assert [row["epoch"] for row in coverage.history] == [1, 2, 4]
    for key in ("modes", "kl", "kl_train"):
        assert len(history.history[key]) == 4
    assert history.history["modes"][2] == history.history["modes"][1]
    expected = stacked_mnist_modes(model.generate(48, seed=0), classifier,
                                   reference=data.label_distribution())
    assert history.history["modes"][-1] == expected["modes"]
    np.testing.assert_allclose(history.history["kl"][-1], expected["kl"], rtol=1e-6)
    np.testing.assert_allclose(history.history["kl_train"][-1],
                               expected["kl_train"], rtol=1e-6)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and {"modes", "kl", "kl_train"} <= set(rows[0])
    with pytest.raises(ValueError, match="every_n_epochs"):
        StackedMNISTCoverage(classifier, every_n_epochs=0)


def test_tile_images_layout():
    images = np.stack([np.full((3, 2, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = tile_images(images, padding=1, pad_value=7)
    # 3 images -> 2 columns, 2 rows; tile (r, c) starts at 1 + r*4, 1 + c*3.
    assert grid.shape == (2 * 4 + 1, 2 * 3 + 1, 1) and grid.dtype == np.uint8
    assert np.all(grid[1:4, 1:3] == 0) and np.all(grid[1:4, 4:6] == 128)
    assert np.all(grid[5:8, 1:3] == 255) and np.all(grid[5:8, 4:6] == 7)
    assert grid[0, 0, 0] == 7
    shape = tile_images(np.zeros((6, 4, 4, 3)), rows=3).shape
    assert shape == (3 * 6 + 2, 2 * 6 + 2, 3)
    with pytest.raises(ValueError, match="C = 1 or 3"):
        tile_images(np.zeros((2, 4, 4, 2)))


def test_image_grid_writes_grids_progress_and_tensorboard(data, tmp_path):
    import tensorflow as tf

    model = tiny_image_gan()
    out = tmp_path / "grids"
    grid = ImageGrid(str(out / "epoch_{epoch:02d}.png"), every_n_epochs=2,
                     num_images=16, log_dir=str(tmp_path / "logs"))
    assert grid.progress_path == str(out / "epoch_progress.png")
    model.fit(data.dataset(batch_size=32), epochs=3, verbose=0, callbacks=[grid])
    assert sorted(os.listdir(out)) == [
        "epoch_01.png", "epoch_02.png", "epoch_03.png", "epoch_progress.png"
    ]  # nothing half-written left behind
    last = np.asarray(Image.open(out / "epoch_03.png"))
    np.testing.assert_array_equal(
        last, tile_images(model.generate(16, seed=0))
    )  # the same fixed latent codes, so the grid is reproducible
    assert last.shape == (4 * 30 + 2, 4 * 30 + 2, 3)
    progress = Image.open(out / "epoch_progress.png")
    assert progress.format == "PNG" and progress.size[0] > progress.size[1]
    assert [epoch for epoch, _, _ in grid.snapshots] == [1, 2, 3]
    steps = []
    for event_file in glob.glob(str(tmp_path / "logs" / "events.*")):
        for record in tf.data.TFRecordDataset(event_file):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == "samples":
                    steps.append(event.step)
    assert sorted(steps) == [1, 2, 3]


def test_image_grid_progress_shows_evenly_spaced_snapshots(tmp_path):
    grid = ImageGrid(str(tmp_path / "grid.png"), max_snapshots=4,
                     progress_path=False)
    assert grid.progress_path is None
    grid.snapshots = [(e, np.zeros((4, 4, 1), "uint8"), {}) for e in range(1, 11)]
    assert [e for e, _, _ in grid.shown_snapshots()] == [1, 4, 7, 10]
    grid.snapshots[-1] = (10, np.zeros((4, 4, 1), "uint8"), {"modes": 3, "kl": 1.5})
    path = grid.plot_progress(str(tmp_path / "p.png"))
    assert Image.open(path).format == "PNG"
    write_png(np.full((2, 3, 1), 9, "uint8"), tmp_path / "g.png")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "g.png")),
                                  np.full((2, 3), 9))
