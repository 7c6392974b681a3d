import numpy as np
import pytest

from keras_modegan.datasets import MixtureSpec, get_spec, load_mixture
from keras_modegan.metrics import (
    canonical_histograms,
    jensen_shannon,
    mode_counts,
    mode_coverage,
    nearest_mode,
)

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


def slow_reference(samples, spec):
    """Loop-per-sample reference of modes / registered / kl / tv."""
    counts = [0] * spec.num_modes
    for x in samples:
        best, best_d = None, None
        for k, c in enumerate(spec.centers):
            d = float(np.sqrt(sum((float(a) - float(b)) ** 2 for a, b in zip(x, c))))
            if best_d is None or d < best_d:
                best, best_d = k, d
        if best_d <= spec.radius:
            counts[best] += 1
    total = sum(counts)
    p = [c / total for c in counts]
    kl = sum(pk * np.log(pk / wk) for pk, wk in zip(p, spec.weights) if pk > 0)
    tv = 0.5 * sum(abs(pk - wk) for pk, wk in zip(p, spec.weights))
    return {
        "modes": sum(c >= spec.min_count for c in counts),
        "registered": total,
        "hq": total / len(samples),
        "kl": kl,
        "tv": tv,
    }


def slow_jsd(samples, spec, num_mc=400_000):
    """JSD with per-cell loops and a Monte-Carlo real histogram."""
    lo = spec.centers.min(0) - 4 * spec.std
    hi = spec.centers.max(0) + 4 * spec.std
    w = 2 * spec.std
    n = np.ceil((hi - lo) / w).astype(int)

    def hist(points):
        h = {}
        for x in points:
            cell = tuple(int(np.floor((x[d] - lo[d]) / w)) for d in range(len(x)))
            if any(c < 0 or c >= n[d] for d, c in enumerate(cell)):
                cell = "out"
            h[cell] = h.get(cell, 0) + 1
        return {k: v / len(points) for k, v in h.items()}

    real, _ = spec.sample(num_mc, seed=99)
    p, q = hist(real), hist(samples)
    jsd = 0.0
    for key in set(p) | set(q):
        a, b = p.get(key, 0.0), q.get(key, 0.0)
        m = (a + b) / 2
        jsd += 0.5 * (a * np.log2(a / m) if a else 0) + 0.5 * (
            b * np.log2(b / m) if b else 0
        )
    return jsd


def test_all_samples_on_one_mode():
    spec = get_spec("grid25")
    samples = np.tile(spec.centers[7], (2500, 1))
    m = mode_coverage(samples, spec)
    assert m["modes"] == 1
    assert m["hq"] == 1.0 and m["registered"] == 2500
    assert m["kl"] == pytest.approx(np.log(25))
    assert m["tv"] == pytest.approx(24 / 25)
    assert m["jsd"] > 0.9


def test_uniform_over_all_modes():
    spec = get_spec("ring8")
    samples = np.repeat(spec.centers, 100, axis=0)
    m = mode_coverage(samples, spec)
    assert m["modes"] == 8 and m["hq"] == 1.0 and m["registered"] == 800
    assert m["kl"] == pytest.approx(0.0, abs=1e-12)
    assert m["tv"] == pytest.approx(0.0, abs=1e-12)


def test_far_from_every_mode():
    spec = get_spec("grid25")
    samples = np.full((1000, 2), 100.0)
    m = mode_coverage(samples, spec)
    assert m["modes"] == 0 and m["hq"] == 0.0 and m["registered"] == 0
    assert m["kl"] == float("inf") and m["tv"] == 1.0
    assert m["jsd"] > 0.99
    # Between the modes (1 unit from every centre) is not high quality.
    between = np.full((100, 2), 1.0)
    assert mode_coverage(between, spec)["hq"] == 0.0


def test_min_count_and_radius():
    spec = get_spec("grid25_gaan")  # min_count 20, radius 0.1 * sqrt(2)
    samples = np.concatenate(
        [np.tile(spec.centers[0], (20, 1)), np.tile(spec.centers[1], (19, 1))]
    )
    m = mode_coverage(samples, spec)
    assert m["modes"] == 1 and m["registered"] == 39
    edge = spec.centers[:1] + [[0.14, 0.0]], spec.centers[:1] + [[0.15, 0.0]]
    assert mode_counts(edge[0], spec)[0] == 1
    assert mode_counts(edge[1], spec)[0] == 0


def test_true_samples_score_well():
    for name in ("ring8", "grid25", "random25", "cube27"):
        x, spec = load_mixture(name, num_samples=50_000, seed=4)
        m = mode_coverage(x, spec)
        assert m["modes"] == spec.num_modes
        assert m["hq"] > 0.95  # 3-std ball: 98.9% in 2-D, 97.1% in 3-D
        assert m["kl"] < 0.005 and m["tv"] < 0.02
        assert m["jsd"] < 0.01


@pytest.mark.parametrize("name", ["ring8", "random25", "cube27", "grid25_gaan"])
def test_against_slow_reference(name):
    spec = get_spec(name)
    rng = np.random.default_rng(0)
    x, _ = spec.sample(600, seed=1)
    # Mix in collapsed and broad samples so every branch is exercised.
    x = np.concatenate(
        [x[:400], np.tile(spec.centers[:1], (100, 1)),
         spec.centers[rng.integers(0, spec.num_modes, 100)]
         + rng.normal(0, 4 * spec.std, (100, spec.dim))]
    )
    fast = mode_coverage(x, spec)
    slow = slow_reference(x, spec)
    for key in ("modes", "registered"):
        assert fast[key] == slow[key]
    for key in ("hq", "kl", "tv"):
        assert fast[key] == pytest.approx(slow[key], rel=1e-9, abs=1e-12)


def test_jsd_against_slow_reference():
    spec = get_spec("ring8")
    rng = np.random.default_rng(2)
    x, _ = spec.sample(1000, seed=5)
    x[:300] = x[:300] + rng.normal(0, 0.3, (300, 2))
    fast = mode_coverage(x, spec)["jsd"]
    slow = slow_jsd(x, spec)
    assert fast == pytest.approx(slow, abs=0.01)
    assert 0.1 < fast < 0.9


def test_canonical_histograms_are_distributions():
    spec = get_spec("cube27")
    x, _ = spec.sample(1000, seed=0)
    p, q = canonical_histograms(x, spec)
    assert p.shape == q.shape
    np.testing.assert_allclose([p.sum(), q.sum()], [1.0, 1.0])
    assert np.all(p >= 0) and np.all(q >= 0)
    assert jensen_shannon(p, p) == 0.0
    assert jensen_shannon([1.0, 0.0], [0.0, 1.0]) == pytest.approx(1.0)


def test_nearest_mode_and_nan():
    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    x = np.array([[1.0, 0.0], [9.0, 1.0], [np.nan, 0.0]])
    index, dist = nearest_mode(x, centers)
    assert list(index[:2]) == [0, 1]
    np.testing.assert_allclose(dist[:2], [1.0, np.sqrt(2)])
    assert dist[2] == np.inf
    spec = MixtureSpec("two", centers, 0.5, [0.5, 0.5])
    m = mode_coverage(x, spec)
    assert m["registered"] == 2 and m["modes"] == 2


def test_fast_on_50k_samples():
    import time

    x, spec = load_mixture("grid25", num_samples=50_000, seed=0)
    start = time.perf_counter()
    mode_coverage(x, spec)
    assert time.perf_counter() - start < 2.0


def test_bad_samples_shape():
    with pytest.raises(ValueError, match="samples"):
        mode_coverage(np.zeros((10, 3)), "grid25")
    with pytest.raises(ValueError, match="name"):
        mode_coverage(np.zeros((10, 2)), "nope")
