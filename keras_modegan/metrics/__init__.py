"""Mode-collapse metrics, pure NumPy (backend-independent).

`mode_coverage(samples, spec)` returns every metric of a Gaussian mixture
in one dict; `stacked_mnist_modes(samples, classifier)` the modes and KL of
Stacked MNIST samples, `mode_score` and `digit_kl` those of MNIST samples.
"""

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
from keras_modegan.metrics.mode_metrics import (
    canonical_grid,
    canonical_histograms,
    jensen_shannon,
    mode_counts,
    mode_coverage,
    nearest_mode,
)

__all__ = [
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
