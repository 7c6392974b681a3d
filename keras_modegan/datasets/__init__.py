"""Benchmark data: Gaussian mixtures with known modes, and images.

`load_mixture(name)` returns `(x, spec)`; `as_dataset(x, batch_size)` wraps
it in a shuffled, batched, prefetched `tf.data.Dataset`. `mnist`,
`fashion_mnist`, `cifar10`, `celeb_a` load images in [-1, 1];
`StackedMNIST` builds the 1,000-mode Stacked MNIST of a paper's protocol.
"""

from keras_modegan.datasets.images import (
    DATA_DIR_ENV,
    IMAGE_DATASETS,
    celeb_a,
    cifar10,
    fashion_mnist,
    load_images,
    mnist,
)
from keras_modegan.datasets.mixtures import (
    MIXTURES,
    MixtureSpec,
    as_dataset,
    get_spec,
    load_mixture,
)
from keras_modegan.datasets.stacked_mnist import (
    STACKED_MNIST_PROTOCOLS,
    UNROLLED_GAN_NUM_EVAL,
    VEEGAN_NUM_EVAL,
    StackedMNIST,
    StackedMNISTProtocol,
    stacked_mnist,
)

__all__ = [
    "DATA_DIR_ENV",
    "IMAGE_DATASETS",
    "MIXTURES",
    "MixtureSpec",
    "STACKED_MNIST_PROTOCOLS",
    "StackedMNIST",
    "StackedMNISTProtocol",
    "UNROLLED_GAN_NUM_EVAL",
    "VEEGAN_NUM_EVAL",
    "as_dataset",
    "celeb_a",
    "cifar10",
    "fashion_mnist",
    "get_spec",
    "load_images",
    "load_mixture",
    "mnist",
    "stacked_mnist",
]
