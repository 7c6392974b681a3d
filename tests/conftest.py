import os

import keras
import pytest


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
