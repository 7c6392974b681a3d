import os

import keras
import numpy as np
import pytest

from keras_modegan.callbacks import ClusterUsage
from keras_modegan.models import MixtureDensityGAN, VanillaGAN
from keras_modegan.networks import mlp
from tests.helpers import toy_data


def small():
    return MixtureDensityGAN.from_mlp(
        2, embedding_dim=3, hidden_units=(16, 16), variance=0.05, seed=0
    )


def test_logs_shares_and_writes_png(tmp_path):
    model = small()
    model.compile()
    x = toy_data(256)
    path = tmp_path / "plots" / "clusters.png"
    usage = ClusterUsage(x[:100], path=path, num_samples=120)
    history = model.fit(
        x, batch_size=64, epochs=2, verbose=0, callbacks=[usage]
    ).history
    for kind in ("real", "fake"):
        shares = np.array([history[f"{kind}_cluster_{i}"] for i in range(4)])
        assert shares.shape == (4, 2)
        np.testing.assert_allclose(shares.sum(axis=0), 1.0, rtol=1e-9)
        used = np.asarray(history[f"{kind}_clusters_used"])
        np.testing.assert_array_equal(used, np.count_nonzero(shares, axis=0))
    assert usage.real_shares.shape == (2, 4) and usage.fake_shares.shape == (2, 4)
    np.testing.assert_allclose(
        usage.real_shares[:, 0], history["real_cluster_0"], rtol=1e-12
    )
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(path.parent) == ["clusters.png"]  # no temporary left


def test_shares_are_nearest_vertex_counts():
    model = small()
    x = toy_data(200, seed=3)
    usage = ClusterUsage(x, batch_size=64)
    usage.set_model(model)
    shares = usage.shares(x)
    embeddings = keras.ops.convert_to_numpy(model.discriminator(x))
    vertices = model.mixture.vertices
    nearest = np.argmin(
        np.linalg.norm(embeddings[:, None] - vertices[None], axis=-1), axis=1
    )
    np.testing.assert_allclose(shares, np.bincount(nearest, minlength=4) / 200)


def test_needs_a_mixture_model():
    gan = VanillaGAN(mlp(2, 2, hidden_units=(8,)), mlp(2, 1, hidden_units=(8,)), 2)
    gan.compile()
    usage = ClusterUsage(toy_data(32))
    with pytest.raises(ValueError, match="SimplexGaussianMixture"):
        gan.fit(toy_data(64), batch_size=32, epochs=1, verbose=0, callbacks=[usage])


def test_bad_arguments():
    with pytest.raises(ValueError, match="`x`"):
        ClusterUsage(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="num_samples"):
        ClusterUsage(toy_data(8), num_samples=0)
    with pytest.raises(ValueError, match="batch_size"):
        ClusterUsage(toy_data(8), batch_size=-1)
    with pytest.raises(ValueError, match="nothing to plot"):
        ClusterUsage(toy_data(8)).plot("x.png")
