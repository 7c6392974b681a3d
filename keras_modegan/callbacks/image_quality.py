"""The `ImageQuality` callback: FID / KID / coverage while a model trains."""

from keras_modegan.callbacks.periodic_score import PeriodicScore
from keras_modegan.metrics.feature_extractor import (
    as_feature_extractor,
    extract_statistics,
)
from keras_modegan.metrics.feature_statistics import FeatureStatistics
from keras_modegan.metrics.image_metrics import METRICS, image_metrics
from keras_modegan.utils.validation import positive_int

# metric -> the keys it adds to the logs
LOGGED = {
    "fid": ("fid",),
    "kid": ("kid", "kid_std"),
    "prdc": ("precision", "recall", "density", "coverage"),
}


class ImageQuality(PeriodicScore):
    """Scores generated images at epoch ends and writes FID / KID / PRDC to `logs`.

    At the end of the first epoch, of every `every_n_epochs`-th epoch and of
    the last one, draws `num_samples` images with
    `model.generate(..., seed=seed)` and adds `fid`, `kid` and `kid_std`,
    and `precision`, `recall`, `density`, `coverage` (whichever `metrics`
    asks for; `keras_modegan.metrics.image_metrics`) to the epoch's logs, so
    `History`, `CSVLogger`, `EarlyStopping` (`monitor="fid"`, `mode="min"`)
    and `ModelCheckpoint` see them. On other epochs the last scores are
    repeated. The real side's features are computed once, at the start of
    training (or pass `FeatureStatistics`, e.g. from
    `reference_statistics`, cached on disk).

    Args:
        real: real images (an array in the generator's value range) or a
            `FeatureStatistics` with kept features.
        feature_extractor: see `image_metrics` (`"inception"`, a classifier
            `keras.Model`, a `FeatureExtractor`). Its name is what the
            numbers mean: the FID of a classifier's features is not
            Inception FID.
        metrics: any of `"fid"`, `"kid"`, `"prdc"`.
        every_n_epochs: positive int.
        num_samples: positive int, generated images per evaluation.
        seed: int, seed of the draws (the same latent codes every time).
        batch_size: images per feature-extractor call (default its own).
        prefix: str prepended to the logged keys (e.g. `"val_"`).
        kid_subset_size: KID subset size (capped at the sample counts).

    Example:

    ```python
    classifier = keras.saving.load_model("mnist_classifier.keras")
    model.fit(ds, epochs=20, callbacks=[
        ImageQuality(x_test, feature_extractor=classifier, every_n_epochs=5),
        keras.callbacks.CSVLogger("history.csv"),
    ])
    ```
    """

    def __init__(self, real, feature_extractor="inception", metrics=("fid", "kid"),
                 every_n_epochs=1, num_samples=1000, seed=0, batch_size=None,
                 prefix="", kid_subset_size=1000):
        super().__init__(every_n_epochs)
        metrics = tuple(metrics)
        if not metrics or any(m not in METRICS for m in metrics):
            raise ValueError(
                f"`metrics` must be a non-empty subset of {METRICS}. "
                f"Received: metrics={metrics!r}"
            )
        self.real = real
        self.feature_extractor = feature_extractor
        self.metrics = metrics
        self.num_samples = positive_int(num_samples, "num_samples")
        self.seed = seed
        self.batch_size = batch_size
        self.prefix = str(prefix)
        self.kid_subset_size = positive_int(kid_subset_size, "kid_subset_size")
        self._extractor = None
        self._real_stats = None

    def _prepare(self):
        if self._extractor is None:
            self._extractor = as_feature_extractor(self.feature_extractor)
        if self._real_stats is None:
            if isinstance(self.real, FeatureStatistics):
                self._real_stats = self.real
            else:
                self._real_stats = extract_statistics(
                    self.real, self._extractor, batch_size=self.batch_size,
                    keep_features=True, verbose=0,
                )

    def score(self):
        """The metrics of the model's current samples (a dict)."""
        self._prepare()
        return image_metrics(
            self._real_stats, self.model, self.metrics, self._extractor,
            num_generated=self.num_samples, batch_size=self.batch_size,
            seed=self.seed, kid_subset_size=self.kid_subset_size, verbose=0,
        )

    def logged(self, result):
        return {
            self.prefix + key: result[key]
            for metric in self.metrics for key in LOGGED[metric]
        }

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._prepare()
