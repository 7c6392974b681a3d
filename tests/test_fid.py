"""frechet_distance, FeatureStatistics, feature extractors, fid(), the cache,
the ImageQuality callback."""

import os

import keras
import numpy as np
import pytest
from scipy import linalg

from keras_modegan.callbacks import ImageQuality
from keras_modegan.metrics import (
    FeatureExtractor,
    FeatureStatistics,
    as_feature_extractor,
    extract_statistics,
    fid,
    frechet_distance,
    image_metrics,
    model_feature_extractor,
    reference_statistics,
)
from keras_modegan.metrics.feature_extractor import to_pixels
from keras_modegan.metrics.reference_statistics import reference_statistics_path


def _gaussian(rng, d, n=None):
    a = rng.normal(size=(d, d))
    return rng.normal(size=d), a @ a.T / d + 0.1 * np.eye(d)


def _direct(mu1, s1, mu2, s2):
    # The definition, with scipy's sqrtm and nothing else.
    root = linalg.sqrtm(s1 @ s2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * root))


def test_frechet_distance_matches_direct_sqrtm():
    rng = np.random.default_rng(0)
    for d in (1, 5, 64):
        mu1, s1 = _gaussian(rng, d)
        mu2, s2 = _gaussian(rng, d)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
            _direct(mu1, s1, mu2, s2), rel=1e-9)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0, abs=1e-8)
    # Closed form in 1-D: (m1 - m2)^2 + (s1 - s2)^2 with std s.
    assert frechet_distance([1.0], [[4.0]], [0.0], [[1.0]]) == pytest.approx(2.0)


def test_frechet_distance_matches_pytorch_fid():
    from tests import torch_references

    torch_references.import_torchvision()
    fid_score = pytest.importorskip("pytorch_fid.fid_score")
    rng = np.random.default_rng(1)
    mu1, s1 = _gaussian(rng, 32)
    mu2, s2 = _gaussian(rng, 32)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
        fid_score.calculate_frechet_distance(mu1, s1, mu2, s2), rel=1e-9)


def test_frechet_distance_singular_covariances_use_the_eps_offset():
    rng = np.random.default_rng(2)
    d = 16
    x = rng.normal(size=(4, d))  # 4 samples in 16-D: rank-3 covariances
    y = rng.normal(size=(4, d)) + 0.5
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    value = frechet_distance(x.mean(0), s1, y.mean(0), s2)
    offset = np.eye(d) * 1e-6
    expected = _direct(x.mean(0), s1 + 0 * offset, y.mean(0), s2)
    # Whether or not sqrtm of the singular product is finite, the result is
    # the direct value up to the eps regularization.
    assert np.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-3)


def test_frechet_distance_rejects_bad_input():
    with pytest.raises(ValueError, match="mu1"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="sigma2"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="non-finite"):
        frechet_distance(np.zeros(2), np.full((2, 2), np.nan), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="imaginary"):
        # Not a covariance: the product has negative eigenvalues.
        frechet_distance(np.zeros(2), np.diag([1.0, -1.0]), np.zeros(2), np.eye(2))


def test_streaming_statistics_match_numpy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1003, 7)) * 100 + 1e4  # large offset: a stability check
    stats = FeatureStatistics(keep_features=True, max_kept=500)
    for start in range(0, len(x), 97):
        stats.update(x[start:start + 97])
    assert stats.count == 1003
    np.testing.assert_allclose(stats.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.covariance, np.cov(x, rowvar=False), rtol=1e-9)
    assert stats.features.shape == (500, 7)
    np.testing.assert_allclose(stats.features, x[:500].astype("float32"))
    with pytest.raises(ValueError, match="columns"):
        stats.update(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        stats.update(np.full((2, 7), np.inf))


def test_statistics_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    stats = FeatureStatistics.from_features(rng.normal(size=(50, 3)), name="f")
    stats.reference = "toy:test"
    path = stats.save(str(tmp_path / "s.npz"))
    again = FeatureStatistics.load(path)
    assert (again.name, again.reference, again.count) == ("f", "toy:test", 50)
    np.testing.assert_allclose(again.covariance, stats.covariance)
    np.testing.assert_array_equal(again.features, stats.features)
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def _pixels():
    return FeatureExtractor(lambda x: np.reshape(x, (len(x), -1)), "pixels",
                            batch_size=16)


class _Sampler:
    """A stand-in generator: `generate(n, seed)` with seeded draws."""

    def generate(self, num_samples, seed=None):
        rng = np.random.default_rng(seed)
        return rng.normal(0.2, 1.0, size=(num_samples, 4, 4, 1)).astype("float32")


def test_fid_of_images_and_generators():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(300, 4, 4, 1)).astype("float32")
    result = fid(real, _Sampler(), feature_extractor=_pixels(), num_generated=200,
                 seed=3, reference="toy:train", verbose=0)
    assert result["feature_extractor"] == "pixels"
    assert (result["num_real"], result["num_generated"]) == (300, 200)
    assert result["reference"] == "toy:train"
    # The same as the Fréchet distance of the features, batch by batch.
    gen = extract_statistics(_Sampler(), _pixels(), num_samples=200, seed=3,
                             keep_features=True, verbose=0).features
    gen = gen.astype("float64")
    flat = real.reshape(300, -1).astype("float64")
    expected = frechet_distance(flat.mean(0), np.cov(flat, rowvar=False),
                                gen.mean(0), np.cov(gen, rowvar=False))
    assert result["fid"] == pytest.approx(expected, rel=1e-9)
    # Deterministic for a seed, different for another.
    again = fid(real, _Sampler(), feature_extractor=_pixels(), num_generated=200,
                seed=3, verbose=0)
    other = fid(real, _Sampler(), feature_extractor=_pixels(), num_generated=200,
                seed=4, verbose=0)
    assert again["fid"] == result["fid"] != other["fid"]
    # Features given directly.
    direct = fid(flat, gen, feature_extractor=None)
    assert direct["fid"] == pytest.approx(expected, rel=1e-9)


def test_statistics_of_another_extractor_are_refused():
    stats = FeatureStatistics.from_features(np.zeros((3, 16)) + np.eye(3, 16),
                                            name="inception_2015_12_05_pool3")
    with pytest.raises(ValueError, match="cannot be compared"):
        fid(stats, np.zeros((3, 4, 4, 1)), feature_extractor=_pixels())


def test_model_feature_extractor_takes_the_penultimate_layer():
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Flatten()(inputs)
    hidden = keras.layers.Dense(5, activation="relu", name="penultimate")(x)
    outputs = keras.layers.Dense(3, name="logits")(hidden)
    model = keras.Model(inputs, outputs, name="tiny_classifier")
    extractor = model_feature_extractor(model)
    assert extractor.name == "tiny_classifier.penultimate"
    images = np.random.default_rng(6).normal(size=(6, 4, 4, 1)).astype("float32")
    expected = keras.Model(inputs, hidden).predict_on_batch(images)
    np.testing.assert_allclose(extractor(images), expected, rtol=1e-6)
    assert as_feature_extractor(model).name == "tiny_classifier.penultimate"
    named = model_feature_extractor(model, "logits", name="clf")
    assert named.name == "clf" and named(images).shape == (6, 3)
    with pytest.raises(ValueError, match="no layer"):
        model_feature_extractor(model, "nope")


def test_as_feature_extractor_needs_a_name_for_callables():
    with pytest.raises(ValueError, match="name"):
        as_feature_extractor(lambda x: x)
    assert as_feature_extractor(lambda x: x, name="raw").name == "raw"
    with pytest.raises(ValueError, match="inception"):
        as_feature_extractor("vgg16")


def test_to_pixels_scales_and_repeats_grayscale():
    x = np.array([[[-1.0, 0.0], [1.0, 2.0]]])  # (1, 2, 2), grayscale
    out = to_pixels(x, (-1, 1))
    assert out.shape == (1, 2, 2, 3)
    np.testing.assert_allclose(out[0, :, :, 0], [[0, 127.5], [255, 255]])
    with pytest.raises(ValueError, match="value_range"):
        to_pixels(x, (1, 1))


def test_reference_statistics_are_cached(tmp_path):
    rng = np.random.default_rng(7)
    images = rng.normal(size=(40, 4, 4, 1)).astype("float32")
    stats = reference_statistics("toy", "train", _pixels(), images=images,
                                 cache_dir=str(tmp_path), verbose=0)
    path = reference_statistics_path("toy", "train", _pixels(),
                                     cache_dir=str(tmp_path))
    assert path.endswith(os.path.join("reference_statistics", "toy-train-pixels.npz"))
    assert os.path.isfile(path)
    assert stats.reference == "toy:train" and stats.count == 40
    # The second call reads the file: other images are not even looked at.
    again = reference_statistics("toy", "train", _pixels(), images=images[:5] * 0,
                                 cache_dir=str(tmp_path), verbose=0)
    assert again.count == 40
    np.testing.assert_allclose(again.mean, stats.mean)
    result = image_metrics(again, images[::-1], feature_extractor=_pixels(),
                           kid_subset_size=20, verbose=0)
    assert result["reference"] == "toy:train"
    assert result["fid"] == pytest.approx(0.0, abs=1e-6)  # the same images


class _ImageModel(keras.Model):
    """A tiny trainable model with `generate`, as AdversarialModel has."""

    def __init__(self):
        super().__init__(name="image_model")
        self.dense = keras.layers.Dense(16)

    def call(self, z):
        return self.dense(z)

    def generate(self, num_samples, seed=None):
        z = np.random.default_rng(seed).normal(size=(num_samples, 3))
        return keras.ops.convert_to_numpy(self(z.astype("float32"))).reshape(
            num_samples, 4, 4, 1)


def test_image_quality_callback_logs_fid_kid_and_coverage(tmp_path):
    rng = np.random.default_rng(8)
    real = rng.normal(size=(64, 4, 4, 1)).astype("float32")
    model = _ImageModel()
    model.compile(optimizer="sgd", loss="mse")
    callback = ImageQuality(real, feature_extractor=_pixels(),
                            metrics=("fid", "kid", "prdc"), every_n_epochs=3,
                            num_samples=32, seed=1, kid_subset_size=16)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 16)).astype("float32")
    csv = str(tmp_path / "history.csv")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        callbacks=[callback, keras.callbacks.CSVLogger(csv)])
    for key in ("fid", "kid", "kid_std", "precision", "recall", "density",
                "coverage"):
        assert len(history.history[key]) == 3
    # Epoch 1 repeats epoch 0; epoch 2 (the last) is a fresh score of the
    # final model, equal to calling the metrics directly.
    assert history.history["fid"][1] == history.history["fid"][0]
    direct = image_metrics(real, model, ("fid", "kid", "prdc"),
                           feature_extractor=_pixels(), num_generated=32, seed=1,
                           kid_subset_size=16, verbose=0)
    assert history.history["fid"][2] == pytest.approx(direct["fid"])
    assert history.history["coverage"][2] == pytest.approx(direct["coverage"])
    with open(csv) as f:
        assert "fid" in f.readline()
    with pytest.raises(ValueError, match="metrics"):
        ImageQuality(real, metrics=("is",))
