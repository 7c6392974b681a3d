import os

# XLA's CPU compiler spends most of a quick JAX test optimizing code that
# runs for a few steps: compile cheaply (the same graphs, the same float
# semantics; about half the JAX suite's time). Set before JAX loads, and
# inherited by the tests' subprocesses. KERAS_MODEGAN_TEST_XLA_FLAGS=""
# runs the tests with XLA's defaults.
_FAST_COMPILE = os.environ.get(
    "KERAS_MODEGAN_TEST_XLA_FLAGS",
    "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true",
)
if _FAST_COMPILE and _FAST_COMPILE not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " " + _FAST_COMPILE
    ).strip()

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts from a cleared Keras session and a fixed seed."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(1234)
    yield


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend {keras.backend.backend()}, " + (
        f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', '(unset)')}"
    )
