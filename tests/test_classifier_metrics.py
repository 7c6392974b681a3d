"""Classifier-based mode metrics, against direct computations, and the
`mnist_classifier` preset on the real MNIST test digits."""

import json
import os

import numpy as np
import pytest

from keras_modegan import presets
from keras_modegan.datasets import StackedMNIST, mnist
from keras_modegan.metrics import (
    digit_kl,
    kl_divergence,
    label_coverage,
    mode_score,
    mode_score_from_probabilities,
    stacked_mnist_labels,
    stacked_mnist_modes,
    to_probabilities,
)
from tests.helpers import mnist_npz_path


def constant_classifier(images):
    """A stand-in classifier: an image whose pixels are all `d / 10 - 0.5`
    is digit `d` (one-hot scores)."""
    digits = np.round((np.mean(images, axis=(1, 2, 3)) + 0.5) * 10).astype(int)
    return np.eye(10)[digits]


def constant_stack(triples):
    """Stacked images whose channel c is the constant of digit triples[:, c]."""
    triples = np.asarray(triples)
    values = triples / 10.0 - 0.5
    return np.broadcast_to(values[:, None, None, :], (len(triples), 28, 28, 3)).astype(
        "float32"
    )


def direct_kl(labels, q):
    """KL(p || q) written out over the labels seen, as PacGAN's JSD.KLD."""
    values, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return sum(pk * np.log(pk / q[v]) for v, pk in zip(values, p))


def test_label_coverage_against_direct_computation():
    rng = np.random.default_rng(0)
    labels = rng.choice(np.arange(0, 1000, 7), size=5000)  # 143 modes, skewed
    labels[:1000] = 42
    out = label_coverage(labels, 1000)
    assert out["modes"] == len(np.unique(labels)) == 143
    np.testing.assert_allclose(out["kl"], direct_kl(labels, np.full(1000, 1e-3)))
    assert out["counts"].sum() == 5000 and out["counts"][42] >= 1000
    reference = rng.uniform(0.5, 1.5, 1000)
    out = label_coverage(labels, 1000, reference=reference)
    np.testing.assert_allclose(
        out["kl_train"], direct_kl(labels, reference / reference.sum())
    )


def test_kl_edge_cases():
    # Every mode once: KL 0; a single mode: log(1000).
    np.testing.assert_allclose(label_coverage(np.arange(1000), 1000)["kl"], 0.0,
                               atol=1e-12)
    np.testing.assert_allclose(label_coverage(np.full(10, 3), 1000)["kl"],
                               np.log(1000))
    q = np.ones(1000)
    q[5] = 0
    assert label_coverage(np.array([5, 6]), 1000, reference=q)["kl_train"] == np.inf
    assert kl_divergence([0.5, 0.5, 0], [0.25, 0.25, 0.5]) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match="labels"):
        label_coverage(np.array([1000]), 1000)
    with pytest.raises(ValueError, match="reference"):
        label_coverage(np.array([1]), 1000, reference=np.ones(10))


def test_stacked_labels_use_channel_order():
    triples = np.array([[1, 2, 3], [9, 0, 0], [0, 0, 7], [1, 2, 3]])
    samples = constant_stack(triples)
    np.testing.assert_array_equal(
        stacked_mnist_labels(samples, constant_classifier, batch_size=3),
        [123, 900, 7, 123],
    )
    out = stacked_mnist_modes(samples, constant_classifier)
    assert out["modes"] == 3
    np.testing.assert_allclose(
        out["kl"], direct_kl([123, 900, 7, 123], np.full(1000, 1e-3))
    )
    with pytest.raises(ValueError, match="samples"):
        stacked_mnist_labels(samples[..., :1], constant_classifier)
    with pytest.raises(ValueError, match="classifier"):
        stacked_mnist_labels(samples, 3)


def test_mode_score_against_direct_computation():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(200, 10)) * 3
    probs = to_probabilities(logits)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_array_equal(to_probabilities(probs), probs)
    train = rng.uniform(0.5, 1.5, 10)
    q = train / train.sum()
    expected_kl = np.mean([np.sum(p * np.log(p / q)) for p in probs])
    marginal = probs.mean(axis=0)
    expected = np.exp(expected_kl - np.sum(marginal * np.log(marginal / q)))
    np.testing.assert_allclose(mode_score_from_probabilities(probs, train), expected)
    # Confident and balanced over 10 uniform classes: the maximum, 10.
    np.testing.assert_allclose(
        mode_score_from_probabilities(np.eye(10)[np.arange(100) % 10], np.ones(10)),
        10.0,
    )
    # Collapsed on one digit: exp(log 10 - log 10) = 1.
    np.testing.assert_allclose(
        mode_score_from_probabilities(np.eye(10)[np.zeros(50, int)], np.ones(10)),
        1.0,
    )


def test_digit_kl_and_mode_score_on_images():
    digits = np.array([0, 1, 1, 2, 9, 9, 9])
    images = np.broadcast_to((digits / 10 - 0.5)[:, None, None, None],
                             (7, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(digit_kl(images, constant_classifier),
                               direct_kl(digits, np.full(10, 0.1)))
    ref = np.arange(1, 11)
    np.testing.assert_allclose(digit_kl(images, constant_classifier, reference=ref),
                               direct_kl(digits, ref / ref.sum()))
    expected = mode_score_from_probabilities(np.eye(10)[digits], np.ones(10))
    np.testing.assert_allclose(mode_score(images, constant_classifier), expected)


# The shipped classifier on real digits.


@pytest.fixture(scope="module")
def classifier():
    return presets.load_classifier("mnist_classifier")


@pytest.fixture(scope="module")
def test_digits():
    return mnist("test[:300]", mnist_npz_path(), as_numpy=True, with_labels=True)


def test_preset_classifies_real_test_digits(classifier, test_digits):
    x, y = test_digits
    predicted = np.argmax(classifier.predict(x[:100], verbose=0), axis=1)
    assert np.sum(predicted == y[:100]) >= 99
    card = presets.list_presets()["mnist_classifier"]
    assert "python zoo/build_classifier.py" in open(
        os.path.join(card["path"], "model_card.md")
    ).read()
    with pytest.raises(ValueError, match="not a"):
        presets.load_classifier("mode_penalty_gan_ring8")


def test_stacked_mnist_modes_of_real_stacks(classifier, test_digits):
    data = StackedMNIST("unrolled_gan", seed=0, digits=test_digits,
                        samples_per_epoch=200)
    x, y = data.numpy(with_labels=True)
    out = stacked_mnist_modes(x, classifier, reference=data.label_distribution())
    assert np.mean(out["labels"] == y) >= 0.97
    assert abs(out["modes"] - len(np.unique(y))) <= 6
    assert np.isfinite(out["kl_train"]) and out["kl"] > 0


@pytest.mark.slow
def test_preset_accuracy_on_the_real_test_set(classifier):
    x, y = mnist("test", mnist_npz_path(), as_numpy=True, with_labels=True)
    predicted = np.argmax(classifier.predict(x, batch_size=1000, verbose=0), axis=1)
    accuracy = np.mean(predicted == y)
    assert accuracy >= 0.993
    path = presets.list_presets()["mnist_classifier"]["path"]
    with open(os.path.join(path, "metrics.json")) as f:
        recorded = json.load(f)
    assert abs(accuracy - recorded["test_accuracy"]) <= 0.001
