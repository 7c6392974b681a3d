"""`keras-modegan evaluate MODEL --data mnist --metrics fid,kid,prdc`."""

import json
import os
import types

import keras
import numpy as np
import pytest

from keras_modegan.cli import UsageError, build_parser
from keras_modegan.image_quality_command import evaluate_image_quality, parse_metrics
from keras_modegan.metrics import image_metrics, model_feature_extractor

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration


class _Generator:
    data_shape = (28, 28, 1)

    def generate(self, num_samples, seed=None):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (num_samples, 28, 28, 1)).astype("float32")


def _classifier():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(8, activation="relu", name="features")(x)
    x = keras.layers.Dropout(0.5)(x)
    return keras.Model(inputs, keras.layers.Dense(10)(x), name="tiny_digits")


def test_evaluate_with_metrics(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    fake_mnist = {
        "x_train": rng.integers(0, 256, (40, 28, 28)).astype("uint8"),
        "y_train": np.zeros(40, "int64"),
        "x_test": rng.integers(0, 256, (30, 28, 28)).astype("uint8"),
        "y_test": np.zeros(30, "int64"),
    }
    np.savez(tmp_path / "mnist.npz", **fake_mnist)
    monkeypatch.setenv("KERAS_MODEGAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    classifier = _classifier()
    path = str(tmp_path / "classifier.keras")
    classifier.save(path)
    args = build_parser().parse_args([
        "evaluate", "model.keras", "--data", "mnist", "--metrics", "fid,kid,prdc",
        "--features", path, "--num-samples", "25", "--seed", "3", "--quiet-metrics",
    ])
    assert evaluate_image_quality(args, _Generator(), UsageError) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["feature_extractor"] == "tiny_digits.features"  # Dropout skipped
    assert (result["num_real"], result["num_generated"]) == (30, 25)
    assert result["reference"] == "mnist:test"
    cached = os.listdir(tmp_path / "keras_home" / "keras_modegan" /
                        "reference_statistics")
    assert cached == ["mnist-test-tiny_digits.features.npz"]
    # The same numbers as the library call on the same images.
    x_test = fake_mnist["x_test"][..., None].astype("float32") / 127.5 - 1
    extractor = model_feature_extractor(keras.saving.load_model(path))
    direct = image_metrics(x_test, _Generator(), feature_extractor=extractor,
                           num_generated=25, seed=3, verbose=0)
    for key in ("fid", "kid", "coverage", "density"):
        assert result[key] == pytest.approx(direct[key], rel=1e-6)


def test_evaluate_with_bad_metrics_or_data():
    with pytest.raises(ValueError, match="fid, kid, prdc"):
        parse_metrics("fid,is")
    args = types.SimpleNamespace(metrics="fid", data="ring8", model="m.keras")
    with pytest.raises(UsageError, match="image dataset"):
        evaluate_image_quality(args, _Generator(), UsageError)
    args = types.SimpleNamespace(metrics="fid", data="cifar10", model="m.keras")
    with pytest.raises(UsageError, match="shape"):
        evaluate_image_quality(args, _Generator(), UsageError)
