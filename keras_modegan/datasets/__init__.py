"""Benchmark data: Gaussian mixtures with known modes (and, later, images).

`load_mixture(name)` returns `(x, spec)`; `as_dataset(x, batch_size)` wraps
it in a shuffled, batched, prefetched `tf.data.Dataset`.
"""

from keras_modegan.datasets.mixtures import (
    MIXTURES,
    MixtureSpec,
    as_dataset,
    get_spec,
    load_mixture,
)

__all__ = ["MIXTURES", "MixtureSpec", "as_dataset", "get_spec", "load_mixture"]
