"""Mode-collapse metrics, pure NumPy (backend-independent).

`mode_coverage(samples, spec)` returns every metric of a Gaussian mixture
in one dict; `stacked_mnist_modes(samples, classifier)` the modes and KL of
Stacked MNIST samples, `mode_score` and `digit_kl` those of MNIST samples.
`fid`, `kid` and `precision_recall_density_coverage` compare images (or a
generator) with real data in the features of the FID Inception network
(`fid_inception_v3`, pytorch-fid's weights), of a classifier, or of any
named `FeatureExtractor`.
"""

from keras_modegan.metrics.bilinear_resize import BilinearResize
from keras_modegan.metrics.classifier_metrics import (
    classifier_outputs,
    digit_kl,
    kl_divergence,
    label_coverage,
    mode_score,
    mode_score_from_probabilities,
    predict_digits,
    stacked_mnist_labels,
    stacked_mnist_modes,
    to_probabilities,
)
from keras_modegan.metrics.feature_extractor import (
    FeatureExtractor,
    as_feature_extractor,
    extract_statistics,
    inception_feature_extractor,
    model_feature_extractor,
)
from keras_modegan.metrics.feature_statistics import FeatureStatistics
from keras_modegan.metrics.frechet import frechet_distance
from keras_modegan.metrics.image_metrics import (
    fid,
    image_metrics,
    kid,
    precision_recall_density_coverage,
)
from keras_modegan.metrics.inception import (
    build_fid_inception_trunk,
    fid_inception_v3,
    load_pytorch_fid_weights,
)
from keras_modegan.metrics.mmd import kernel_distance
from keras_modegan.metrics.mode_metrics import (
    canonical_grid,
    canonical_histograms,
    jensen_shannon,
    mode_counts,
    mode_coverage,
    nearest_mode,
)
from keras_modegan.metrics.prdc import prdc_from_features
from keras_modegan.metrics.reference_statistics import reference_statistics

__all__ = [
    "BilinearResize",
    "FeatureExtractor",
    "FeatureStatistics",
    "as_feature_extractor",
    "build_fid_inception_trunk",
    "extract_statistics",
    "fid",
    "fid_inception_v3",
    "frechet_distance",
    "image_metrics",
    "inception_feature_extractor",
    "kernel_distance",
    "kid",
    "load_pytorch_fid_weights",
    "model_feature_extractor",
    "precision_recall_density_coverage",
    "prdc_from_features",
    "reference_statistics",
    "canonical_grid",
    "canonical_histograms",
    "classifier_outputs",
    "digit_kl",
    "jensen_shannon",
    "kl_divergence",
    "label_coverage",
    "mode_counts",
    "mode_coverage",
    "mode_score",
    "mode_score_from_probabilities",
    "nearest_mode",
    "predict_digits",
    "stacked_mnist_labels",
    "stacked_mnist_modes",
    "to_probabilities",
]
