"""The `ImageGrid` callback and the image tiling it uses."""

import io
import os
import re

import keras
import numpy as np

from keras_modegan.utils.atomic_write import atomic_write
from keras_modegan.utils.validation import positive_int


def to_uint8(images):
    """Images in [-1, 1] (clipped) to uint8 in [0, 255]."""
    images = np.nan_to_num(np.asarray(images, dtype="float64"), nan=-1.0)
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype("uint8")


def tile_images(images, rows=None, padding=2, pad_value=255):
    """Tiles images into one grid image.

    Args:
        images: array `(N, H, W, C)` in [-1, 1] with `C` 1 (grey) or 3
            (RGB; Stacked MNIST's three digits show as colours).
        rows: number of rows (default: the most square grid,
            `ceil(sqrt(N))` columns).
        padding: pixels between tiles and around the grid.
        pad_value: uint8 value of the padding (255: white).

    Returns:
        uint8 array `(rows * (H + padding) + padding, cols * (W + padding) +
        padding, C)`; unused cells are left as padding.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(
            "`images` must be a non-empty array (N, H, W, C) with C = 1 or 3. "
            f"Received shape: {images.shape}"
        )
    n, h, w, c = images.shape
    if rows is None:
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
    else:
        rows = positive_int(rows, "rows")
        cols = int(np.ceil(n / rows))
    grid = np.full(
        (rows * (h + padding) + padding, cols * (w + padding) + padding, c),
        pad_value, dtype="uint8",
    )
    tiles = to_uint8(images)
    for i in range(n):
        r, q = divmod(i, cols)
        y, x = padding + r * (h + padding), padding + q * (w + padding)
        grid[y : y + h, x : x + w] = tiles[i]
    return grid


def write_png(image, path):
    """Writes a uint8 image `(H, W, 1 | 3)` as PNG atomically."""
    from PIL import Image

    image = np.asarray(image, dtype="uint8")
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG")
    with atomic_write(path, "wb") as f:
        f.write(buffer.getvalue())
    return path


class ImageGrid(keras.callbacks.Callback):
    """Saves a grid of samples from fixed latent codes while training.

    At the end of the first epoch, of every `every_n_epochs`-th epoch and of
    the last epoch, generates `num_images` images with
    `model.generate(num_images, seed=seed)` (the same latent codes every
    time, so the grids show the generator changing, not the noise) and
    writes them as one PNG grid. It also keeps one image of the grids over
    training (`progress_path`: up to `max_snapshots` grids side by side,
    evenly spaced over the epochs so far, each titled with its epoch and,
    when an earlier callback such as `StackedMNISTCoverage` logged them,
    its `modes`), so progress shows at a glance. Every file is written
    atomically (temporary file, then `os.replace`). With `log_dir`, each
    grid also goes to TensorBoard as an image summary (`tf.summary.image`,
    tag `name`, step = epoch).

    Args:
        path: PNG path of the grid. It may contain `{epoch}` (1-based, e.g.
            `"grids/epoch_{epoch:03d}.png"`) to keep one file per epoch;
            otherwise it is overwritten with the latest grid.
        every_n_epochs: positive int.
        num_images: positive int, images per grid.
        rows: rows of the grid (default: as square as possible).
        seed: int, seed of the latent codes.
        progress_path: PNG path of the grids-over-training image; None for
            `<path without {epoch}>_progress.png`, False for none.
        max_snapshots: positive int, grids shown in the progress image.
        log_dir: optional TensorBoard log directory (needs the `tensorboard`
            package).
        name: the TensorBoard image tag.

    Example:

    ```python
    model.fit(ds, epochs=20, callbacks=[
        StackedMNISTCoverage(),
        ImageGrid("run/grid.png", every_n_epochs=2, log_dir="run/logs"),
    ])
    ```
    """

    def __init__(
        self, path, every_n_epochs=1, num_images=64, rows=None, seed=0,
        progress_path=None, max_snapshots=10, log_dir=None, name="samples",
    ):
        super().__init__()
        self.path = os.fspath(path)
        self.every_n_epochs = positive_int(every_n_epochs, "every_n_epochs")
        self.num_images = positive_int(num_images, "num_images")
        self.rows = None if rows is None else positive_int(rows, "rows")
        self.seed = seed
        if progress_path is None:
            root, ext = os.path.splitext(re.sub(r"\{epoch[^}]*\}", "", self.path))
            head, tail = os.path.split(root)
            progress_path = os.path.join(head, tail.rstrip("_-.") + "_progress.png")
        self.progress_path = (
            None if progress_path is False else os.fspath(progress_path)
        )
        self.max_snapshots = positive_int(max_snapshots, "max_snapshots")
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        if self.log_dir is not None:
            try:
                import tensorboard  # noqa: F401  (tf.summary.image needs it)
            except ImportError:
                raise ImportError(
                    "`ImageGrid(log_dir=...)` writes TensorBoard summaries and "
                    "needs the `tensorboard` package: `pip install tensorboard`."
                ) from None
        self.name = name
        self.snapshots = []  # (epoch, grid, logs)
        self.written = []
        self._writer = None

    def on_train_begin(self, logs=None):
        self.snapshots = []

    def grid(self):
        """The current grid, uint8 `(H, W, C)`."""
        images = self.model.generate(self.num_images, seed=self.seed)
        return tile_images(images, rows=self.rows)

    def on_epoch_end(self, epoch, logs=None):
        last_epoch = (self.params or {}).get("epochs", 0) - 1
        if (epoch + 1) % self.every_n_epochs and epoch != last_epoch and (
            self.snapshots
        ):
            return
        grid = self.grid()
        path = self.path.format(epoch=epoch + 1)
        write_png(grid, path)
        self.written.append(path)
        self.snapshots.append((epoch + 1, grid, dict(logs or {})))
        if self.progress_path is not None:
            self.plot_progress(self.progress_path)
        if self.log_dir is not None:
            self._summary(grid, epoch + 1)

    def _summary(self, grid, step):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            tf.summary.image(self.name, grid[None], step=step)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def shown_snapshots(self):
        """The snapshots the progress image shows: all, or `max_snapshots`
        evenly spaced ones, first and last included."""
        n = len(self.snapshots)
        if n <= self.max_snapshots:
            return list(self.snapshots)
        picks = np.unique(np.round(np.linspace(0, n - 1, self.max_snapshots)))
        return [self.snapshots[int(i)] for i in picks]

    def plot_progress(self, path):
        """Writes the grids-over-training image to `path` (atomically)."""
        from matplotlib.figure import Figure

        from keras_modegan.callbacks.plotting import save_figure

        shown = self.shown_snapshots()
        cols = min(len(shown), 5)
        rows = int(np.ceil(len(shown) / cols))
        figure = Figure(figsize=(2.6 * cols, 2.9 * rows))
        axes = figure.subplots(rows, cols, squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, (epoch, grid, logs) in zip(axes.flat, shown):
            image = grid[..., 0] if grid.shape[-1] == 1 else grid
            ax.imshow(image, cmap="gray" if grid.shape[-1] == 1 else None,
                      vmin=0, vmax=255, interpolation="nearest")
            title = f"epoch {epoch}"
            if "modes" in logs:
                title += f"\n{int(logs['modes'])} modes"
                if "kl" in logs:
                    title += f", KL {float(logs['kl']):.2f}"
            ax.set_title(title, fontsize="small")
        figure.tight_layout()
        return save_figure(figure, path)
