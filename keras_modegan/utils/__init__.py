"""Small utilities: argument validation and atomic file writes."""

from keras_modegan.utils import atomic_write, validation

__all__ = ["atomic_write", "validation"]
