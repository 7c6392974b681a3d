"""The FID Inception network against pytorch-fid and torch-fidelity.

No real weights are downloaded: pytorch-fid's own network is built with
random weights (tests/torch_references.py), its state dict saved as a
`.pth` file and loaded through our conversion, and the features compared
on the same images. The quick test runs the network at 75x75 (every
block, a sixteenth of the 299x299 cost: the weights do not depend on the
size); the slow ones at 299x299, with resizing.
"""

import functools
import hashlib
import http.server
import os
import threading

import keras
import numpy as np
import pytest

from keras_modegan.metrics import (
    BilinearResize,
    build_fid_inception_trunk,
    fid_inception_v3,
    inception_feature_extractor,
    load_pytorch_fid_weights,
)
from keras_modegan.metrics import inception as inception_module
from keras_modegan.metrics.bilinear_resize import bilinear_resize_matrix
from tests import torch_references

torch = pytest.importorskip("torch")

RTOL = 1e-4
SIZE = 75  # the smallest input the network takes; FID's is 299


def max_relative_difference(ours, reference):
    """max |ours - reference| / max |reference|: what the parity figures report."""
    return float(np.abs(ours - reference).max() / np.abs(reference).max())


@pytest.fixture(scope="module")
def reference_net():
    return torch_references.build_pytorch_fid_inception(seed=0)


@pytest.fixture(scope="module")
def weights_file(reference_net, tmp_path_factory):
    inception, _ = reference_net
    path = tmp_path_factory.mktemp("weights") / "pt_inception-random.pth"
    torch.save(inception.state_dict(), path)
    return str(path)


def _torch_features(blocks, images01, resize=True):
    blocks.resize_input = resize
    with torch.no_grad():
        x = torch.from_numpy(np.transpose(images01, (0, 3, 1, 2))).float()
        return blocks(x)[0][:, :, 0, 0].numpy()


def test_features_match_pytorch_fid(reference_net, weights_file):
    # pytorch-fid's blocks on 75x75 images in [0, 1] (no resize, 2x - 1),
    # ours on the same pixels in [0, 255] with preprocessing="pytorch_fid".
    _, blocks = reference_net
    images = np.random.default_rng(1).integers(0, 256, (2, SIZE, SIZE, 3))
    images = images.astype("float32")
    reference = _torch_features(blocks, images / 255.0, resize=False)

    trunk = build_fid_inception_trunk(input_size=SIZE, kernel_initializer="zeros")
    source = load_pytorch_fid_weights(trunk, weights_file)
    assert source == weights_file
    assert os.path.isfile(weights_file + ".keras_modegan.npz")  # converted once
    model = fid_inception_v3((SIZE, SIZE, 3), trunk=trunk, preprocessing="pytorch_fid")
    ours = model.predict_on_batch(images)
    assert ours.shape == (2, 2048)
    print(f"max relative difference ({keras.backend.backend()}, {SIZE}x{SIZE}): "
          f"{max_relative_difference(ours, reference):.2e}")
    np.testing.assert_allclose(ours, reference, rtol=RTOL,
                               atol=RTOL * np.abs(reference).max())

    # A second load reads the cached conversion (no torch.load).
    layer = trunk.get_layer("Mixed_7c_branch_pool_conv")
    expected = keras.ops.convert_to_numpy(layer.kernel)
    layer.kernel.assign(np.zeros_like(expected))
    original = inception_module.read_torch_state_dict
    inception_module.read_torch_state_dict = None  # would fail if called
    try:
        load_pytorch_fid_weights(trunk, weights_file)
    finally:
        inception_module.read_torch_state_dict = original
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.kernel), expected)


def test_resize_matches_torch_fidelity_tf1():
    tf1 = torch_references.torch_fidelity()  # noqa: F841 (imports torchvision)
    from torch_fidelity.interpolate_compat_tensorflow import (
        interpolate_bilinear_2d_like_tensorflow1x,
    )

    rng = np.random.default_rng(2)
    for shape, size in (((2, 32, 28, 3), (299, 299)), ((1, 333, 310, 3), (299, 299)),
                        ((1, 7, 5, 1), (11, 3))):
        x = (rng.random(shape) * 255).astype("float32")
        reference = interpolate_bilinear_2d_like_tensorflow1x(
            torch.from_numpy(np.transpose(x, (0, 3, 1, 2))), size=size,
            align_corners=False,
        ).numpy().transpose(0, 2, 3, 1)
        ours = keras.ops.convert_to_numpy(BilinearResize(size, mode="tf1")(x))
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-3)


def test_resize_matches_torch_interpolate_half_pixel():
    import torch.nn.functional as F

    rng = np.random.default_rng(3)
    for shape, size in (((2, 32, 28, 3), (299, 299)), ((1, 333, 310, 3), (299, 299))):
        x = (rng.random(shape) * 255).astype("float32")
        reference = F.interpolate(
            torch.from_numpy(np.transpose(x, (0, 3, 1, 2))), size=size,
            mode="bilinear", align_corners=False,
        ).numpy().transpose(0, 2, 3, 1)
        layer = BilinearResize(size, mode="half_pixel")
        ours = keras.ops.convert_to_numpy(layer(x))
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-3)
    # Identity at the same size, and a config round trip.
    x = rng.random((1, 5, 5, 2)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(BilinearResize((5, 5))(x)), x)
    clone = BilinearResize.from_config(layer.get_config())
    assert (clone.size, clone.mode) == ((299, 299), "half_pixel")


def test_resize_matrix_rows_are_interpolation_weights():
    m = bilinear_resize_matrix(4, 8, "tf1")
    np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=1e-6)
    # TF1: output pixel 1 of 8 sits at input 0.5; the last ones clamp.
    np.testing.assert_allclose(m[1, :2], [0.5, 0.5])
    np.testing.assert_allclose(m[7], [0, 0, 0, 1])
    with pytest.raises(ValueError, match="mode"):
        bilinear_resize_matrix(4, 8, "bicubic")
    with pytest.raises(ValueError, match="size"):
        BilinearResize((0, 3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="preprocessing"):
        fid_inception_v3(weights=None, preprocessing="keras")
    with pytest.raises(ValueError, match="input_shape"):
        fid_inception_v3((32, 32, 1), weights=None)
    with pytest.raises(ValueError, match="input_size"):
        build_fid_inception_trunk(input_size=64)
    with pytest.raises(ValueError, match="weights"):
        load_pytorch_fid_weights(None, "/no/such/file.pth")


def test_conversion_checks_names_and_shapes():
    # A two-layer stand-in named like the trunk's first block.
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, use_bias=False, name="Conv2d_1a_3x3_conv")(inputs)
    x = keras.layers.BatchNormalization(epsilon=1e-3, name="Conv2d_1a_3x3_bn")(x)
    trunk = keras.Model(inputs, x)
    rng = np.random.default_rng(0)
    state = {
        "Conv2d_1a_3x3.conv.weight": rng.normal(size=(4, 3, 3, 3)),
        "Conv2d_1a_3x3.bn.weight": rng.normal(size=4),
        "Conv2d_1a_3x3.bn.bias": rng.normal(size=4),
        "Conv2d_1a_3x3.bn.running_mean": rng.normal(size=4),
        "Conv2d_1a_3x3.bn.running_var": rng.random(4),
        "Conv2d_1a_3x3.bn.num_batches_tracked": np.int64(3),
        "fc.weight": np.zeros((2, 2)),
    }
    inception_module.convert_state_dict(trunk, state)
    kernel = keras.ops.convert_to_numpy(trunk.layers[1].kernel)
    np.testing.assert_allclose(  # (out, in, kh, kw) -> (kh, kw, in, out)
        kernel[1, 2, 0, 3], state["Conv2d_1a_3x3.conv.weight"][3, 0, 1, 2], rtol=1e-6)
    moving_var = keras.ops.convert_to_numpy(trunk.layers[2].moving_variance)
    np.testing.assert_allclose(moving_var, state["Conv2d_1a_3x3.bn.running_var"],
                               rtol=1e-6)
    with pytest.raises(ValueError, match="lacks"):
        inception_module.convert_state_dict(trunk, {"fc.weight": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="shape"):
        bad = dict(state)
        bad["Conv2d_1a_3x3.conv.weight"] = np.zeros((4, 3, 5, 5))
        inception_module.convert_state_dict(trunk, bad)
    with pytest.raises(ValueError, match="network lacks"):
        extra = dict(state, **{"Mixed_9z.conv.weight": np.zeros(1)})
        inception_module.convert_state_dict(trunk, extra)


# ----------------------------------------------------------------------
# Download and verification, against a server on 127.0.0.1.


@pytest.fixture()
def http_server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_with_a_wrong_hash_is_removed(http_server, tmp_path):
    root, url = http_server
    (root / inception_module.FID_WEIGHTS_FILE).write_bytes(b"not the weights")
    cache = tmp_path / "keras_home"
    with pytest.raises(ValueError, match="6726825d"):
        inception_module.fetch_weights(
            f"{url}/{inception_module.FID_WEIGHTS_FILE}", cache_dir=str(cache)
        )
    assert os.listdir(cache / "models") == []  # nothing left in the cache


def test_download_with_the_right_hash_is_kept(http_server, tmp_path):
    root, url = http_server
    content = b"fake weights"
    prefix = hashlib.sha256(content).hexdigest()[:8]
    fname = f"fake-{prefix}.pth"
    (root / fname).write_bytes(content)
    cache = tmp_path / "keras_home"
    path = inception_module.fetch_weights(f"{url}/{fname}", fname, cache_dir=str(cache))
    assert path == str(cache / "models" / fname)
    with open(path, "rb") as f:
        assert f.read() == content
    # Cached: found again without the server.
    again = inception_module.fetch_weights("http://127.0.0.1:9/none", fname,
                                           cache_dir=str(cache))
    assert again == path


def test_offline_error_says_where_to_put_the_file(http_server, tmp_path):
    _, url = http_server
    cache = tmp_path / "keras_home"
    with pytest.raises(OSError) as info:
        inception_module.fetch_weights(
            f"{url}/missing/{inception_module.FID_WEIGHTS_FILE}", cache_dir=str(cache)
        )
    expected = os.path.join(str(cache), "models", inception_module.FID_WEIGHTS_FILE)
    assert expected in str(info.value)
    assert not os.path.exists(expected)
    with pytest.raises(ValueError, match="prefix"):
        inception_module.fetch_weights(f"{url}/x.pth", "x.pth", cache_dir=str(cache))


# ----------------------------------------------------------------------
# 299x299, with resizing (slow on CPU).


@pytest.mark.slow
def test_features_match_pytorch_fid_at_299_with_resize(reference_net, weights_file):
    _, blocks = reference_net
    images = np.random.default_rng(4).integers(0, 256, (2, 64, 48, 3))
    images = images.astype("float32")
    reference = _torch_features(blocks, images / 255.0, resize=True)
    extractor = inception_feature_extractor(
        weights=weights_file, preprocessing="pytorch_fid", value_range=(0, 255)
    )
    ours = extractor(images)
    np.testing.assert_allclose(ours, reference, rtol=RTOL,
                               atol=RTOL * np.abs(reference).max())


@pytest.mark.slow
def test_features_match_torch_fidelity_at_299(reference_net, weights_file):
    # torch-fidelity's extractor loads the same state dict file; uint8 images
    # of 32x32 go through its TF1 resize and (x - 128) / 128.
    fidelity = torch_references.torch_fidelity()
    extractor_cls = fidelity.FeatureExtractorInceptionV3
    reference_extractor = extractor_cls(
        "inception-v3-compat", ["2048"], feature_extractor_weights_path=weights_file
    )
    images = np.random.default_rng(5).integers(0, 256, (2, 32, 32, 3)).astype("uint8")
    with torch.no_grad():
        (reference,) = reference_extractor(
            torch.from_numpy(np.transpose(images, (0, 3, 1, 2)))
        )
    reference = reference.numpy()
    extractor = inception_feature_extractor(
        weights=weights_file, preprocessing="tf1", value_range=(0, 255)
    )
    assert extractor.name == "inception_2015_12_05_pool3"
    ours = extractor(images)
    np.testing.assert_allclose(ours, reference, rtol=RTOL,
                               atol=RTOL * np.abs(reference).max())
