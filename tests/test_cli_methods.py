"""`keras-modegan train` works for every method of the registry."""

import pytest

from keras_modegan import cli
from keras_modegan.models import METHODS

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration


@pytest.mark.parametrize("method", sorted(METHODS))
def test_train_every_method(method, tmp_path):
    code = cli.main(["train", method, "--data", "ring8", "--epochs", "1",
                     "--steps-per-epoch", "1", "--batch-size", "256", "--quiet",
                     "--pretrain-epochs", "1", "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "model.keras").is_file()
    assert (tmp_path / "metrics.json").is_file()
