import os

import pytest

# XLA's CPU compiler spends most of a quick JAX test optimizing code that
# runs for a few steps: the quick tests compile cheaply (the same graphs,
# the same float semantics; about half the JAX suite's time). The slow
# tests (`-m slow`) train thousands of steps, where XLA's optimized code
# pays: they keep its defaults (Dist-GAN's 2-D nets: 44.8 steps/s against
# 18.3 with the cheap flags). Set before JAX loads, and inherited by the
# tests' subprocesses; KERAS_MODEGAN_TEST_XLA_FLAGS overrides the choice
# ("" for XLA's defaults).
_FAST_COMPILE = (
    "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
)


# Tests that run once rather than under every backend, each under one
# backend (the other suites skip them, saying so):
# - `backend_independent`: code that calls no Keras backend (NumPy metrics,
#   data loaders, argument checks, atomic writes);
# - `orchestration`: the CLI, the benchmark runner and the preset builder,
#   Python above the models (argument handling, run folders, resume,
#   tables, cards), which reach a backend only through `fit`, `save` and
#   `load`, tested per backend by the models' own tests. Each backend keeps
#   the CLI checks that depend on it (training end to end, the `--backend`
#   flag, Ctrl-C during `fit`, the distribution flags).
# A test marked `every_backend` runs under every backend even in a module
# marked to run once. Each marker's variable below picks another backend,
# or "all" to run its tests under every backend.
# marker: (the variable, the default backend)
_RUN_ONCE = {
    "backend_independent": ("KERAS_MODEGAN_TEST_INDEPENDENT_BACKEND", "torch"),
    "orchestration": ("KERAS_MODEGAN_TEST_ORCHESTRATION_BACKEND", "jax"),
}
# torch: the quickest suite; jax: README's test command, and the slow suite's.


def _expected_seconds(item):
    marker = item.get_closest_marker("slow")
    return marker.kwargs.get("seconds", 0) if marker else 0


def pytest_collection_modifyitems(config, items):
    import keras

    # The slow tests run longest first (`@pytest.mark.slow(seconds=...)`,
    # measured in CI), so that two workers end together rather than one
    # starting a 2-minute training when the other is done.
    items.sort(key=_expected_seconds, reverse=True)

    backend = keras.backend.backend()
    for marker, (env, default) in _RUN_ONCE.items():
        chosen = os.environ.get(env, default)
        if chosen == "all" or backend == chosen:
            continue
        skip = pytest.mark.skip(
            reason=f"{marker}: runs once, under KERAS_BACKEND={chosen} "
            f"({env}=all runs it under every backend)"
        )
        for item in items:
            if item.get_closest_marker(marker) and not item.get_closest_marker(
                "every_backend"
            ):
                item.add_marker(skip)


def pytest_configure(config):
    long_runs = (config.getoption("markexpr", "") or "").strip() == "slow"
    flags = os.environ.get(
        "KERAS_MODEGAN_TEST_XLA_FLAGS", "" if long_runs else _FAST_COMPILE
    )
    if flags and flags not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "") + " " + flags
        ).strip()


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts from a cleared Keras session and a fixed seed."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(1234)
    yield


def pytest_report_header(config):
    import keras

    return (
        f"keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', '(unset)')}, "
        f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}"
    )
