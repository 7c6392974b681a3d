"""Mode-collapse metrics, pure NumPy (backend-independent).

`mode_coverage(samples, spec)` returns every metric in one dict.
"""

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
    "jensen_shannon",
    "mode_counts",
    "mode_coverage",
    "nearest_mode",
]
