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


# Tests of code that calls no Keras backend (NumPy metrics, data loaders,
# argument checks, atomic writes) run once, under this backend; the other
# backends' suites skip them, saying so. KERAS_MODEGAN_TEST_INDEPENDENT_BACKEND
# picks another backend, or "all" to run them under every backend.
_INDEPENDENT_ENV = "KERAS_MODEGAN_TEST_INDEPENDENT_BACKEND"
_INDEPENDENT_DEFAULT = "torch"  # the quickest suite


def pytest_collection_modifyitems(config, items):
    import keras

    chosen = os.environ.get(_INDEPENDENT_ENV, _INDEPENDENT_DEFAULT)
    if chosen == "all" or keras.backend.backend() == chosen:
        return
    skip = pytest.mark.skip(
        reason=f"backend-independent: runs once, under KERAS_BACKEND={chosen} "
        f"({_INDEPENDENT_ENV}=all runs it under every backend)"
    )
    for item in items:
        if item.get_closest_marker("backend_independent"):
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
