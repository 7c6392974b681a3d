import numpy as np
import pytest

from keras_modegan.datasets import (
    MIXTURES,
    MixtureSpec,
    as_dataset,
    get_spec,
    load_mixture,
)

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


@pytest.mark.parametrize("name", MIXTURES)
def test_every_mixture_loads(name):
    x, spec = load_mixture(name, num_samples=500, seed=0)
    assert x.dtype == np.float32
    assert x.shape == (500, spec.dim)
    assert spec.name == name
    assert spec.centers.shape == (spec.num_modes, spec.dim)
    np.testing.assert_allclose(spec.weights.sum(), 1.0)
    assert spec.num_eval_samples > 0 and spec.min_count >= 1
    # Every point is near its mode: the data are in their own units.
    dist = np.min(
        np.linalg.norm(x[:, None, :] - spec.centers[None], axis=-1), axis=1
    )
    assert np.all(dist < 8 * spec.std)


def test_ring8_has_eight_distinct_modes():
    spec = get_spec("ring8")
    assert spec.num_modes == 8 and spec.std == 0.02
    np.testing.assert_allclose(np.linalg.norm(spec.centers, axis=1), 2.0)
    angles = np.sort(np.mod(np.arctan2(spec.centers[:, 1], spec.centers[:, 0]),
                            2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)
    pairwise = np.linalg.norm(spec.centers[:, None] - spec.centers[None], axis=-1)
    assert np.min(pairwise + np.eye(8) * 10) > 1.5  # no duplicated centre


def test_grid25_and_cube27_geometry():
    spec = get_spec("grid25")
    assert spec.std == 0.05 and spec.radius == pytest.approx(0.15)
    assert sorted(set(spec.centers[:, 0])) == [-4, -2, 0, 2, 4]
    assert len({tuple(c) for c in spec.centers}) == 25
    cube = get_spec("cube27")
    assert cube.dim == 3 and len({tuple(c) for c in cube.centers}) == 27


def test_circle6_and_protocol_variants():
    spec = get_spec("circle6")
    np.testing.assert_allclose(np.linalg.norm(spec.centers, axis=1), 5.0)
    assert spec.std == 0.1 and spec.num_modes == 6
    gaan = get_spec("grid25_gaan")
    assert (gaan.num_train, gaan.num_eval_samples, gaan.min_count) == (
        50_000, 2_000, 20)
    mp = get_spec("grid25_mp")
    assert (mp.num_train, mp.num_eval_samples) == (20_000, 5_000)
    x, _ = load_mixture("cube27_mp")
    assert x.shape == (20_000, 3)


def test_random25_is_fixed_and_non_uniform():
    a, b = get_spec("random25"), get_spec("random25")
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.weights.std() > 0.005
    pairwise = np.linalg.norm(a.centers[:, None] - a.centers[None], axis=-1)
    assert np.min(pairwise + np.eye(25) * 10) >= 1.0


def test_weights_are_respected():
    x, spec = load_mixture("random25", num_samples=50_000, seed=3)
    labels = np.argmin(
        np.linalg.norm(x[:, None, :] - spec.centers[None], axis=-1), axis=1
    )
    freq = np.bincount(labels, minlength=25) / len(x)
    np.testing.assert_allclose(freq, spec.weights, atol=0.006)


def test_seeds():
    a, _ = load_mixture("grid25", num_samples=100, seed=1)
    b, _ = load_mixture("grid25", num_samples=100, seed=1)
    c, _ = load_mixture("grid25", num_samples=100, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bad_arguments():
    with pytest.raises(ValueError, match="name"):
        load_mixture("ring9")
    with pytest.raises(ValueError, match="num_samples"):
        load_mixture("ring8", num_samples=0)
    with pytest.raises(ValueError, match="batch_size"):
        as_dataset(np.zeros((10, 2)), batch_size=-1)
    with pytest.raises(ValueError, match="std"):
        MixtureSpec("x", np.zeros((2, 2)), 0.0, np.ones(2))


def test_as_dataset_shuffles_batches_and_repeats_per_epoch():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    ds = as_dataset(x, batch_size=8, seed=0)
    first = [b.numpy() for b in ds]
    second = [b.numpy() for b in ds]
    assert [b.shape for b in first] == [(8, 2), (8, 2)]  # remainder dropped
    assert all(b.dtype == np.float32 for b in first)
    seen = np.concatenate(first)
    assert len({tuple(r) for r in seen}) == 16  # no duplicates in an epoch
    assert not np.array_equal(np.concatenate(first), x[:16])  # shuffled
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
