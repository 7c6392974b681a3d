"""Argument checks shared by the models, callbacks and benchmark helpers.

Each raises a `ValueError` that names the argument, what it accepts and
what it received, and returns the value in its canonical type. The
`*_arg` functions are the same checks as `argparse` types, for the command
line and the benchmark scripts: argparse reports their error with the
flag's name and exits with status 2.
"""

import argparse

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


def positive_arg(kind):
    """An `argparse` type: `kind` (`int` or `float`) parsed and > 0.

    Example:

    ```python
    parser.add_argument("--steps", type=positive_arg(int), default=2000)
    ```
    """

    def check(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(
                f"must be a positive {kind.__name__}, got {text!r}"
            )
        return value

    return check


def non_negative_int_arg(text):
    """An `argparse` type: an integer >= 0 (e.g. a seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value
