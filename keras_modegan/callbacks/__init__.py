"""Callbacks that measure and show mode collapse while a model trains."""

from keras_modegan.callbacks.cluster_usage import ClusterUsage
from keras_modegan.callbacks.mode_coverage import ModeCoverage
from keras_modegan.callbacks.plotting import (
    plot_coverage_curves,
    plot_samples,
    save_figure,
)
from keras_modegan.callbacks.sample_plot import SamplePlot

__all__ = [
    "ClusterUsage",
    "ModeCoverage",
    "SamplePlot",
    "plot_coverage_curves",
    "plot_samples",
    "save_figure",
]
