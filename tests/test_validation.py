import argparse
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_modegan.utils.validation import (
    non_negative,
    non_negative_int_arg,
    positive_arg,
    positive_int,
)

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_positive_int():
    assert positive_int(3, "steps") == 3
    assert type(positive_int(np.int64(4), "steps")) is int
    for bad in (0, -1, 2.0, True, "3", None):
        with pytest.raises(ValueError, match=r"`steps` must be a positive integer"):
            positive_int(bad, "steps")


def test_non_negative():
    assert non_negative(0, "weight") == 0.0
    assert non_negative(np.float32(0.5), "weight") == 0.5
    for bad in (-0.1, False, "1", None):
        with pytest.raises(ValueError, match=r"`weight` must be a float >= 0"):
            non_negative(bad, "weight")


def _parser():
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("--steps", type=positive_arg(int), default=1)
    parser.add_argument("--scale", type=positive_arg(float), default=1.0)
    parser.add_argument("--seed", type=non_negative_int_arg, default=0)
    return parser


def test_argparse_types_accept():
    args = _parser().parse_args(["--steps", "7", "--scale", "0.5", "--seed", "0"])
    assert (args.steps, args.scale, args.seed) == (7, 0.5, 0)
    assert type(args.steps) is int


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--steps", "0"], "argument --steps: must be a positive int, got '0'"),
        (["--steps", "2.5"], "argument --steps: must be a positive int"),
        (["--steps", "ten"], "argument --steps: must be a positive int"),
        (["--scale", "-1"], "argument --scale: must be a positive float"),
        (["--scale", "nan"], "argument --scale: must be a positive float"),
        (["--seed", "-1"], "argument --seed: must be >= 0, got '-1'"),
        (["--seed", "x"], "argument --seed: must be an integer, got 'x'"),
    ],
)
def test_argparse_types_reject(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_benchmark_script_rejects_bad_count():
    # The benchmark scripts use the same types: a bad count stops at parsing
    # with argparse's error, before any model is built.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "mode_penalty_gan.py"),
         "--num-modes", "0"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert "argument --num-modes: must be a positive int, got '0'" in proc.stderr
    assert "Traceback" not in proc.stderr
