import keras
import numpy as np
import pytest

from keras_modegan import losses
from keras_modegan.models import VanillaGAN
from keras_modegan.networks import mlp
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
)


def _model(**kwargs):
    return VanillaGAN(
        mlp(2, 2, hidden_units=(16, 16)), mlp(2, 1, hidden_units=(16, 16)), 2, **kwargs
    )


def test_fit_numpy():
    history = run_fit_smoke(_model(), toy_data(256), batch_size=64, epochs=2)
    assert len(history.history["d_loss"]) == 2
    d_real = history.history["d_real"][-1]
    assert 0.0 < d_real < 1.0


def test_fit_tf_data():
    import tensorflow as tf  # only here: a tf.data / tf.function check
    ds = tf.data.Dataset.from_tensor_slices(toy_data(256)).shuffle(256).batch(64)
    run_fit_smoke(_model(), ds)


def test_fit_with_labels_and_partial_batch():
    x = toy_data(100)
    run_fit_smoke(_model(), x, y=np.zeros(100), batch_size=32)


@pytest.mark.parametrize("loss", sorted(losses.GAN_LOSSES))
def test_every_loss_trains(loss):
    run_fit_smoke(_model(loss=loss, d_steps=2), toy_data(128), batch_size=64)


def test_config_and_save_load(tmp_path):
    model = _model(loss="hinge", d_steps=2, latent_prior="uniform", seed=3)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    clone = assert_config_round_trip(model)
    assert clone.gan_loss == "hinge" and clone.d_steps == 2
    loaded = assert_save_load_round_trip(model, tmp_path)
    run_fit_smoke(loaded, toy_data(128), batch_size=64)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`loss` must be one of"):
        _model(loss="wasserstein_gp")
    with pytest.raises(ValueError, match="`d_steps` must be a positive integer"):
        _model(d_steps=0)


def test_early_stopping_reads_logs():
    model = _model()
    model.compile()
    history = model.fit(
        toy_data(128),
        batch_size=64,
        epochs=20,
        verbose=0,
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="d_loss", mode="min", patience=0, min_delta=10.0
            )
        ],
    )
    # Epoch 1 sets the best value; epoch 2 does not beat it by 10: stop.
    assert len(history.history["d_loss"]) == 2
