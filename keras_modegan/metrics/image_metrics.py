"""FID, KID and precision/recall/density/coverage of images or generators.

Every function takes the real and the generated side as one of:

- a `FeatureStatistics` (e.g. from `reference_statistics`, computed once and
  cached; KID and PRDC need it to hold features);
- an array of images, a model with `generate` (an `AdversarialModel`) or a
  callable `(num_samples, seed) -> images`, run through `feature_extractor`
  in batches (`extract_statistics`);
- with `feature_extractor=None`, an array of features `(n, d)`.

and returns a dict holding the numbers and what they were measured with:
`feature_extractor` (its name), `num_real`, `num_generated` and
`reference` (the dataset and split of the real side, when known).
"""

from keras_modegan.metrics.feature_extractor import (
    as_feature_extractor,
    extract_statistics,
)
from keras_modegan.metrics.feature_statistics import FeatureStatistics
from keras_modegan.metrics.frechet import frechet_distance
from keras_modegan.metrics.mmd import kernel_distance
from keras_modegan.metrics.prdc import prdc_from_features

METRICS = ("fid", "kid", "prdc")


def _statistics(source, extractor, num_samples, batch_size, seed, keep, verbose):
    if isinstance(source, FeatureStatistics):
        if extractor is not None and source.name not in (None, extractor.name):
            raise ValueError(
                f"The statistics were computed with features {source.name!r}, "
                f"not {extractor.name!r}: they cannot be compared."
            )
        if keep and source.features is None:
            raise ValueError(
                "KID and precision/recall/density/coverage need the features "
                "themselves; these statistics hold only the mean and covariance "
                "(compute them with keep_features=True)."
            )
        return source
    if extractor is None:
        import numpy as np

        features = np.asarray(source)
        if features.ndim != 2:
            raise ValueError(
                "With feature_extractor=None the inputs must be features (n, d). "
                f"Received shape {features.shape}"
            )
        if num_samples is not None:
            features = features[:num_samples]
        return FeatureStatistics.from_features(features, keep_features=keep)
    return extract_statistics(
        source, extractor, num_samples=num_samples, batch_size=batch_size,
        seed=seed, keep_features=keep, verbose=verbose,
    )


def image_metrics(
    real,
    generated,
    metrics=METRICS,
    feature_extractor="inception",
    num_real=None,
    num_generated=None,
    batch_size=None,
    seed=0,
    reference=None,
    kid_subsets=100,
    kid_subset_size=1000,
    nearest_k=5,
    verbose=1,
):
    """Several image metrics from one pass of feature extraction.

    Args:
        real: the real side (see the module docstring).
        generated: the generated side.
        metrics: any of `"fid"`, `"kid"` (adds `kid` and `kid_std`),
            `"prdc"` (adds `precision`, `recall`, `density`, `coverage`).
        feature_extractor: `"inception"` (default: the FID Inception
            network, TTUR's preprocessing), `"inception_pytorch_fid"`, a
            `keras.Model` (its penultimate layer), a `FeatureExtractor`, a
            callable with a name (use a `FeatureExtractor`), or None
            (inputs are features).
        num_real: real samples used (default all of an array).
        num_generated: generated samples (default: as many as real ones).
        batch_size: images per step (default the extractor's).
        seed: int, seed of the generator's draws (and of nothing else).
        reference: str naming the real data, e.g. `"mnist:test"` (default:
            the statistics' own, if any).
        kid_subsets, kid_subset_size: KID's subsets (torch-fidelity's 100
            of 1000; the size is capped at the smaller sample count).
        nearest_k: k of precision/recall/density/coverage (Naeem et al.: 5).
        verbose: 1 for progress bars.

    Returns:
        dict: the metrics, `feature_extractor`, `num_real`,
        `num_generated`, `reference`.
    """
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"`metrics` must be a non-empty subset of {METRICS}. Received: {metrics!r}"
        )
    extractor = (None if feature_extractor is None
                 else as_feature_extractor(feature_extractor))
    keep = "kid" in metrics or "prdc" in metrics
    real_stats = _statistics(real, extractor, num_real, batch_size, seed, keep, verbose)
    if num_generated is None:
        num_generated = real_stats.count
    gen_stats = _statistics(generated, extractor, num_generated, batch_size, seed,
                            keep, verbose)
    name = extractor.name if extractor is not None else (
        real_stats.name or gen_stats.name or "given_features")
    result = {}
    if "fid" in metrics:
        result["fid"] = frechet_distance(real_stats.mean, real_stats.covariance,
                                         gen_stats.mean, gen_stats.covariance)
    if "kid" in metrics:
        size = min(kid_subset_size, len(real_stats.features), len(gen_stats.features))
        result["kid"], result["kid_std"] = kernel_distance(
            real_stats.features, gen_stats.features, subsets=kid_subsets,
            subset_size=size,
        )
        result["kid_subset_size"] = size
    if "prdc" in metrics:
        result.update(prdc_from_features(real_stats.features, gen_stats.features,
                                         nearest_k=nearest_k))
        result["nearest_k"] = nearest_k
    result.update(
        feature_extractor=name,
        num_real=real_stats.count,
        num_generated=gen_stats.count,
        reference=reference or real_stats.reference,
    )
    return result


def fid(real, generated, feature_extractor="inception", **kwargs):
    """Fréchet Inception Distance (Heusel et al. 2017, https://arxiv.org/abs/1706.08500).

    The Fréchet distance between Gaussians fitted to the real and the
    generated features (`frechet_distance`). With the default
    `feature_extractor="inception"` and the pytorch-fid release weights
    this is the FID of the papers (TTUR's preprocessing); any other
    extractor gives a number comparable only with itself, and the result's
    `feature_extractor` says which. FID depends on the sample counts
    (it is biased): compare numbers with the same `num_generated`.

    Args:
        real, generated: see the module docstring.
        feature_extractor: see `image_metrics`.
        **kwargs: `num_real`, `num_generated`, `batch_size`, `seed`,
            `reference`, `verbose` (see `image_metrics`).

    Returns:
        dict with `fid`, `feature_extractor`, `num_real`, `num_generated`,
        `reference`.

    Example:

    ```python
    stats = reference_statistics("mnist", "test", feature_extractor=classifier)
    fid(stats, model, feature_extractor=classifier, num_generated=10000)
    ```
    """
    return image_metrics(real, generated, ("fid",), feature_extractor, **kwargs)


def kid(real, generated, feature_extractor="inception", subsets=100,
        subset_size=1000, **kwargs):
    """Kernel Inception Distance (Bińkowski et al. 2018, https://arxiv.org/abs/1801.01401).

    The unbiased MMD^2 with the kernel `(<x, y> / d + 1) ** 3`, averaged over
    `subsets` random subsets of `subset_size` samples of each side, as
    torch-fidelity computes it (`kernel_distance`; the same subsets for its
    default seed 2020). Unlike FID it is unbiased in the sample count.

    Args:
        real, generated, feature_extractor: see `image_metrics`.
        subsets, subset_size: positive ints (the size is capped at the
            smaller sample count and reported as `kid_subset_size`).
        **kwargs: see `fid`.

    Returns:
        dict with `kid`, `kid_std`, `kid_subset_size`, `feature_extractor`,
        `num_real`, `num_generated`, `reference`.
    """
    return image_metrics(real, generated, ("kid",), feature_extractor,
                         kid_subsets=subsets, kid_subset_size=subset_size, **kwargs)


def precision_recall_density_coverage(real, generated, feature_extractor="inception",
                                      nearest_k=5, **kwargs):
    """Precision, recall, density and coverage (Naeem et al. 2020, https://arxiv.org/abs/2002.09797).

    See `prdc_from_features`; `k = 5` as in the paper.

    Args:
        real, generated, feature_extractor: see `image_metrics`.
        nearest_k: positive int.
        **kwargs: see `fid`.

    Returns:
        dict with `precision`, `recall`, `density`, `coverage`, `nearest_k`,
        `feature_extractor`, `num_real`, `num_generated`, `reference`.
    """
    return image_metrics(real, generated, ("prdc",), feature_extractor,
                         nearest_k=nearest_k, **kwargs)
