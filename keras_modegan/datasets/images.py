"""Image datasets: MNIST, Fashion-MNIST, CIFAR-10 and CelebA in [-1, 1].

Every loader returns NHWC float32 images scaled to [-1, 1] (`x / 127.5 -
1`, the range of a `tanh` generator), as a `tf.data.Dataset` (the default;
works as `fit` input under every Keras backend) or, with `as_numpy=True`,
as a NumPy array.

Where the images come from, first match wins:

1. MNIST and Fashion-MNIST only: a `.npz` file in the
   `keras.datasets.mnist` layout (uint8 arrays `x_train` `(60000, 28, 28)`,
   `y_train`, `x_test`, `y_test`), given as `data_dir` itself or found as
   `<data_dir>/mnist.npz` (`fashion_mnist.npz`), where `data_dir` is the
   argument or, if it is None, the environment variable
   `KERAS_MODEGAN_DATA_DIR`.
2. tensorflow-datasets (`tfds.load(name, data_dir=data_dir)`), which
   downloads and prepares the dataset on first use (into `data_dir`, or
   TFDS's default `~/tensorflow_datasets` when no directory is set) and
   reads it from there afterwards.

CelebA is cropped at the centre to 160x160 and resized (bilinear) to
64x64, the preprocessing of Lucic et al. 2018 ("Are GANs Created Equal?",
https://arxiv.org/abs/1711.10337, their `compare_gan` library).
"""

import os
import re

import numpy as np

DATA_DIR_ENV = "KERAS_MODEGAN_DATA_DIR"

# name -> (TFDS name, image shape, has labels, npz file name or None)
IMAGE_DATASETS = {
    "mnist": ("mnist", (28, 28, 1), True, "mnist.npz"),
    "fashion_mnist": ("fashion_mnist", (28, 28, 1), True, "fashion_mnist.npz"),
    "cifar10": ("cifar10", (32, 32, 3), True, None),
    "celeb_a": ("celeb_a", (64, 64, 3), False, None),
}
CELEB_A_CROP = 160  # compare_gan: centre crop 160x160, then resize to 64x64

_SPLIT = re.compile(r"^(train|test)(?:\[(-?\d*):(-?\d*)\])?$")


def to_unit_range(images):
    """uint8 (or [0, 255]) images to float32 in [-1, 1]: `x / 127.5 - 1`."""
    return np.asarray(images, dtype="float32") / 127.5 - 1.0


def resolve_data_dir(data_dir=None):
    """`data_dir`, else `$KERAS_MODEGAN_DATA_DIR`, else None."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or None
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise ValueError(
            "`data_dir` must be a path (str) or None. "
            f"Received: data_dir={data_dir!r}"
        )
    return None if data_dir is None else os.fspath(data_dir)


def find_npz(name, data_dir=None):
    """The local `.npz` file that `name` (`"mnist"` or `"fashion_mnist"`)
    would be read from, or None (see the module docstring)."""
    npz_name = IMAGE_DATASETS[name][3]
    data_dir = resolve_data_dir(data_dir)
    if npz_name is None or data_dir is None:
        return None
    if os.path.isfile(data_dir) and data_dir.endswith(".npz"):
        return data_dir
    path = os.path.join(data_dir, npz_name)
    return path if os.path.isfile(path) else None


def load_npz(path, split="train"):
    """Images and labels of `split` from a `keras.datasets.mnist`-layout file.

    Args:
        path: the `.npz` file (uint8 `x_train`, `y_train`, `x_test`,
            `y_test`; images `(N, 28, 28)` or `(N, 28, 28, 1)`).
        split: `"train"`, `"test"`, a slice of one (`"train[:1000]"`,
            `"test[-500:]"`), or several joined by `+` (`"train+test"`).

    Returns:
        `(x, y)`: uint8 images `(N, 28, 28, 1)` and int64 labels `(N,)`.
    """
    parts = _parse_split(split)
    with np.load(path) as data:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise ValueError(
                f"{path} is not in the keras.datasets.mnist layout: it lacks "
                f"{sorted(missing)} (it holds {sorted(data.files)})."
            )
        xs, ys = [], []
        for part, start, stop in parts:
            xs.append(data[f"x_{part}"][start:stop])
            ys.append(data[f"y_{part}"][start:stop])
    x = np.concatenate(xs)
    if x.ndim == 3:
        x = x[..., None]
    return x.astype("uint8"), np.concatenate(ys).astype("int64")


def _parse_split(split):
    if not isinstance(split, str):
        raise ValueError(f"`split` must be a string. Received: split={split!r}")
    parts = []
    for piece in split.split("+"):
        match = _SPLIT.match(piece.strip())
        if match is None:
            raise ValueError(
                "For a local .npz file `split` must be 'train', 'test', a "
                "slice of one ('train[:1000]') or several joined by '+' "
                f"('train+test'). Received: split={split!r}"
            )
        part, start, stop = match.groups()
        parts.append(
            (part, int(start) if start else None, int(stop) if stop else None)
        )
    return parts


def _tfds_preprocess(name):
    import tensorflow as tf

    has_labels = IMAGE_DATASETS[name][2]
    shape = IMAGE_DATASETS[name][1]

    def preprocess(example):
        image = example["image"]
        if name == "celeb_a":
            image = tf.image.resize_with_crop_or_pad(image, CELEB_A_CROP, CELEB_A_CROP)
            image = tf.image.resize(image, shape[:2], method="bilinear")
            image = tf.clip_by_value(image, 0.0, 255.0)
        image = tf.cast(image, tf.float32) / 127.5 - 1.0
        image = tf.ensure_shape(image, shape)
        if has_labels:
            return image, tf.cast(example["label"], tf.int64)
        return image

    return preprocess


def load_images(
    name,
    split="train",
    data_dir=None,
    as_numpy=False,
    with_labels=False,
    batch_size=None,
    shuffle_seed=None,
    download=True,
):
    """Loads an image dataset scaled to [-1, 1], NHWC float32.

    Args:
        name: one of `IMAGE_DATASETS` (`"mnist"`, `"fashion_mnist"`,
            `"cifar10"`, `"celeb_a"`).
        split: a TFDS split string (`"train"`, `"test"`, `"train[:1000]"`,
            `"train+test"`; CelebA also has `"validation"`).
        data_dir: a directory holding `mnist.npz` / `fashion_mnist.npz` or
            TFDS's prepared data, or the `.npz` file itself; None reads
            `$KERAS_MODEGAN_DATA_DIR` (see the module docstring).
        as_numpy: return NumPy arrays instead of a `tf.data.Dataset` (the
            whole split in memory: 0.9 GB for CelebA's test split).
        with_labels: also return the int64 labels (not for CelebA), as
            `(x, y)` arrays or a dataset of `(image, label)` pairs.
        batch_size: None for a dataset of single images; a positive int
            for a shuffled (each epoch anew, from `shuffle_seed`), batched,
            prefetched dataset that drops the last partial batch (so every
            step has `batch_size` images), ready for `fit`. Ignored with
            `as_numpy=True`.
        shuffle_seed: int seed of the shuffle (with `batch_size`); None
            for 0.
        download: let TFDS download and prepare the dataset when it is not
            in `data_dir` yet.

    Returns:
        A `tf.data.Dataset`, or with `as_numpy=True` an array `(N, H, W, C)`
        (and labels `(N,)` with `with_labels=True`).

    Example:

    ```python
    ds = load_images("mnist", batch_size=128)            # for fit
    x = load_images("cifar10", "test", as_numpy=True)    # (10000, 32, 32, 3)
    ```
    """
    import tensorflow as tf

    if name not in IMAGE_DATASETS:
        raise ValueError(
            f"Unknown image dataset {name!r}. Accepted: {sorted(IMAGE_DATASETS)}"
        )
    tfds_name, shape, has_labels, _ = IMAGE_DATASETS[name]
    if with_labels and not has_labels:
        raise ValueError(f"{name!r} has no class labels: use `with_labels=False`.")
    if batch_size is not None:
        from keras_modegan.utils.validation import positive_int

        batch_size = positive_int(batch_size, "batch_size")
    npz = find_npz(name, data_dir)
    if npz is not None:
        x_uint8, y = load_npz(npz, split)
        x = to_unit_range(x_uint8)
        if as_numpy:
            return (x, y) if with_labels else x
        ds = tf.data.Dataset.from_tensor_slices((x, y) if with_labels else x)
    else:
        import tensorflow_datasets as tfds

        ds = tfds.load(
            tfds_name,
            split=split,
            data_dir=resolve_data_dir(data_dir),
            download=download,
            shuffle_files=False,
        )
        preprocess = _tfds_preprocess(name)
        if has_labels and not with_labels:
            fn = lambda ex: preprocess(ex)[0]  # noqa: E731
        else:
            fn = preprocess
        ds = ds.map(fn, num_parallel_calls=tf.data.AUTOTUNE)
        if as_numpy:
            arrays = [b for b in tfds.as_numpy(ds.batch(1024))]
            if with_labels:
                return (
                    np.concatenate([a for a, _ in arrays]).reshape((-1,) + shape),
                    np.concatenate([b for _, b in arrays]).astype("int64"),
                )
            return np.concatenate(arrays).reshape((-1,) + shape) if arrays else (
                np.zeros((0,) + shape, "float32")
            )
    if batch_size is None:
        return ds
    seed = 0 if shuffle_seed is None else shuffle_seed
    return (
        ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def mnist(split="train", data_dir=None, **kwargs):
    """MNIST digits, `(28, 28, 1)` in [-1, 1]; see `load_images` for the
    arguments. A `keras.datasets.mnist`-layout `mnist.npz` in `data_dir` (or
    `$KERAS_MODEGAN_DATA_DIR`), or `data_dir` pointing at the file, is read
    directly.

    Example:

    ```python
    x, y = mnist("test", data_dir="data/mnist.npz", as_numpy=True,
                 with_labels=True)
    ```
    """
    return load_images("mnist", split, data_dir, **kwargs)


def fashion_mnist(split="train", data_dir=None, **kwargs):
    """Fashion-MNIST, `(28, 28, 1)` in [-1, 1]; a `fashion_mnist.npz` in the
    MNIST layout is read directly. See `load_images`."""
    return load_images("fashion_mnist", split, data_dir, **kwargs)


def cifar10(split="train", data_dir=None, **kwargs):
    """CIFAR-10, `(32, 32, 3)` in [-1, 1], through TFDS. See `load_images`."""
    return load_images("cifar10", split, data_dir, **kwargs)


def celeb_a(split="train", data_dir=None, **kwargs):
    """CelebA, centre-cropped to 160x160 and resized to `(64, 64, 3)`, in
    [-1, 1] (Lucic et al. 2018), through TFDS; no labels. See
    `load_images`."""
    return load_images("celeb_a", split, data_dir, **kwargs)
