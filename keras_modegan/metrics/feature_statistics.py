"""`FeatureStatistics`: streaming mean and covariance of features."""

import os

import numpy as np

from keras_modegan.utils.atomic_write import atomic_write


class FeatureStatistics:
    """Mean and covariance of features, accumulated batch by batch in float64.

    Memory is `O(d^2)` whatever the number of samples (32 MB for 2048-D
    Inception features), so 50,000 samples never need to be held at once.
    Batches are merged with the pairwise update of Chan et al. (1979,
    "Updating formulae and a pairwise algorithm for computing sample
    variances"): the per-batch centred scatter plus the correction for the
    shift of the mean, which keeps float64 precision where the textbook
    `E[x x^T] - mu mu^T` loses it. `covariance` is the unbiased estimate
    (`ddof=1`, as `np.cov` and pytorch-fid compute it).

    Args:
        dim: feature dimension, or None to take it from the first batch.
        name: the feature extractor's name (recorded with the statistics).
        keep_features: also keep the features themselves (float32), for
            KID and precision/recall/density/coverage, which need samples.
        max_kept: keep at most this many features (the first ones); None
            for all.
        reference: str naming the data, e.g. `"mnist:test"`, or None.

    Example:

    ```python
    stats = FeatureStatistics(name="inception_v3_pool3_tf1")
    for batch in batches:
        stats.update(extractor(batch))
    fid = frechet_distance(stats.mean, stats.covariance, mu, sigma)
    ```
    """

    def __init__(self, dim=None, name=None, keep_features=False, max_kept=None,
                 reference=None):
        self.dim = dim
        self.name = name
        self.reference = reference
        self.keep_features = bool(keep_features)
        self.max_kept = max_kept
        self.count = 0
        self._mean = None if dim is None else np.zeros(dim)
        self._scatter = None if dim is None else np.zeros((dim, dim))
        self._kept = []
        self._num_kept = 0
        self._features = None

    def update(self, features):
        """Adds a batch `(n, d)` of features. Returns `self`."""
        x = np.asarray(features, dtype="float64")
        if x.ndim != 2:
            raise ValueError(
                f"`features` must be a 2-D array (samples, dim). Received shape "
                f"{x.shape}"
            )
        if self.dim is None:
            self.dim = x.shape[1]
            self._mean = np.zeros(self.dim)
            self._scatter = np.zeros((self.dim, self.dim))
        if x.shape[1] != self.dim:
            raise ValueError(
                f"`features` must have {self.dim} columns. Received shape {x.shape}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("`features` has non-finite values (NaN or inf).")
        n = x.shape[0]
        if n == 0:
            return self
        batch_mean = x.mean(axis=0)
        centred = x - batch_mean
        total = self.count + n
        delta = batch_mean - self._mean
        self._scatter += centred.T @ centred + np.outer(delta, delta) * (
            self.count * n / total
        )
        self._mean += delta * (n / total)
        self.count = total
        if self.keep_features:
            room = n if self.max_kept is None else self.max_kept - self._num_kept
            if room > 0:
                self._kept.append(np.asarray(features[:room], dtype="float32"))
                self._num_kept += min(room, n)
                self._features = None
        return self

    @property
    def mean(self):
        """float64 `(d,)`."""
        self._check()
        return self._mean.copy()

    @property
    def covariance(self):
        """float64 `(d, d)`, unbiased (`ddof=1`)."""
        self._check()
        if self.count < 2:
            raise ValueError("A covariance needs at least 2 samples.")
        return self._scatter / (self.count - 1)

    @property
    def features(self):
        """The kept features, float32 `(n, d)`, or None when not kept."""
        if not self.keep_features and self._features is None:
            return None
        if self._features is None:
            self._features = (
                np.concatenate(self._kept) if self._kept
                else np.zeros((0, self.dim or 0), "float32")
            )
            self._kept = [self._features]
        return self._features

    def _check(self):
        if self.count == 0:
            raise ValueError("No features have been added yet.")

    @classmethod
    def from_features(cls, features, name=None, keep_features=True):
        """Statistics (and, by default, the features) of one array."""
        return cls(name=name, keep_features=keep_features).update(features)

    def save(self, path):
        """Writes `mean`, `covariance`, the count, the name and any kept
        features to an `.npz` file, atomically."""
        arrays = {
            "mean": self.mean,
            "covariance": self.covariance,
            "count": np.int64(self.count),
            "name": np.str_(self.name or ""),
            "reference": np.str_(self.reference or ""),
        }
        if self.features is not None:
            arrays["features"] = self.features
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)
        return path

    @classmethod
    def load(cls, path):
        """Reads a `save` file."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No feature statistics file at {path}")
        with np.load(path) as data:
            stats = cls(dim=data["mean"].shape[0], name=str(data["name"]) or None,
                        keep_features="features" in data.files,
                        reference=str(data["reference"]) or None)
            stats.count = int(data["count"])
            stats._mean = data["mean"].astype("float64")
            stats._scatter = data["covariance"].astype("float64") * (stats.count - 1)
            if "features" in data.files:
                stats._kept = [data["features"]]
                stats._num_kept = len(data["features"])
        return stats

    def __repr__(self):
        return (f"FeatureStatistics(name={self.name!r}, reference={self.reference!r}, "
                f"count={self.count}, dim={self.dim}, features_kept={self._num_kept})")
