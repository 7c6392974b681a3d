"""Stacked MNIST: three MNIST digits as the channels of one 28x28x3 image.

An image stacks digits `d1, d2, d3` as channels 0, 1, 2; its label is
`100 * d1 + 10 * d2 + d3`, one of 1,000 modes. Two protocols, as in the
papers' tables (and PacGAN's code, https://github.com/fjxmlzn/PacGAN, that
re-implements both):

- `"unrolled_gan"` (Metz et al. 2017, https://arxiv.org/abs/1611.02163,
  Sec. 3.3; MD-GAN Table 3, Dist-GAN Table 1): the three digits are drawn
  uniformly, independently and with replacement from the 60,000 MNIST
  training digits, fresh for every image ("on the fly": each epoch of
  `dataset()` is a new draw); 25,600 generated samples are scored.
- `"veegan"` (Srivastava et al. 2017, https://arxiv.org/abs/1705.07761,
  Sec. 5.2; PacGAN Table 2, the mode-penalty GAN's Table 2): 128,000 fixed
  images, each stacking three digits drawn uniformly with replacement from
  the 70,000 MNIST digits (train and test); 26,000 generated samples are
  scored.

Every draw comes from `numpy.random.default_rng` seeded by the `seed` (and
the epoch), so a seed gives the same images on every backend and machine.
Images are float32 in [-1, 1] (`x / 127.5 - 1`), NHWC.
"""

import dataclasses
import itertools

import numpy as np

NUM_MODES = 1000
UNROLLED_GAN_NUM_EVAL = 25_600
VEEGAN_NUM_EVAL = 26_000
VEEGAN_NUM_TRAIN = 128_000


@dataclasses.dataclass(frozen=True)
class StackedMNISTProtocol:
    """How a paper builds and scores Stacked MNIST.

    Args:
        name: the registry name.
        source_split: the MNIST split the digits come from.
        num_train: number of fixed training images, or None when images are
            drawn on the fly.
        num_eval_samples: generated samples the protocol scores.
        batch_size: the paper's batch size.
        paper: where the protocol comes from.
    """

    name: str
    source_split: str
    num_train: int | None
    num_eval_samples: int
    batch_size: int
    paper: str


STACKED_MNIST_PROTOCOLS = {
    "unrolled_gan": StackedMNISTProtocol(
        "unrolled_gan", "train", None, UNROLLED_GAN_NUM_EVAL, 128,
        "Metz et al. 2017, Unrolled GAN, Sec. 3.3",
    ),
    "veegan": StackedMNISTProtocol(
        "veegan", "train+test", VEEGAN_NUM_TRAIN, VEEGAN_NUM_EVAL, 64,
        "Srivastava et al. 2017, VEEGAN, Sec. 5.2",
    ),
}


def get_protocol(protocol):
    """A `StackedMNISTProtocol` from itself or its name."""
    if isinstance(protocol, StackedMNISTProtocol):
        return protocol
    if protocol not in STACKED_MNIST_PROTOCOLS:
        raise ValueError(
            f"Unknown Stacked MNIST `protocol` {protocol!r}. Accepted: "
            f"{sorted(STACKED_MNIST_PROTOCOLS)}"
        )
    return STACKED_MNIST_PROTOCOLS[protocol]


def stacked_labels(digits):
    """Labels `100 * d1 + 10 * d2 + d3` of digit triples `(N, 3)`."""
    digits = np.asarray(digits, dtype="int64")
    if digits.ndim != 2 or digits.shape[1] != 3:
        raise ValueError(
            f"`digits` must have shape (N, 3). Received shape: {digits.shape}"
        )
    return digits @ np.array([100, 10, 1], dtype="int64")


def _as_uint8(images):
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            "`digits` images must have shape (N, 28, 28) or (N, 28, 28, 1). "
            f"Received shape: {images.shape}"
        )
    if images.dtype == np.uint8:
        return images
    if np.min(images) < -1.0 - 1e-6 or np.max(images) > 1.0 + 1e-6:
        raise ValueError(
            "`digits` images must be uint8 or floats in [-1, 1]. Received "
            f"values in [{np.min(images)}, {np.max(images)}]"
        )
    return np.round((images.astype("float64") + 1.0) * 127.5).astype("uint8")


class StackedMNIST:
    """Stacked MNIST images and labels for one protocol.

    Args:
        protocol: `"unrolled_gan"` or `"veegan"` (see the module docstring),
            or a `StackedMNISTProtocol`.
        seed: int, seed of every draw (fixed images, on-the-fly triples,
            shuffles).
        data_dir: where MNIST is read (`keras_modegan.datasets.mnist`: a
            `mnist.npz` file or its directory, TFDS data; None reads
            `$KERAS_MODEGAN_DATA_DIR`, then TFDS).
        digits: optional `(images, labels)` to stack instead of the
            protocol's MNIST split: uint8 images `(N, 28, 28[, 1])` (or
            floats in [-1, 1]) and digit labels `(N,)` (e.g. a few hundred
            digits for a quick test).
        samples_per_epoch: images per epoch of `dataset()` for the on-the-fly
            protocol (default `num_eval_samples`, 25,600: 200 steps at batch
            128). The fixed protocol's epoch is its `num_train` images.

    Attributes:
        protocol: the `StackedMNISTProtocol`.
        num_eval_samples: generated samples the protocol scores (25,600 or
            26,000).
        num_modes: 1,000.

    Example:

    ```python
    data = StackedMNIST("unrolled_gan", seed=0)
    model.fit(data.dataset(batch_size=128), epochs=10, callbacks=[
        StackedMNISTCoverage(data=data)])
    ```
    """

    num_modes = NUM_MODES

    def __init__(
        self, protocol="unrolled_gan", seed=0, data_dir=None, digits=None,
        samples_per_epoch=None,
    ):
        self.protocol = get_protocol(protocol)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` must be an int. Received: seed={seed!r}")
        self.seed = int(seed)
        self.num_eval_samples = self.protocol.num_eval_samples
        if samples_per_epoch is None:
            samples_per_epoch = self.protocol.num_train or self.num_eval_samples
        from keras_modegan.utils.validation import positive_int

        self.samples_per_epoch = positive_int(samples_per_epoch, "samples_per_epoch")
        if self.protocol.num_train is not None and samples_per_epoch != (
            self.protocol.num_train
        ):
            raise ValueError(
                f"Protocol {self.protocol.name!r} has {self.protocol.num_train} "
                "fixed images: `samples_per_epoch` only applies to the on-the-fly "
                f"protocol. Received: samples_per_epoch={samples_per_epoch}"
            )
        if digits is None:
            from keras_modegan.datasets.images import find_npz, load_npz, mnist

            npz = find_npz("mnist", data_dir)
            if npz is not None:  # uint8 straight from the file
                images, labels = load_npz(npz, self.protocol.source_split)
            else:
                images, labels = mnist(
                    self.protocol.source_split, data_dir, as_numpy=True,
                    with_labels=True,
                )
        else:
            if not isinstance(digits, (tuple, list)) or len(digits) != 2:
                raise ValueError(
                    "`digits` must be a pair (images, labels). "
                    f"Received: {type(digits).__name__}"
                )
            images, labels = digits
        self.digit_images = _as_uint8(images)
        self.digit_labels = np.asarray(labels, dtype="int64").reshape(-1)
        if len(self.digit_labels) != len(self.digit_images) or not len(
            self.digit_images
        ):
            raise ValueError(
                "`digits` must hold as many labels as images (and at least "
                f"one). Received {len(self.digit_images)} images, "
                f"{len(self.digit_labels)} labels"
            )
        if np.any((self.digit_labels < 0) | (self.digit_labels > 9)):
            raise ValueError("`digits` labels must be digits 0-9.")
        self._fixed = None
        if self.protocol.num_train is not None:
            rng = np.random.default_rng([self.seed, 0])
            self._fixed = rng.integers(
                0, len(self.digit_images), (self.protocol.num_train, 3)
            )

    @property
    def on_the_fly(self):
        """Whether images are drawn anew every epoch (Unrolled GAN)."""
        return self._fixed is None

    def indices(self, epoch=0):
        """Indices `(samples_per_epoch, 3)` of the digits of an epoch's
        images: the fixed set for the fixed protocol (whatever `epoch`),
        a fresh draw seeded by `(seed, epoch)` on the fly."""
        if self._fixed is not None:
            return self._fixed
        rng = np.random.default_rng([self.seed, 1, int(epoch)])
        return rng.integers(0, len(self.digit_images), (self.samples_per_epoch, 3))

    def stack(self, indices):
        """Images `(N, 28, 28, 3)` in [-1, 1] and labels `(N,)` of index
        triples `(N, 3)` into the digits."""
        indices = np.asarray(indices, dtype="int64")
        images = np.moveaxis(self.digit_images[indices], 1, -1)
        x = images.astype("float32") / 127.5 - 1.0
        return x, stacked_labels(self.digit_labels[indices])

    def numpy(self, epoch=0, with_labels=False):
        """The images of one epoch (all `num_train` for the fixed protocol:
        1.2 GB as float32 for VEEGAN's 128,000), as `dataset()` yields them
        before shuffling, and their labels with `with_labels=True`."""
        x, y = self.stack(self.indices(epoch))
        return (x, y) if with_labels else x

    def labels(self, epoch=0):
        """Labels of one epoch's images (see `numpy`)."""
        return stacked_labels(self.digit_labels[self.indices(epoch)])

    def label_distribution(self):
        """The training distribution over the 1,000 labels, `(1000,)`.

        On the fly it is exact: the product of the three digits' frequencies
        in the source digits. For the fixed protocol it is the label
        histogram of the `num_train` images, normalized.
        """
        if self._fixed is not None:
            counts = np.bincount(self.labels(), minlength=NUM_MODES)
            return counts / counts.sum()
        freq = np.bincount(self.digit_labels, minlength=10) / len(self.digit_labels)
        return np.einsum("i,j,k->ijk", freq, freq, freq).reshape(NUM_MODES)

    def dataset(self, batch_size=None, with_labels=False, drop_remainder=True):
        """A `tf.data.Dataset` of Stacked MNIST images, ready for `fit`.

        One pass is one epoch of `samples_per_epoch` images. On the fly
        every pass draws new triples (pass `e` has `numpy(epoch=e)`'s
        images, in order); the fixed protocol reshuffles its images every
        pass. Images are stacked inside the pipeline from the 28x28 digits,
        so the dataset holds only uint8 digits and index triples.

        Args:
            batch_size: None for single images, else a positive int.
            with_labels: yield `(image, label)` pairs.
            drop_remainder: drop a last partial batch (so JAX traces one
                step shape).

        Returns:
            A `tf.data.Dataset`.
        """
        import tensorflow as tf

        digits = tf.constant(self.digit_images)
        digit_labels = tf.constant(self.digit_labels)
        weights = tf.constant([100, 10, 1], dtype=tf.int64)
        if self._fixed is not None:
            ds = tf.data.Dataset.from_tensor_slices(self._fixed).shuffle(
                len(self._fixed), seed=self.seed, reshuffle_each_iteration=True
            )
        else:
            epochs = itertools.count()

            def draw():
                yield self.indices(next(epochs))

            ds = (
                tf.data.Dataset.from_generator(
                    draw, output_signature=tf.TensorSpec((None, 3), tf.int64)
                )
                .unbatch()
                # Known epoch length: `fit` shows progress and never warns
                # that the input ran out.
                .apply(tf.data.experimental.assert_cardinality(self.samples_per_epoch))
            )

        def stack(index):
            # (..., 3, 28, 28) -> (..., 28, 28, 3)
            image = tf.gather(digits, index)
            rank = len(image.shape)
            perm = list(range(rank - 3)) + [rank - 2, rank - 1, rank - 3]
            image = tf.cast(tf.transpose(image, perm), tf.float32) / 127.5 - 1.0
            if not with_labels:
                return image
            label = tf.reduce_sum(tf.gather(digit_labels, index) * weights, axis=-1)
            return image, label

        if batch_size is not None:
            from keras_modegan.utils.validation import positive_int

            batch_size = positive_int(batch_size, "batch_size")
            ds = ds.batch(batch_size, drop_remainder=drop_remainder)
        return ds.map(stack, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
            tf.data.AUTOTUNE
        )

    def __repr__(self):
        return (
            f"StackedMNIST(protocol={self.protocol.name!r}, seed={self.seed}, "
            f"digits={len(self.digit_images)}, "
            f"samples_per_epoch={self.samples_per_epoch}, "
            f"num_eval_samples={self.num_eval_samples})"
        )


def stacked_mnist(
    protocol="unrolled_gan", batch_size=None, seed=0, data_dir=None,
    as_numpy=False, with_labels=False, **kwargs,
):
    """Stacked MNIST of `protocol` as a `tf.data.Dataset` (or NumPy).

    A shortcut for `StackedMNIST(protocol, seed, data_dir, **kwargs)`
    followed by `.dataset(batch_size, with_labels)` or, with
    `as_numpy=True`, `.numpy(with_labels=with_labels)` (epoch 0). Use the
    class to also get `num_eval_samples` and `label_distribution()`.

    Example:

    ```python
    ds = stacked_mnist("unrolled_gan", batch_size=128)
    DistGAN.from_dcgan((28, 28, 3)).fit(ds, epochs=10)
    ```
    """
    data = StackedMNIST(protocol, seed=seed, data_dir=data_dir, **kwargs)
    if as_numpy:
        return data.numpy(with_labels=with_labels)
    return data.dataset(batch_size, with_labels=with_labels)
