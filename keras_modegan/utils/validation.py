"""Argument checks shared by the models, callbacks and benchmark helpers.

Each raises a `ValueError` that names the argument, what it accepts and
what it received, and returns the value in its canonical type. The
`*_arg` functions are the same checks as `argparse` types, for the command
line and the benchmark scripts: argparse reports their error with the
flag's name and exits with status 2. The module imports neither NumPy nor
Keras at the top (the command line parses its flags before loading them).
"""

import argparse
import numbers
import os


def positive_int(value, name):
    """`value` as an `int` if it is an integer > 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
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
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
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


SEED_LIMIT = 2**32  # keras.utils.set_random_seed and NumPy take seeds below this


def seed_int(value, name):
    """`value` as an `int` if it is an integer seed in [0, 2**32)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"`{name}` must be an integer in [0, 2**32). Received: {name}={value!r}"
        )
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(
            f"`{name}` must be an integer in [0, 2**32). Received: {name}={value}"
        )
    return int(value)


def seed_arg(text):
    """An `argparse` type: a seed, an integer in [0, 2**32)."""
    try:
        return seed_int(int(text), "seed")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer in [0, 2**32), got {text!r}"
        ) from None


def memory_bytes():
    """The machine's physical memory in bytes, or None if unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def _human(num_bytes):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if num_bytes < 1024 or unit == "PiB":
            return f"{num_bytes:.3g} {unit}"
        num_bytes /= 1024


def check_fits_in_memory(num_bytes, what):
    """Raises a `ValueError` if `num_bytes` exceed the physical memory.

    Args:
        num_bytes: a lower bound of what the request allocates.
        what: the request, e.g. `"--num-samples 1000000000000000"`; the
            message starts with it.
    """
    total = memory_bytes()
    if total is not None and num_bytes > total:
        raise ValueError(
            f"{what} needs at least {_human(num_bytes)} of memory, more than "
            f"this machine has ({_human(total)})"
        )


def check_training_data(x, name="x"):
    """Raises a `ValueError` if the array `x` is empty or holds NaN or inf.

    Only NumPy arrays and tensors are checked (a `tf.data.Dataset` or a
    generator is read while training, not before).
    """
    import keras
    import numpy as np

    if not isinstance(x, np.ndarray):
        if not keras.ops.is_tensor(x):
            return
        x = keras.ops.convert_to_numpy(x)
    if x.size == 0:
        raise ValueError(
            f"The training data `{name}` is empty. Received: {name}.shape={x.shape}"
        )
    if np.issubdtype(x.dtype, np.inexact):
        finite = np.isfinite(x)
        if not finite.all():
            bad = x[~finite]
            where = ""
            if x.ndim:
                row = int(np.argmin(finite.reshape(len(x), -1).all(axis=1)))
                where = f" (the first in row {row})"
            raise ValueError(
                f"The training data `{name}` must be finite: it holds "
                f"{int(np.isnan(bad).sum())} NaN and {int(np.isinf(bad).sum())} "
                f"inf values{where}."
            )
