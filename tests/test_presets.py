import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
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


def _untrained(tmp_path):
    """A tiny preset directory, unfitted (fast: no training step built)."""
    model = WGANGP(mlp(2, 2, hidden_units=(8,)), mlp(2, 1, hidden_units=(8,)), 2)
    path = os.path.join(str(tmp_path), "tiny_wgan")
    model.save_to_preset(path, description="tiny test preset")
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
    # Every model weight, no optimizer slot (never read: loaded uncompiled).
    import h5py

    with h5py.File(os.path.join(path, "model.weights.h5")) as f:
        assert "optimizer" not in f and {"generator", "critic"} <= set(f)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert a.shape == b.shape
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


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves `files` (path -> bytes); paths under /short/ send half of
    the file with no Content-Length, those under /cut/ announce the full
    length and send half: both then close the connection."""

    files = {}

    def do_GET(self):
        body = self.files.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        cut = self.path.startswith(("/short/", "/cut/"))
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        if not self.path.startswith("/short/"):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A file server on 127.0.0.1 (HTTP/1.0: one request per connection),
    stopped after the test. Yields `(files, url)`."""
    handler = type("Handler", (_Handler,), {"files": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler.files, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _zipped(path):
    """The bytes of a .zip of the preset directory `path`."""
    base = os.path.join(os.path.dirname(path), "archive")
    archive = shutil.make_archive(
        base, "zip", os.path.dirname(path), os.path.basename(path)
    )
    with open(archive, "rb") as f:
        data = f.read()
    os.remove(archive)
    return data


def _cached_files(cache):
    """Every file under the cache, relative to it."""
    return sorted(
        os.path.relpath(os.path.join(root, name), cache)
        for root, _, names in os.walk(cache)
        for name in names
    )


def test_download_with_sha256(tmp_path, http_server):
    model, path = _untrained(tmp_path)
    files, url = http_server
    data = _zipped(path)
    files["/tiny_wgan.zip"] = data
    sha = hashlib.sha256(data).hexdigest()
    cache = os.path.join(str(tmp_path), "cache")
    # A wrong hash is refused and leaves nothing in the cache.
    with pytest.raises(ValueError, match="Cannot download preset .*hash"):
        AdversarialModel.from_preset(
            f"{url}/tiny_wgan.zip", file_hash="0" * 64, cache_dir=cache
        )
    assert _cached_files(cache) == []
    loaded = AdversarialModel.from_preset(
        f"{url}/tiny_wgan.zip", file_hash=sha, cache_dir=cache
    )
    np.testing.assert_allclose(
        loaded.generate(16, seed=2), model.generate(16, seed=2), atol=1e-6
    )
    # Cached now: served again without a download, verified again.
    del files["/tiny_wgan.zip"]
    AdversarialModel.from_preset(f"{url}/tiny_wgan.zip", file_hash=sha,
                                 cache_dir=cache)
    # A cached archive that fails the hash is never used: it is fetched
    # again (here the server no longer has it, so that is an error).
    with pytest.raises(ValueError, match="Cannot download preset .*404"):
        AdversarialModel.from_preset(
            f"{url}/tiny_wgan.zip", file_hash="1" * 64, cache_dir=cache
        )
    with pytest.raises(ValueError, match="`file_hash` must be None or the sha256"):
        AdversarialModel.from_preset(f"{url}/tiny_wgan.zip", file_hash="abc",
                                     cache_dir=cache)


def test_same_file_name_under_two_urls(tmp_path, http_server):
    """The cache is keyed by the whole URL, not the file name."""
    files, url = http_server
    first = VanillaGAN(mlp(2, 2, hidden_units=(4,)), mlp(2, 1, hidden_units=(4,)), 2)
    second = WGANGP(mlp(2, 2, hidden_units=(6,)), mlp(2, 1, hidden_units=(6,)), 2)
    for name, model in (("a", first), ("b", second)):
        path = os.path.join(str(tmp_path), name, "preset")
        model.save_to_preset(path)
        files[f"/{name}/preset.zip"] = _zipped(path)
    cache = os.path.join(str(tmp_path), "cache")
    for _ in range(2):  # downloaded, then from the cache
        a = AdversarialModel.from_preset(f"{url}/a/preset.zip", cache_dir=cache)
        b = AdversarialModel.from_preset(f"{url}/b/preset.zip", cache_dir=cache)
        assert type(a) is VanillaGAN and type(b) is WGANGP
        np.testing.assert_allclose(
            b.generate(8, seed=0), second.generate(8, seed=0), atol=1e-6
        )


@pytest.mark.parametrize(
    "route, body, message",
    [
        ("/bad/preset.zip", b"this is not a zip archive" * 40,
         "not a valid zip file"),
        ("/short/preset.zip", None, "not a valid zip file"),
        ("/cut/preset.zip", None, "Cannot download preset .*retrieval incomplete"),
    ],
)
def test_corrupt_and_truncated_downloads_leave_nothing(
    tmp_path, http_server, route, body, message
):
    _, path = _untrained(tmp_path)
    files, url = http_server
    files[route] = _zipped(path) if body is None else body
    cache = os.path.join(str(tmp_path), "cache")
    for _ in range(2):  # the same clean error every time: nothing was kept
        with pytest.raises(ValueError, match=message) as info:
            AdversarialModel.from_preset(url + route, cache_dir=cache)
        text = str(info.value)
        assert len(text.splitlines()) == 1 and url + route in text
        if "zip" in message:
            assert os.path.join(cache, "keras_modegan") in text
        assert [f for f in _cached_files(cache)] == []


def test_archive_without_weights(tmp_path, http_server):
    _, path = _untrained(tmp_path)
    os.remove(os.path.join(path, presets.WEIGHTS_FILE))
    files, url = http_server
    files["/noweights.zip"] = _zipped(path)
    cache = os.path.join(str(tmp_path), "cache")
    with pytest.raises(ValueError, match="has no model.weights.h5") as info:
        AdversarialModel.from_preset(f"{url}/noweights.zip", cache_dir=cache)
    assert len(str(info.value).splitlines()) == 1
    assert _cached_files(cache) == []
    # A local directory without weights: one line too.
    with pytest.raises(ValueError, match="has no model.weights.h5"):
        AdversarialModel.from_preset(path)


def test_stale_partial_download_is_removed(tmp_path, http_server):
    _, path = _untrained(tmp_path)
    files, url = http_server
    files["/p.zip"] = _zipped(path)
    cache = os.path.join(str(tmp_path), "cache")
    AdversarialModel.from_preset(f"{url}/p.zip", cache_dir=cache)
    (directory,) = {os.path.dirname(os.path.join(cache, f))
                    for f in _cached_files(cache) if f.endswith("p.zip")}
    # What a download killed mid-file leaves (a process that is gone).
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = os.path.join(directory, f".p.zip.{proc.stdout.strip()}.part")
    with open(stale, "wb") as f:
        f.write(b"PK\x03\x04 half")
    files["/p.zip"] = b"changed"
    with pytest.raises(ValueError, match="hash does not match"):
        AdversarialModel.from_preset(f"{url}/p.zip", file_hash="2" * 64,
                                     cache_dir=cache)
    assert not os.path.exists(stale)


def test_config_class_names_must_agree(tmp_path):
    _, path = _untrained(tmp_path)
    config_path = os.path.join(path, presets.CONFIG_FILE)
    with open(config_path) as f:
        config = json.load(f)
    config["class_name"] = "NoSuchGAN"
    with open(config_path, "w") as f:
        json.dump(config, f)
    with pytest.raises(ValueError, match="class_name='NoSuchGAN' but "
                       "registered_name='keras_modegan>WGANGP'"):
        AdversarialModel.from_preset(path)


# The GAN presets; the classifier presets (plain Keras models, e.g.
# mnist_classifier) are tested in test_classifier_metrics.py.
GAN_PRESETS = sorted(
    name for name, info in presets.list_presets().items()
    if info["class_name"] not in ("Sequential", "Functional")
)


def _check_stacked_mnist_preset(model, recorded, path):
    # The generator's outputs on the fixed codes equal the builder's on
    # every backend (the weights load whole and compute the same); under the
    # backend that built it, the card's modes on the card's samples.
    import keras

    from keras_modegan.metrics import stacked_mnist_modes

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "zoo"))
    import build_presets

    check = build_presets.generator_check(model)
    for key in ("mean", "std"):
        np.testing.assert_allclose(check[key], recorded["check"][key],
                                   rtol=1e-3, atol=1e-4)
    with open(os.path.join(path, "model_card.md")) as f:
        built_under = "Keras backend `tensorflow`" in f.read()
    if built_under and keras.backend.backend() == "tensorflow":
        measured = stacked_mnist_modes(
            model.generate(recorded["num_samples"], seed=recorded["seed"]),
            "mnist_classifier")
        assert abs(measured["modes"] - recorded["modes"]) <= max(
            2, 0.1 * recorded["modes"])


@pytest.mark.parametrize("name", GAN_PRESETS)
def test_bundled_presets_reproduce_their_card(name):
    """Every shipped preset loads under this backend and its samples score
    what its card says (within sampling noise: the latent draw for a seed
    differs between backends)."""
    model = AdversarialModel.from_preset(name)
    path = presets.list_presets()[name]["path"]
    with open(os.path.join(path, "metrics.json")) as f:
        recorded = json.load(f)
    if recorded["data"] == "stacked_mnist":
        _check_stacked_mnist_preset(model, recorded, path)
        return
    _, spec = load_mixture(recorded["data"], num_samples=1)
    samples = model.generate(spec.num_eval_samples, seed=0)
    assert samples.shape == (spec.num_eval_samples,) + model.data_shape
    measured = mode_coverage(samples, spec)
    assert measured["modes"] >= recorded["modes"] - 1
    assert measured["hq"] >= recorded["hq"] - 0.05
