"""Callbacks that measure and show mode collapse while a model trains."""

from keras_modegan.callbacks.cluster_usage import ClusterUsage
from keras_modegan.callbacks.image_grid import ImageGrid, tile_images, write_png
from keras_modegan.callbacks.image_quality import ImageQuality
from keras_modegan.callbacks.mode_coverage import ModeCoverage
from keras_modegan.callbacks.periodic_score import PeriodicScore
from keras_modegan.callbacks.plotting import (
    plot_coverage_curves,
    plot_samples,
    save_figure,
)
from keras_modegan.callbacks.sample_plot import SamplePlot
from keras_modegan.callbacks.stacked_mnist_coverage import StackedMNISTCoverage

__all__ = [
    "ClusterUsage",
    "ImageGrid",
    "ImageQuality",
    "ModeCoverage",
    "PeriodicScore",
    "SamplePlot",
    "StackedMNISTCoverage",
    "plot_coverage_curves",
    "plot_samples",
    "save_figure",
    "tile_images",
    "write_png",
]
