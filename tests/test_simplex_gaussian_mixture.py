import warnings

import keras
import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import multivariate_normal

from keras_modegan.engine import autodiff
from keras_modegan.layers import SimplexGaussianMixture


def build(dim, **kwargs):
    layer = SimplexGaussianMixture(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        layer.build((None, dim))
    return layer


def scipy_likelihood(points, vertices, variance):
    dim = vertices.shape[1]
    cov = variance * np.eye(dim)
    return sum(
        multivariate_normal(mean=mu, cov=cov).pdf(points) for mu in vertices
    ).reshape(len(points)) / len(vertices)


def test_pairwise_equidistant_and_centred():
    for dim in (1, 2, 3, 9):
        layer = build(dim, edge_length=2.5)
        v = layer.vertices
        assert v.shape == (dim + 1, dim)
        np.testing.assert_allclose(pdist(v), 2.5, rtol=1e-10)
        np.testing.assert_allclose(v.mean(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize("dim", [1, 2, 9])
@pytest.mark.parametrize(
    "edge_length,variance", [(1.0, 0.25), (1.0, 0.05), (2.0, 0.5)]
)
def test_likelihood_matches_scipy(dim, edge_length, variance):
    layer = build(dim, edge_length=edge_length, variance=variance)
    rng = np.random.default_rng(dim)
    near = layer.vertices[rng.integers(0, dim + 1, 300)]
    points = np.concatenate(
        [
            near + 0.4 * rng.standard_normal((300, dim)),
            0.8 * rng.standard_normal((200, dim)),
        ]
    ).astype("float32")
    expected = scipy_likelihood(points.astype("float64"), layer.vertices, variance)
    got = keras.ops.convert_to_numpy(layer(points))
    assert got.shape == (500,)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-12)
    log_got = keras.ops.convert_to_numpy(layer.log_likelihood(points))
    np.testing.assert_allclose(log_got, np.log(expected), atol=1e-5)
    log_layer = SimplexGaussianMixture(
        edge_length=edge_length, variance=variance, return_log=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = keras.ops.convert_to_numpy(log_layer(points))
    np.testing.assert_allclose(out, np.log(expected), atol=1e-5)


@pytest.mark.parametrize("dim", [1, 2, 9])
@pytest.mark.parametrize("variance", [0.25, 0.05, 0.12])
def test_lambda_is_the_global_maximum(dim, variance):
    layer = build(dim, variance=variance)
    v = layer.vertices
    rng = np.random.default_rng(0)
    points = np.concatenate(
        [
            v[rng.integers(0, dim + 1, 4000)] + 0.2 * rng.standard_normal((4000, dim)),
            rng.dirichlet(np.ones(dim + 1), 3000) @ v,
            0.5 * rng.standard_normal((3000, dim)),
            v,
            np.zeros((1, dim)),
        ]
    )
    lk = scipy_likelihood(points, v, variance)
    assert layer.lambda_ >= lk.max() * (1 - 1e-12)
    # It is attained: the stored maximizer has density lambda_.
    at_mode = scipy_likelihood(layer.mode_[None], v, variance)[0]
    np.testing.assert_allclose(at_mode, layer.lambda_, rtol=1e-9)
    # And it is a maximum, not just an upper bound: nothing much below it.
    assert lk.max() >= 0.99 * layer.lambda_


def test_paper_setting_is_unimodal_and_warns():
    layer = SimplexGaussianMixture(edge_length=1.0, variance=0.25)
    with pytest.warns(UserWarning, match="not local maxima") as record:
        layer.build((None, 9))
    message = str(record[0].message)
    # The two densities of the issue: centroid 0.053, vertex 0.029.
    assert "0.0532838" in message and "0.0290687" in message
    np.testing.assert_allclose(layer.lambda_, 0.0532838, rtol=1e-5)
    np.testing.assert_allclose(layer.mode_, 0.0, atol=1e-9)


def test_separated_components_do_not_warn_and_peak_near_vertices():
    layer = SimplexGaussianMixture(edge_length=1.0, variance=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer.build((None, 9))
    v = layer.vertices
    vertex_density = scipy_likelihood(v[:1], v, 0.05)[0]
    centroid_density = scipy_likelihood(np.zeros((1, 9)), v, 0.05)[0]
    assert layer.lambda_ > vertex_density > centroid_density
    # The mode sits near a vertex, pulled slightly towards the centroid.
    nearest = np.min(np.linalg.norm(v - layer.mode_, axis=1))
    assert nearest < 0.05


def test_far_embeddings_have_finite_log_likelihood_and_gradients():
    layer = build(9, variance=0.25)
    direction = np.ones((4, 9), dtype="float32") / 3.0
    far = keras.ops.convert_to_tensor(direction * 100.0 * np.arange(1, 5)[:, None])
    log_lk = keras.ops.convert_to_numpy(layer.log_likelihood(far))
    assert np.all(np.isfinite(log_lk)) and np.all(log_lk < -1e4)
    for fn in (
        layer.log_likelihood,
        lambda e: layer.log_likelihood(e, epsilon=1e-8),
        layer.log_gap,
    ):
        grad = keras.ops.convert_to_numpy(autodiff.input_gradient(fn, far))
        assert np.all(np.isfinite(grad)), grad
    grad = keras.ops.convert_to_numpy(
        autodiff.input_gradient(layer.log_likelihood, far)
    )
    # Points back towards the simplex.
    assert np.all(np.sum(grad * direction, axis=1) < 0)


def test_log_gap_is_guarded():
    layer = build(2, variance=0.05)
    at_mode = keras.ops.convert_to_tensor(layer.mode_[None].astype("float32"))
    gap = keras.ops.convert_to_numpy(layer.log_gap(at_mode, epsilon=1e-8))
    assert np.all(np.isfinite(gap)) and gap[0] < np.log(1e-3)
    far = keras.ops.convert_to_tensor(np.full((1, 2), 50.0, dtype="float32"))
    gap = keras.ops.convert_to_numpy(layer.log_gap(far))
    np.testing.assert_allclose(gap, np.log(layer.lambda_ + 1e-8), rtol=1e-6)
    with pytest.raises(ValueError, match="epsilon"):
        layer.log_gap(far, epsilon=0.0)


def test_assignments_are_the_nearest_vertex():
    layer = build(3, variance=0.1)
    rng = np.random.default_rng(1)
    points = rng.standard_normal((200, 3)).astype("float32")
    lk, assigned = layer(points, return_assignments=True)
    nearest = np.argmin(
        np.linalg.norm(points[:, None] - layer.vertices[None], axis=-1), axis=1
    )
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(assigned), nearest)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer.assignments(points)), nearest
    )
    assert keras.ops.convert_to_numpy(lk).shape == (200,)


def test_config_round_trip_and_no_weights():
    layer = build(4, edge_length=1.5, variance=0.1, return_log=True, name="sgmm")
    assert layer.weights == [] and layer.trainable_weights == []
    config = layer.get_config()
    assert config["edge_length"] == 1.5
    assert config["variance"] == 0.1
    assert config["return_log"] is True
    clone = SimplexGaussianMixture.from_config(config)
    clone.build((None, 4))
    assert clone.get_config() == config
    assert clone.lambda_ == layer.lambda_
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone(x)), keras.ops.convert_to_numpy(layer(x))
    )


def test_in_a_saved_model(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(2),
            SimplexGaussianMixture(variance=0.05),
        ]
    )
    x = np.random.default_rng(0).standard_normal((6, 3)).astype("float32")
    assert model.output_shape == (None,)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x)),
        keras.ops.convert_to_numpy(model(x)),
        rtol=1e-6,
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="variance"):
        SimplexGaussianMixture(variance=-1.0)
    with pytest.raises(ValueError, match="edge_length"):
        SimplexGaussianMixture(edge_length=0)
    with pytest.raises(ValueError, match="return_log"):
        SimplexGaussianMixture(return_log="yes")
    with pytest.raises(ValueError, match="embedding size"):
        SimplexGaussianMixture().build((None, None))
