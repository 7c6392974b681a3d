"""The FID Inception network (2015-12-05 Inception v3, pool_3) in Keras.

FID (Heusel et al. 2017, https://arxiv.org/abs/1706.08500) is only
comparable between papers when it is computed with the network of TTUR's
reference code (https://github.com/bioinf-jku/TTUR): the TensorFlow graph
`inception-2015-12-05`, whose 2048-D `pool_3` features are taken after a
TF 1.x bilinear resize to 299x299 and the scaling `(x - 128) / 128` of
[0, 255] pixels. Keras' own `InceptionV3` ImageNet weights are a different
network. pytorch-fid (https://github.com/mseitzer/pytorch-fid) ported the
graph to PyTorch (`FIDInceptionA`, `FIDInceptionC`, `FIDInceptionE_1`,
`FIDInceptionE_2`: TF's average pooling ignores the padding, and the last
block max-pools) and released its weights as
`pt_inception-2015-12-05-6726825d.pth`. This module builds the same network
from Keras layers (so it runs under TensorFlow, JAX and PyTorch) and
converts that file into it once.

Preprocessing (`preprocessing=`):

- `"tf1"` (default): TF 1.x `resize_bilinear` and `(x - 128) / 128`, as
  TTUR's graph and torch-fidelity compute it.
- `"pytorch_fid"`: PyTorch's half-pixel bilinear resize and `x / 127.5 - 1`,
  as pytorch-fid's `InceptionV3` computes it (pytorch-fid's FIDs differ from
  TTUR's slightly for images that are not 299x299).
"""

import hashlib
import os
import re

import keras
import numpy as np
from keras import layers

from keras_modegan.metrics.bilinear_resize import BilinearResize
from keras_modegan.utils.atomic_write import atomic_write

FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth"
)
FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
INPUT_SIZE = 299
FEATURE_DIM = 2048
PREPROCESSING = {
    # name -> (resize mode, scale, offset): pixels in [0, 255] -> [-1, 1]
    "tf1": ("tf1", 1.0 / 128.0, -1.0),
    "pytorch_fid": ("half_pixel", 1.0 / 127.5, -1.0),
}
_HASH_PREFIX = re.compile(r"-([a-f0-9]+)\.")
# The converted weights are cached next to the download under this suffix.
_CONVERTED_SUFFIX = ".keras_modegan.npz"
_INITIALIZER = ["glorot_uniform"]


# ----------------------------------------------------------------------
# The network. Layer names are pytorch-fid's module paths with "." -> "_"
# (`Mixed_5b.branch1x1.conv` -> `Mixed_5b_branch1x1_conv`).


def _conv(x, name, filters, kernel, strides=1, padding="valid"):
    # torchvision's BasicConv2d: conv (no bias), BatchNorm(eps=1e-3), ReLU.
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding,
                      use_bias=False, kernel_initializer=_INITIALIZER[0],
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _avg_pool(x, name):
    # TF's (and FIDInception*'s `count_include_pad=False`) 3x3 average pool:
    # the padding is not counted.
    return layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def _concat(branches, name):
    return layers.Concatenate(axis=-1, name=name)(branches)


def _inception_a(x, name, pool_features):  # FIDInceptionA
    b1 = _conv(x, f"{name}_branch1x1", 64, 1)
    b5 = _conv(x, f"{name}_branch5x5_1", 48, 1)
    b5 = _conv(b5, f"{name}_branch5x5_2", 64, 5, padding="same")
    b3 = _conv(x, f"{name}_branch3x3dbl_1", 64, 1)
    b3 = _conv(b3, f"{name}_branch3x3dbl_2", 96, 3, padding="same")
    b3 = _conv(b3, f"{name}_branch3x3dbl_3", 96, 3, padding="same")
    bp = _avg_pool(x, f"{name}_avg_pool")
    bp = _conv(bp, f"{name}_branch_pool", pool_features, 1)
    return _concat([b1, b5, b3, bp], name)


def _inception_b(x, name):  # torchvision InceptionB (Mixed_6a)
    b3 = _conv(x, f"{name}_branch3x3", 384, 3, strides=2)
    bd = _conv(x, f"{name}_branch3x3dbl_1", 64, 1)
    bd = _conv(bd, f"{name}_branch3x3dbl_2", 96, 3, padding="same")
    bd = _conv(bd, f"{name}_branch3x3dbl_3", 96, 3, strides=2)
    bp = layers.MaxPooling2D(3, strides=2, name=f"{name}_max_pool")(x)
    return _concat([b3, bd, bp], name)


def _inception_c(x, name, c7):  # FIDInceptionC
    b1 = _conv(x, f"{name}_branch1x1", 192, 1)
    b7 = _conv(x, f"{name}_branch7x7_1", c7, 1)
    b7 = _conv(b7, f"{name}_branch7x7_2", c7, (1, 7), padding="same")
    b7 = _conv(b7, f"{name}_branch7x7_3", 192, (7, 1), padding="same")
    bd = _conv(x, f"{name}_branch7x7dbl_1", c7, 1)
    bd = _conv(bd, f"{name}_branch7x7dbl_2", c7, (7, 1), padding="same")
    bd = _conv(bd, f"{name}_branch7x7dbl_3", c7, (1, 7), padding="same")
    bd = _conv(bd, f"{name}_branch7x7dbl_4", c7, (7, 1), padding="same")
    bd = _conv(bd, f"{name}_branch7x7dbl_5", 192, (1, 7), padding="same")
    bp = _avg_pool(x, f"{name}_avg_pool")
    bp = _conv(bp, f"{name}_branch_pool", 192, 1)
    return _concat([b1, b7, bd, bp], name)


def _inception_d(x, name):  # torchvision InceptionD (Mixed_7a)
    b3 = _conv(x, f"{name}_branch3x3_1", 192, 1)
    b3 = _conv(b3, f"{name}_branch3x3_2", 320, 3, strides=2)
    b7 = _conv(x, f"{name}_branch7x7x3_1", 192, 1)
    b7 = _conv(b7, f"{name}_branch7x7x3_2", 192, (1, 7), padding="same")
    b7 = _conv(b7, f"{name}_branch7x7x3_3", 192, (7, 1), padding="same")
    b7 = _conv(b7, f"{name}_branch7x7x3_4", 192, 3, strides=2)
    bp = layers.MaxPooling2D(3, strides=2, name=f"{name}_max_pool")(x)
    return _concat([b3, b7, bp], name)


def _inception_e(x, name, max_pool):  # FIDInceptionE_1 / FIDInceptionE_2
    b1 = _conv(x, f"{name}_branch1x1", 320, 1)
    b3 = _conv(x, f"{name}_branch3x3_1", 384, 1)
    b3 = _concat([
        _conv(b3, f"{name}_branch3x3_2a", 384, (1, 3), padding="same"),
        _conv(b3, f"{name}_branch3x3_2b", 384, (3, 1), padding="same"),
    ], f"{name}_branch3x3")
    bd = _conv(x, f"{name}_branch3x3dbl_1", 448, 1)
    bd = _conv(bd, f"{name}_branch3x3dbl_2", 384, 3, padding="same")
    bd = _concat([
        _conv(bd, f"{name}_branch3x3dbl_3a", 384, (1, 3), padding="same"),
        _conv(bd, f"{name}_branch3x3dbl_3b", 384, (3, 1), padding="same"),
    ], f"{name}_branch3x3dbl")
    if max_pool:  # FIDInceptionE_2: the TF graph max-pools here
        bp = layers.MaxPooling2D(3, strides=1, padding="same",
                                 name=f"{name}_max_pool")(x)
    else:
        bp = _avg_pool(x, f"{name}_avg_pool")
    bp = _conv(bp, f"{name}_branch_pool", 192, 1)
    return _concat([b1, b3, bd, bp], name)


def build_fid_inception_trunk(
    input_size=INPUT_SIZE, name="fid_inception_v3_trunk",
    kernel_initializer="glorot_uniform",
):
    """The FID Inception network without preprocessing, random weights.

    Input: `(batch, input_size, input_size, 3)` images already scaled to
    [-1, 1]; output: the 2048-D `pool_3` features. `fid_inception_v3` wraps
    it with the resize and scaling and loads the weights.

    Args:
        input_size: int, the image side the network takes. FID uses 299
            (the default); the network is convolutional up to the global
            average pool, so any side of at least 75 works (tests use
            smaller ones to run faster; the weights are the same).
        name: the model's name.

    Returns:
        A functional `keras.Model`.
    """
    if not isinstance(input_size, int) or input_size < 75:
        raise ValueError(
            "`input_size` must be an int of at least 75 (FID uses 299). "
            f"Received: input_size={input_size!r}"
        )
    _INITIALIZER[0] = kernel_initializer
    try:
        return _build_trunk(input_size, name)
    finally:
        _INITIALIZER[0] = "glorot_uniform"


def _build_trunk(input_size, name):
    inputs = keras.Input((input_size, input_size, 3), name="images")
    x = _conv(inputs, "Conv2d_1a_3x3", 32, 3, strides=2)
    x = _conv(x, "Conv2d_2a_3x3", 32, 3)
    x = _conv(x, "Conv2d_2b_3x3", 64, 3, padding="same")
    x = layers.MaxPooling2D(3, strides=2, name="MaxPool_1")(x)
    x = _conv(x, "Conv2d_3b_1x1", 80, 1)
    x = _conv(x, "Conv2d_4a_3x3", 192, 3)
    x = layers.MaxPooling2D(3, strides=2, name="MaxPool_2")(x)
    x = _inception_a(x, "Mixed_5b", 32)
    x = _inception_a(x, "Mixed_5c", 64)
    x = _inception_a(x, "Mixed_5d", 64)
    x = _inception_b(x, "Mixed_6a")
    x = _inception_c(x, "Mixed_6b", 128)
    x = _inception_c(x, "Mixed_6c", 160)
    x = _inception_c(x, "Mixed_6d", 160)
    x = _inception_c(x, "Mixed_6e", 192)
    x = _inception_d(x, "Mixed_7a")
    x = _inception_e(x, "Mixed_7b", max_pool=False)
    x = _inception_e(x, "Mixed_7c", max_pool=True)
    x = layers.GlobalAveragePooling2D(name="pool_3")(x)
    return keras.Model(inputs, x, name=name)


def fid_inception_v3(
    input_shape=(INPUT_SIZE, INPUT_SIZE, 3),
    weights="pytorch_fid",
    preprocessing="tf1",
    trunk=None,
    cache_dir=None,
):
    """The FID Inception network: [0, 255] images -> 2048-D pool_3 features.

    Args:
        input_shape: `(height, width, 3)` of the input images (any size:
            they are resized to 299x299 inside the model).
        weights: `"pytorch_fid"` (download pytorch-fid's
            `pt_inception-2015-12-05-6726825d.pth` into the Keras cache on
            first use, verify it, convert it once; see
            `load_pytorch_fid_weights`), a path to that `.pth` file, or None
            for random weights.
        preprocessing: `"tf1"` (TTUR / torch-fidelity: TF 1.x bilinear
            resize, `(x - 128) / 128`) or `"pytorch_fid"` (half-pixel
            resize, `x / 127.5 - 1`).
        trunk: an existing `build_fid_inception_trunk()` model to wrap
            (its weights are shared and `weights` is ignored; images are
            resized to its input size), or None.
        cache_dir: Keras cache directory (default `$KERAS_HOME` or
            `~/.keras`); the weights live in its `models/` folder.

    Returns:
        A functional `keras.Model` named `fid_inception_v3`, float32 input
        `(batch,) + input_shape` in [0, 255], output `(batch, 2048)`.

    Example:

    ```python
    net = fid_inception_v3((32, 32, 3))           # downloads once (95 MB)
    features = net.predict(cifar_uint8.astype("float32"), batch_size=50)
    ```
    """
    if preprocessing not in PREPROCESSING:
        raise ValueError(
            f"`preprocessing` must be one of {tuple(PREPROCESSING)}. "
            f"Received: preprocessing={preprocessing!r}"
        )
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(
            "`input_shape` must be (height, width, 3). "
            f"Received: input_shape={input_shape!r}"
        )
    if trunk is None:
        trunk = build_fid_inception_trunk(
            kernel_initializer="glorot_uniform" if weights is None else "zeros"
        )
        if weights is not None:
            load_pytorch_fid_weights(trunk, weights, cache_dir=cache_dir)
    mode, scale, offset = PREPROCESSING[preprocessing]
    inputs = keras.Input(input_shape, name="pixels")
    size = tuple(trunk.input_shape[1:3])
    x = BilinearResize(size, mode=mode, name="resize")(inputs)
    x = layers.Rescaling(scale, offset, name="scale")(x)
    return keras.Model(inputs, trunk(x), name="fid_inception_v3")


# ----------------------------------------------------------------------
# Weights: download, verify, convert, cache.


def sha256_of(path, chunk_size=1 << 20):
    """The hex sha256 digest of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_prefix_of(fname):
    """The hex hash prefix a file name carries (`name-<prefix>.ext`, as
    `torch.hub` names its files), or None."""
    match = _HASH_PREFIX.search(os.path.basename(fname))
    return match.group(1) if match else None


def keras_home():
    """The Keras cache root: `$KERAS_HOME`, else `~/.keras` (read at each
    call, as `keras.utils.get_file` documents it)."""
    return os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )


def models_dir(cache_dir=None):
    """The Keras cache folder downloaded weights go to: `models/` under
    `cache_dir`, `$KERAS_HOME` or `~/.keras`."""
    base = cache_dir or keras_home()
    return os.path.join(os.path.expanduser(base), "models")


def fetch_weights(origin=FID_WEIGHTS_URL, fname=FID_WEIGHTS_FILE, cache_dir=None):
    """Downloads a weights file into the Keras cache (once) and verifies it.

    The file is fetched with `keras.utils.get_file` into
    `models_dir(cache_dir)`. Its sha256 must start with the hex prefix its
    name carries (`...-6726825d.pth`), as `torch.hub` checks it; a file that
    does not match is deleted and an error raised.

    Args:
        origin: URL of the file.
        fname: its file name in the cache (must carry the hash prefix).
        cache_dir: the Keras cache directory (default `$KERAS_HOME` or
            `~/.keras`).

    Returns:
        The path of the verified file.

    Raises:
        ValueError: the name carries no hash prefix, or the hash does not
            match (the file is removed).
        OSError: the download failed (e.g. offline); the message says where
            to put the file by hand.
    """
    prefix = hash_prefix_of(fname)
    if prefix is None:
        raise ValueError(
            "`fname` must carry the sha256 prefix of the file (`name-<hex>.ext`). "
            f"Received: fname={fname!r}"
        )
    directory = models_dir(cache_dir)
    target = os.path.join(directory, fname)
    # get_file falls back to /tmp/.keras when the cache root does not exist.
    os.makedirs(directory, exist_ok=True)
    try:
        path = keras.utils.get_file(
            fname, origin, cache_subdir="models",
            cache_dir=os.path.dirname(directory),
        )
    except Exception as error:
        raise OSError(
            f"Could not download the FID Inception weights from {origin} "
            f"({error}). Offline, download that file elsewhere and put it at "
            f"{target} (or pass its path as `weights=`)."
        ) from None
    digest = sha256_of(path)
    if not digest.startswith(prefix):
        os.remove(path)
        raise ValueError(
            f"The file downloaded from {origin} has sha256 {digest}, which does "
            f"not start with {prefix} as its name {fname!r} says: it is "
            "corrupt or not the expected file, and has been removed. Download "
            f"it again, or put a good copy at {target}."
        )
    return path


def read_torch_state_dict(path):
    """A PyTorch state dict file as `{name: float32 NumPy array}` (needs
    `torch`, only for this one conversion)."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "Converting pytorch-fid's Inception weights to Keras needs PyTorch "
            "once (`pip install torch`); the converted weights are cached."
        ) from None
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {key: value.detach().cpu().numpy() for key, value in state.items()}


def convert_state_dict(trunk, state_dict):
    """Sets `trunk`'s weights from pytorch-fid's (torchvision's) state dict.

    Every `X.conv.weight` `(out, in, kh, kw)` becomes the kernel
    `(kh, kw, in, out)` of layer `X_conv` (dots as underscores) and every
    `X.bn.{weight, bias, running_mean, running_var}` the
    `[gamma, beta, moving_mean, moving_variance]` of `X_bn`. The classifier
    (`fc.*`) and `num_batches_tracked` are not part of the pool_3 network.

    Args:
        trunk: a `build_fid_inception_trunk()` model.
        state_dict: dict name -> array (NumPy or torch tensors).

    Raises:
        ValueError: a weight of the network is missing from `state_dict`, a
            shape differs, or `state_dict` has a weight the network lacks.
    """
    state = {k: np.asarray(v) for k, v in state_dict.items()
             if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    used = set()
    for layer in trunk.layers:
        if isinstance(layer, layers.Conv2D):
            kind = "conv"
            keys = ["weight"]
        elif isinstance(layer, layers.BatchNormalization):
            kind = "bn"
            keys = ["weight", "bias", "running_mean", "running_var"]
        else:
            continue
        prefix = layer.name[: -len(kind) - 1]
        module = _torch_module_path(prefix) + "." + kind
        names = [f"{module}.{key}" for key in keys]
        missing = [n for n in names if n not in state]
        if missing:
            raise ValueError(
                f"The state dict lacks {missing} (for layer {layer.name})."
            )
        values = [state[n] for n in names]
        if kind == "conv":
            values = [np.transpose(values[0], (2, 3, 1, 0))]
        for n, value, weight in zip(names, values, layer.weights):
            if tuple(value.shape) != tuple(weight.shape):
                raise ValueError(
                    f"{n} has shape {value.shape}; layer {layer.name} expects "
                    f"{tuple(weight.shape)}."
                )
        layer.set_weights(values)
        used.update(names)
    extra = sorted(set(state) - used)
    if extra:
        raise ValueError(f"The state dict has weights the network lacks: {extra[:5]}")


def _torch_module_path(prefix):
    # Mixed_5b_branch3x3dbl_1 -> Mixed_5b.branch3x3dbl_1; Conv2d_1a_3x3 stays.
    match = re.match(r"^(Mixed_\d[a-z])_(.+)$", prefix)
    return f"{match.group(1)}.{match.group(2)}" if match else prefix


def save_weights_npz(model, path):
    """Writes every layer's weights to an `.npz` (atomically)."""
    arrays = {
        f"{layer.name}:{i}": np.asarray(keras.ops.convert_to_numpy(w))
        for layer in model.layers
        for i, w in enumerate(layer.weights)
    }
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def load_weights_npz(model, path):
    """Sets every layer's weights from a `save_weights_npz` file."""
    with np.load(path) as data:
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(
                    [data[f"{layer.name}:{i}"] for i in range(len(layer.weights))]
                )


def load_pytorch_fid_weights(trunk, weights="pytorch_fid", cache_dir=None):
    """Loads pytorch-fid's FID Inception weights into `trunk`.

    With `weights="pytorch_fid"` the release file is fetched and verified
    by `fetch_weights` (once; offline, an error says where to put it). A
    `.pth` file is converted by `convert_state_dict` the first time and the
    result written next to it (`<file>.keras_modegan.npz`, atomically), so
    later loads need neither the download nor PyTorch.

    Args:
        trunk: a `build_fid_inception_trunk()` model.
        weights: `"pytorch_fid"` or the path of the `.pth` file.
        cache_dir: the Keras cache directory (default `$KERAS_HOME` or
            `~/.keras`).

    Returns:
        The path of the `.pth` file the weights come from.
    """
    if weights == "pytorch_fid":
        converted = os.path.join(models_dir(cache_dir),
                                 FID_WEIGHTS_FILE + _CONVERTED_SUFFIX)
        if os.path.isfile(converted):
            load_weights_npz(trunk, converted)
            return converted[: -len(_CONVERTED_SUFFIX)]
        path = fetch_weights(cache_dir=cache_dir)
    elif isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights):
        path = os.fspath(weights)
    else:
        raise ValueError(
            "`weights` must be 'pytorch_fid', the path of an existing "
            f"pt_inception .pth file, or None. Received: weights={weights!r}"
        )
    converted = path + _CONVERTED_SUFFIX
    if os.path.isfile(converted) and os.path.getmtime(converted) >= os.path.getmtime(
        path
    ):
        load_weights_npz(trunk, converted)
        return path
    convert_state_dict(trunk, read_torch_state_dict(path))
    try:
        save_weights_npz(trunk, converted)
    except OSError:  # a read-only folder: convert again next time
        pass
    return path
