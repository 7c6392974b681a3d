import numpy as np
import pytest
from keras import ops

from keras_modegan.losses.penalties import (
    PENALTY_FORMS,
    PENALTY_NORMS,
    gradient_penalty,
)
from tests.helpers import toy_data


def _np(t):
    return float(ops.convert_to_numpy(t))


def _expected(grads, norm, form, target=1.0):
    """The penalty written out in NumPy from per-sample input gradients."""
    flat = grads.reshape(len(grads), -1).astype("float64")
    reduced = (flat**2).sum(axis=1) if norm == "l2" else (flat**2).mean(axis=1)
    n = np.sqrt(reduced)
    value = n**2 if form == "squared_norm" else n
    return np.mean((value - target) ** 2)


@pytest.mark.parametrize("norm", PENALTY_NORMS)
@pytest.mark.parametrize("form", PENALTY_FORMS)
def test_linear_critic_by_hand(norm, form):
    # D(x) = w.x has input gradient w at every interpolate, whatever eps:
    # ||w||_2 = 5, rms(w) = sqrt(12.5).
    w = np.array([[3.0], [4.0]], "float32")
    hand = {
        ("l2", "norm"): (5.0 - 1.0) ** 2,
        ("l2", "squared_norm"): (25.0 - 1.0) ** 2,
        ("rms", "norm"): (np.sqrt(12.5) - 1.0) ** 2,
        ("rms", "squared_norm"): (12.5 - 1.0) ** 2,
    }[(norm, form)]
    real = ops.convert_to_tensor(toy_data(32))
    fake = ops.convert_to_tensor(toy_data(32, seed=1))
    gp = gradient_penalty(
        lambda t: ops.matmul(t, ops.convert_to_tensor(w)),
        real, fake, seed=0, norm=norm, form=form,
    )
    np.testing.assert_allclose(_np(gp), hand, rtol=1e-5)


@pytest.mark.parametrize("norm", PENALTY_NORMS)
@pytest.mark.parametrize("form", PENALTY_FORMS)
def test_quadratic_critic_matches_numpy(norm, form):
    # D(x) = x A x^T / 2 (A symmetric) has gradient x A; with real == fake
    # every interpolate is x, so the gradient differs from sample to sample
    # and is known exactly.
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    a = ((a + a.T) / 2).astype("float32")
    x = rng.normal(size=(16, 3)).astype("float32")
    at = ops.convert_to_tensor(a)

    def critic(t):
        return 0.5 * ops.sum(t * ops.matmul(t, at), axis=1, keepdims=True)

    xt = ops.convert_to_tensor(x)
    for target in (1.0, 2.0):
        gp = gradient_penalty(
            critic, xt, xt, seed=0, norm=norm, target=target, form=form
        )
        np.testing.assert_allclose(
            _np(gp), _expected(x @ a, norm, form, target), rtol=1e-4
        )


def test_image_shaped_batch_reduces_over_every_feature_axis():
    # D(x) = sum(x * v) on (batch, 2, 2, 1) inputs: gradient v per sample.
    v = np.arange(1.0, 5.0, dtype="float32").reshape(1, 2, 2, 1) / 4.0
    x = np.random.default_rng(0).normal(size=(6, 2, 2, 1)).astype("float32")
    vt = ops.convert_to_tensor(v)

    def critic(t):
        return ops.sum(t * vt, axis=(1, 2, 3))

    xt = ops.convert_to_tensor(x)
    grads = np.broadcast_to(v, x.shape)
    for norm in PENALTY_NORMS:
        for form in PENALTY_FORMS:
            gp = gradient_penalty(critic, xt, xt * 0.5, seed=1, norm=norm,
                                  form=form)
            np.testing.assert_allclose(
                _np(gp), _expected(grads, norm, form), rtol=1e-5
            )


def test_squared_form_is_about_four_times_stronger_near_norm_one():
    # (n^2 - 1)^2 = (n - 1)^2 (n + 1)^2: at n = 1.01 the ratio is 2.01^2.
    w = np.array([[1.01], [0.0]], "float32")
    x = ops.convert_to_tensor(toy_data(8))

    def critic(t):
        return ops.matmul(t, ops.convert_to_tensor(w))

    plain = _np(gradient_penalty(critic, x, x, seed=0))
    squared = _np(gradient_penalty(critic, x, x, seed=0, form="squared_norm"))
    np.testing.assert_allclose(squared / plain, 2.01**2, rtol=1e-3)


def test_bad_arguments():
    x = ops.ones((2, 2))
    with pytest.raises(ValueError, match="`form` must be one of"):
        gradient_penalty(lambda t: t, x, x, seed=0, form="square")
    with pytest.raises(ValueError, match="`norm` must be one of"):
        gradient_penalty(lambda t: t, x, x, seed=0, norm="l1")
