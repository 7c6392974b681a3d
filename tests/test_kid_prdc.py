"""KID against torch-fidelity, precision/recall/density/coverage against prdc."""

import contextlib
import io

import numpy as np
import pytest

from keras_modegan.metrics import (
    FeatureExtractor,
    kernel_distance,
    kid,
    prdc_from_features,
    precision_recall_density_coverage,
)
from keras_modegan.metrics import prdc as prdc_module
from tests import torch_references

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


def _features(seed=0, n=300, m=250, d=32):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, d)).astype("float32")
    fake = (rng.normal(size=(m, d)) * 1.3 + 0.2).astype("float32")
    return real, fake


def test_kid_matches_torch_fidelity():
    torch = pytest.importorskip("torch")
    torch_references.torch_fidelity()
    from torch_fidelity.metric_kid import kid_features_to_metric

    real, fake = _features()
    kwargs = dict(kid_subsets=20, kid_subset_size=100, kid_kernel="poly",
                  kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None,
                  kid_kernel_poly_coef0=1, rng_seed=2020, verbose=False)
    reference = kid_features_to_metric(torch.from_numpy(real),
                                       torch.from_numpy(fake), **kwargs)
    mean, std = kernel_distance(real, fake, subsets=20, subset_size=100)
    # torch-fidelity computes in float32, we in float64.
    assert mean == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-4)
    assert std == pytest.approx(reference["kernel_inception_distance_std"], rel=1e-4)


def test_kid_is_unbiased_and_near_zero_for_one_distribution():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2000, 8))
    b = rng.normal(size=(2000, 8))
    mean, std = kernel_distance(a, b, subsets=10, subset_size=500, seed=0)
    assert abs(mean) < 3 * std + 1e-3
    far, _ = kernel_distance(a, b + 1.0, subsets=10, subset_size=500, seed=0)
    assert far > 10 * abs(mean)


def test_kid_result_records_what_it_measured():
    real, fake = _features(n=120, m=110)
    result = kid(real, fake, feature_extractor=None, subsets=5, subset_size=1000)
    assert result["kid_subset_size"] == 110  # capped at the smaller count
    assert (result["num_real"], result["num_generated"]) == (120, 110)
    mean, std = kernel_distance(real, fake, subsets=5, subset_size=110)
    assert (result["kid"], result["kid_std"]) == (mean, std)
    with pytest.raises(ValueError, match="subset_size"):
        kernel_distance(real, fake, subset_size=500)


def test_prdc_matches_the_prdc_package():
    prdc = pytest.importorskip("prdc")
    real, fake = _features(seed=2)
    with contextlib.redirect_stdout(io.StringIO()):  # compute_prdc prints
        reference = prdc.compute_prdc(real, fake, nearest_k=5)
    ours = prdc_from_features(real, fake, nearest_k=5)
    for key in ("precision", "recall", "density", "coverage"):
        assert ours[key] == pytest.approx(float(reference[key]), abs=1e-12), key


def test_prdc_in_small_blocks_is_the_same(monkeypatch):
    real, fake = _features(seed=3, n=130, m=90)
    whole = prdc_from_features(real, fake, nearest_k=3)
    monkeypatch.setattr(prdc_module, "_BLOCK", 7 * 130)  # 7-row blocks
    assert prdc_from_features(real, fake, nearest_k=3) == whole


def test_prdc_of_images_through_a_feature_extractor():
    rng = np.random.default_rng(4)
    images = rng.normal(size=(60, 3, 3, 1)).astype("float32")
    flat = FeatureExtractor(lambda x: x.reshape(len(x), -1), "pixels")
    result = precision_recall_density_coverage(images, images[::-1],
                                               feature_extractor=flat, verbose=0)
    # The same set on both sides: everything is covered and precise.
    assert result["precision"] == result["recall"] == result["coverage"] == 1.0
    assert result["feature_extractor"] == "pixels"
    assert result["nearest_k"] == 5
    with pytest.raises(ValueError, match="nearest_k"):
        prdc_from_features(images.reshape(60, -1)[:4], images.reshape(60, -1))
