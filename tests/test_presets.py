import functools
import hashlib
import http.server
import json
import os
import shutil
import threading

import numpy as np
import pytest

from keras_modegan import presets
from keras_modegan.datasets import load_mixture
from keras_modegan.metrics import mode_coverage
from keras_modegan.models import WGANGP, AdversarialModel, VanillaGAN
from keras_modegan.networks import mlp
from tests.helpers import run_fit_smoke, toy_data


def _trained(tmp_path):
    model = WGANGP(mlp(2, 2, hidden_units=(8,)), mlp(2, 1, hidden_units=(8,)), 2)
    run_fit_smoke(model, toy_data(128), batch_size=64)
    path = os.path.join(str(tmp_path), "tiny_wgan")
    model.save_to_preset(path, description="tiny test preset", card="# Tiny\n")
    return model, path


def test_directory_round_trip(tmp_path):
    model, path = _trained(tmp_path)
    assert sorted(os.listdir(path)) == [
        "config.json",
        "model.weights.h5",
        "model_card.md",
    ]
    for cls in (WGANGP, AdversarialModel):
        loaded = cls.from_preset(path)
        assert type(loaded) is WGANGP and loaded.compiled
        np.testing.assert_allclose(
            loaded.generate(32, seed=1), model.generate(32, seed=1), atol=1e-6
        )
    run_fit_smoke(loaded, toy_data(128), batch_size=64)
    # No temporary directories left beside the preset.
    assert os.listdir(str(tmp_path)) == ["tiny_wgan"]


def test_wrong_class_and_unknown_preset(tmp_path):
    _, path = _trained(tmp_path)
    with pytest.raises(ValueError, match="holds a WGANGP, not a VanillaGAN"):
        VanillaGAN.from_preset(path)
    with pytest.raises(ValueError, match="Unknown `preset` 'no_such_preset'"):
        AdversarialModel.from_preset("no_such_preset")
    with pytest.raises(ValueError, match="`preset` must be"):
        AdversarialModel.from_preset(None)


@pytest.fixture
def http_server(tmp_path):
    """A file server on 127.0.0.1, stopped after the test."""
    root = os.path.join(str(tmp_path), "www")
    os.makedirs(root)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_with_sha256(tmp_path, http_server):
    model, path = _trained(tmp_path)
    root, url = http_server
    archive = shutil.make_archive(
        os.path.join(root, "tiny_wgan"), "zip", os.path.dirname(path), "tiny_wgan"
    )
    with open(archive, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    cache = os.path.join(str(tmp_path), "cache")
    # A wrong hash is refused and leaves no extracted preset behind.
    with pytest.raises(ValueError):
        AdversarialModel.from_preset(
            f"{url}/tiny_wgan.zip", file_hash="0" * 64, cache_dir=cache
        )
    assert not any(
        name.startswith("tiny_wgan-")
        for name in os.listdir(os.path.join(cache, "keras_modegan"))
    )
    loaded = AdversarialModel.from_preset(
        f"{url}/tiny_wgan.zip", file_hash=sha, cache_dir=cache
    )
    np.testing.assert_allclose(
        loaded.generate(16, seed=2), model.generate(16, seed=2), atol=1e-6
    )


@pytest.mark.parametrize("name", sorted(presets.list_presets()))
def test_bundled_presets_reproduce_their_card(name):
    """Every shipped preset loads under this backend and its samples score
    what its card says (within sampling noise: the latent draw for a seed
    differs between backends)."""
    model = AdversarialModel.from_preset(name)
    path = presets.list_presets()[name]["path"]
    with open(os.path.join(path, "metrics.json")) as f:
        recorded = json.load(f)
    _, spec = load_mixture(recorded["data"], num_samples=1)
    samples = model.generate(spec.num_eval_samples, seed=0)
    assert samples.shape == (spec.num_eval_samples,) + model.data_shape
    measured = mode_coverage(samples, spec)
    assert measured["modes"] >= recorded["modes"] - 1
    assert measured["hq"] >= recorded["hq"] - 0.05
