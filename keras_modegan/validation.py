"""Argument checks shared by the models, callbacks and benchmark helpers.

Each raises a `ValueError` that names the argument, what it accepts and
what it received, and returns the value in its canonical type.
"""

import numpy as np


def positive_int(value, name):
    """`value` as an `int` if it is an integer > 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    if value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value}"
        )
    return int(value)


def non_negative(value, name):
    """`value` as a `float` if it is a number >= 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"`{name}` must be a float >= 0. Received: {name}={value!r}")
    if value < 0:
        raise ValueError(f"`{name}` must be a float >= 0. Received: {name}={value}")
    return float(value)
