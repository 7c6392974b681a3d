import numpy as np
import pytest
from keras import ops

from keras_modegan.losses.penalties import gradient_penalty
from keras_modegan.models import WGANGP
from keras_modegan.networks import mlp
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
)


def _model(**kwargs):
    return WGANGP(
        mlp(2, 2, hidden_units=(16, 16)), mlp(2, 1, hidden_units=(16, 16)), 2, **kwargs
    )


def test_fit_numpy_and_tf_data():
    import tensorflow as tf  # only here: a tf.data / tf.function check
    history = run_fit_smoke(_model(n_critic=2), toy_data(256), batch_size=64)
    assert history.history["gp"][0] >= 0.0
    ds = tf.data.Dataset.from_tensor_slices(toy_data(256)).batch(64)
    run_fit_smoke(_model(n_critic=2), ds)


def test_gradient_penalty_of_linear_critic():
    # For D(x) = w.x the input gradient is w everywhere: penalty (|w| - 1)^2.
    w = np.array([[3.0], [4.0]], "float32")

    def critic(t):
        return ops.matmul(t, ops.convert_to_tensor(w))

    real = ops.convert_to_tensor(toy_data(32))
    fake = ops.convert_to_tensor(toy_data(32, seed=1))
    gp = gradient_penalty(critic, real, fake, seed=0)
    np.testing.assert_allclose(float(ops.convert_to_numpy(gp)), 16.0, rtol=1e-5)
    rms = gradient_penalty(critic, real, fake, seed=0, norm="rms")
    expected = (np.sqrt((9.0 + 16.0) / 2) - 1.0) ** 2
    np.testing.assert_allclose(float(ops.convert_to_numpy(rms)), expected, rtol=1e-5)


def test_gradient_penalty_bad_norm():
    x = ops.ones((2, 2))
    with pytest.raises(ValueError, match="`norm` must be"):
        gradient_penalty(lambda t: t, x, x, seed=0, norm="l1")


def test_config_and_save_load(tmp_path):
    model = _model(n_critic=3, gp_weight=5.0, seed=2)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    clone = assert_config_round_trip(model)
    assert clone.n_critic == 3 and clone.gp_weight == 5.0
    assert_save_load_round_trip(model, tmp_path)


def test_paper_optimizers_by_default():
    model = _model()
    model.compile()
    for optimizer in model.optimizer.players.values():
        assert float(ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(
            1e-4
        )
        assert optimizer.beta_1 == 0.0 and optimizer.beta_2 == 0.9


def test_bad_arguments():
    with pytest.raises(ValueError, match="`gp_weight` must be >= 0"):
        _model(gp_weight=-1.0)
    with pytest.raises(ValueError, match="`n_critic` must be a positive integer"):
        _model(n_critic=0)
