"""Feature statistics of a real dataset, computed once and cached."""

import os

from keras_modegan.metrics.feature_extractor import (
    as_feature_extractor,
    extract_statistics,
    safe_name,
)
from keras_modegan.metrics.feature_statistics import FeatureStatistics
from keras_modegan.metrics.inception import keras_home

CACHE_SUBDIR = os.path.join("keras_modegan", "reference_statistics")
MAX_KEPT = 10000  # features kept for KID / PRDC (80 MB for Inception)


def reference_statistics_path(dataset, split, feature_extractor, num_samples=None,
                              cache_dir=None):
    """Where `reference_statistics` caches a dataset's statistics:
    `<cache_dir or $KERAS_HOME or ~/.keras>/keras_modegan/reference_statistics/
    <dataset>-<split>-<extractor name>[-n<num_samples>].npz`."""
    if isinstance(feature_extractor, str):
        name = _extractor_name(feature_extractor)
    else:
        name = as_feature_extractor(feature_extractor).name
    base = os.path.expanduser(cache_dir or keras_home())
    parts = [safe_name(dataset), safe_name(split), safe_name(name)]
    if num_samples is not None:
        parts.append(f"n{int(num_samples)}")
    return os.path.join(base, CACHE_SUBDIR, "-".join(parts) + ".npz")


def _extractor_name(name):
    # The names of the string extractors, without building the network.
    from keras_modegan.metrics.feature_extractor import INCEPTION_NAMES

    names = {"inception": INCEPTION_NAMES["tf1"],
             "inception_pytorch_fid": INCEPTION_NAMES["pytorch_fid"]}
    if name not in names:
        return as_feature_extractor(name).name  # raises the usual error
    return names[name]


def reference_statistics(
    dataset,
    split="train",
    feature_extractor="inception",
    images=None,
    num_samples=None,
    batch_size=None,
    cache_dir=None,
    max_kept=MAX_KEPT,
    overwrite=False,
    verbose=1,
):
    """Statistics of a real dataset's features, computed once and cached.

    The first call extracts the features (`extract_statistics`, batched,
    with a progress bar) and writes mean, covariance, count and up to
    `max_kept` features to an `.npz` keyed by dataset, split and feature
    extractor (`reference_statistics_path`), atomically, so that an
    interrupted run leaves no half-written cache; later calls read it.

    Args:
        dataset: the dataset's name (`"mnist"`, `"cifar10"`, ...; images are
            loaded with `keras_modegan.datasets.images.load_images`, in
            [-1, 1]) or any name for `images` given here.
        split: the split (`"train"`, `"test"`, `"train[:10000]"`).
        feature_extractor: anything `as_feature_extractor` accepts.
        images: the images themselves (then `dataset` and `split` only name
            them), or None to load them.
        num_samples: use the first this many images; None for all.
        batch_size: images per step (default the extractor's).
        cache_dir: cache root (default `$KERAS_HOME` or `~/.keras`).
        max_kept: features kept for KID / PRDC.
        overwrite: recompute even if cached.
        verbose: 1 for a progress bar.

    Returns:
        A `FeatureStatistics` whose `reference` is `"<dataset>:<split>"`.
    """
    extractor = feature_extractor
    path = reference_statistics_path(dataset, split, extractor, num_samples, cache_dir)
    if os.path.isfile(path) and not overwrite:
        return FeatureStatistics.load(path)
    extractor = as_feature_extractor(feature_extractor)
    if images is None:
        from keras_modegan.datasets.images import load_images

        images = load_images(dataset, split, as_numpy=True)
    stats = extract_statistics(
        images, extractor, num_samples=num_samples, batch_size=batch_size,
        keep_features=True, max_kept=max_kept, verbose=verbose,
    )
    stats.reference = f"{dataset}:{split}"
    stats.save(path)
    return stats
