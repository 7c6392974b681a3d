"""Zoo presets: a config and weights per pretrained model.

A preset is a directory holding `config.json` (the model's serialized
config, as `keras.saving.serialize_keras_object` writes it),
`model.weights.h5` and a `model_card.md`. The presets the package ships
live in `zoo/` of the repository and are installed inside the package
(`keras_modegan/zoo/`); `PRESETS` lists them. `from_preset` also takes a
local preset directory, or the URL of a `.zip` of one, which is downloaded
once into the Keras cache with `keras.utils.get_file` and checked against
its sha256.
"""

import hashlib
import json
import os
import shutil
import tempfile
import urllib.parse
import zipfile

import keras

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
CARD_FILE = "model_card.md"


def _zoo_dirs():
    here = os.path.dirname(os.path.abspath(__file__))
    # Installed wheel: keras_modegan/zoo; source checkout: <repo>/zoo.
    return [os.path.join(here, "zoo"), os.path.join(os.path.dirname(here), "zoo")]


def _registered():
    presets = {}
    for root in _zoo_dirs():
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            path = os.path.join(root, name)
            if os.path.isfile(os.path.join(path, CONFIG_FILE)):
                presets.setdefault(name, path)
    return presets


def list_presets():
    """Dict of preset name to `{"class_name", "description", "path"}`."""
    out = {}
    for name, path in _registered().items():
        with open(os.path.join(path, CONFIG_FILE)) as f:
            config = json.load(f)
        out[name] = {
            "class_name": config["class_name"],
            "description": config.get("description", ""),
            "path": path,
        }
    return out


def resolve_preset(preset, file_hash=None, cache_dir=None):
    """Returns the local directory of `preset`.

    Args:
        preset: a name in `list_presets()`, a directory holding
            `config.json` and `model.weights.h5`, or an `http(s)://` or
            `file://` URL of a `.zip` of such a directory.
        file_hash: sha256 of the archive, for a URL (checked after the
            download and on every later call that gives it; strongly
            recommended).
        cache_dir: where downloads are kept (default `~/.keras`).

    Returns:
        Path of the preset directory.
    """
    if not isinstance(preset, str) or not preset:
        raise ValueError(
            "`preset` must be a preset name, a directory or a URL. "
            f"Received: preset={preset!r}"
        )
    registered = _registered()
    if preset in registered:
        return registered[preset]
    if os.path.isdir(preset):
        if not os.path.isfile(os.path.join(preset, CONFIG_FILE)):
            raise ValueError(f"`preset` directory {preset!r} has no {CONFIG_FILE}.")
        return preset
    if preset.startswith(("http://", "https://", "file://")):
        return _download(preset, file_hash, cache_dir)
    raise ValueError(
        f"Unknown `preset` {preset!r}. Accepted: one of "
        f"{sorted(registered)}, a preset directory, or a URL of a .zip."
    )


def _download(url, file_hash, cache_dir):
    """The extracted preset of the archive at `url`, downloaded once.

    The cache is keyed by the whole URL (a subdirectory per URL), so two
    URLs whose archives share a file name never share a cached file. The
    archive is downloaded to a temporary name, checked (its sha256 if
    `file_hash` is given, a readable zip with `config.json` and
    `model.weights.h5`) and only then renamed into the cache: a failed,
    truncated or interrupted download leaves nothing that a later call
    would use. A cached archive is re-checked against `file_hash` on every
    call that gives one.
    """
    name = os.path.basename(urllib.parse.urlsplit(url).path)
    if not name.endswith(".zip"):
        raise ValueError(
            f"A `preset` URL must point to a .zip archive. Received: {url!r}"
        )
    if file_hash is not None and not (
        isinstance(file_hash, str)
        and len(file_hash) == 64
        and all(c in "0123456789abcdefABCDEF" for c in file_hash)
    ):
        raise ValueError(
            "`file_hash` must be None or the sha256 of the archive (64 hex "
            f"digits). Received: file_hash={file_hash!r}"
        )
    cache_dir = os.path.expanduser(cache_dir or keras.config.keras_home())
    # get_file falls back to /tmp/.keras for a directory not there yet.
    os.makedirs(cache_dir, exist_ok=True)
    if not os.access(cache_dir, os.W_OK):  # as get_file does
        cache_dir = os.path.join(tempfile.gettempdir(), ".keras")
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    subdir = os.path.join("keras_modegan", key)
    part = f".{name}.{os.getpid()}.part"
    archive = None
    cached = os.path.join(cache_dir, subdir, name)
    if os.path.isfile(cached) and (
        file_hash is None or _sha256(cached) == file_hash.lower()
    ):
        archive = cached
    else:
        try:
            tmp = keras.utils.get_file(
                fname=part,
                origin=url,
                file_hash=file_hash,
                hash_algorithm="sha256",
                cache_subdir=subdir,
                cache_dir=cache_dir,
                force_download=True,
            )
        except BaseException as error:
            _remove_stale_parts(os.path.dirname(cached))
            if isinstance(error, Exception):
                raise ValueError(
                    f"Cannot download preset {url!r}: {_one_line(error)}"
                ) from None
            raise
        try:
            _check_archive(url, tmp, shown=cached)
            os.replace(tmp, cached)
            archive = cached
        finally:
            _remove_stale_parts(os.path.dirname(tmp))
    target = f"{archive[: -len('.zip')]}-{_sha256(archive)[:16]}"
    if not os.path.isfile(os.path.join(target, WEIGHTS_FILE)):
        try:
            _extract_atomically(url, archive, target)
        except ValueError:
            os.remove(archive)
            raise
    return target


def _one_line(error):
    """An exception's message on one line, every line of it kept."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines) or type(error).__name__


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_stale_parts(directory):
    """Removes this process's partial downloads, and those of processes
    that are gone (e.g. killed mid-download)."""
    if not os.path.isdir(directory):
        return
    for entry in os.listdir(directory):
        if not (entry.startswith(".") and entry.endswith(".part")):
            continue
        pid = entry[: -len(".part")].rsplit(".", 1)[-1]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            try:
                os.remove(os.path.join(directory, entry))
            except OSError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _archive_root(names):
    """The folder inside the archive that holds the preset ('' for none)."""
    if CONFIG_FILE in names:
        return ""
    roots = {n.split("/", 1)[0] for n in names if n.strip("/")}
    if len(roots) == 1:
        root = roots.pop()
        if f"{root}/{CONFIG_FILE}" in names:
            return root + "/"
    return None


def _check_archive(url, path, shown=None):
    """Raises a one-line `ValueError` unless `path` is a readable zip with a
    preset (`config.json` and `model.weights.h5`) in it; the message names
    the cache path `shown` (default `path`)."""
    shown = shown or path
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(
            f"The archive of preset {url!r} (downloaded to {shown}, removed) is "
            f"not a valid zip file (truncated or corrupt?): {_one_line(error)}"
        ) from None
    if bad is not None:
        raise ValueError(
            f"The archive of preset {url!r} (downloaded to {shown}, removed) is "
            f"corrupt: member {bad!r} fails its CRC check."
        )
    root = _archive_root(names)
    missing = [
        f for f in (CONFIG_FILE, WEIGHTS_FILE) if root is None or root + f not in names
    ]
    if missing:
        raise ValueError(
            f"The archive of preset {url!r} (downloaded to {shown}, removed) "
            f"has no {' or '.join(missing)}."
        )


def _extract_atomically(url, archive, target):
    _check_archive(url, archive)
    parent = os.path.dirname(target)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".extract-")
    try:
        with zipfile.ZipFile(archive) as zf:
            root = _archive_root(set(zf.namelist()))
            zf.extractall(tmp)
        if os.path.isdir(target):  # an extraction without its weights
            shutil.rmtree(target)
        os.replace(os.path.join(tmp, root) if root else tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_preset(preset, cls=None, file_hash=None, cache_dir=None):
    """Builds the model of `preset` and loads its weights.

    Args:
        preset: see `resolve_preset`.
        cls: if given, the model must be an instance of this class.
        file_hash: sha256 of a URL's archive.
        cache_dir: download cache directory.

    Returns:
        The model, with its weights, compiled with the paper's optimizers.
    """
    path = resolve_preset(preset, file_hash=file_hash, cache_dir=cache_dir)
    with open(os.path.join(path, CONFIG_FILE)) as f:
        config = json.load(f)
    config.pop("description", None)
    _check_config(preset, path, config)
    weights = os.path.join(path, WEIGHTS_FILE)
    if not os.path.isfile(weights):
        raise ValueError(f"Preset {preset!r} has no {WEIGHTS_FILE} (in {path}).")
    model = keras.saving.deserialize_keras_object(config)
    if cls is not None and not isinstance(model, cls):
        raise ValueError(
            f"Preset {preset!r} holds a {type(model).__name__}, not a "
            f"{cls.__name__}: load it with {type(model).__name__}.from_preset "
            "or AdversarialModel.from_preset."
        )
    import h5py

    with h5py.File(weights, "r") as f:
        has_optimizer = "optimizer" in f  # presets written before stop 33
    optimizer = getattr(model, "optimizer", None)
    if has_optimizer or optimizer is None:
        model.load_weights(weights)
    else:
        model.load_weights(weights, objects_to_skip=[optimizer])
    model.compile()
    return model


def _check_config(preset, path, config):
    """`config.json` must name one class: Keras builds the class that
    `registered_name` names and ignores `class_name`."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(
            f"Preset {preset!r}: {os.path.join(path, CONFIG_FILE)} is not a "
            "serialized Keras model (no `class_name`)."
        )
    registered = config.get("registered_name")
    if registered is not None and registered.split(">")[-1] != config["class_name"]:
        raise ValueError(
            f"Preset {preset!r}: {os.path.join(path, CONFIG_FILE)} names two "
            f"classes: class_name={config['class_name']!r} but "
            f"registered_name={registered!r}."
        )


def save_preset(model, path, description="", card=None):
    """Writes `model` as a preset directory, all or nothing.

    Args:
        model: a zoo model.
        path: the preset directory to create (replaced if it exists).
        description: one line stored in `config.json`.
        card: optional Markdown model card text.
    """
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".preset-")
    try:
        config = keras.saving.serialize_keras_object(model)
        config["description"] = description
        with open(os.path.join(tmp, CONFIG_FILE), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
        _save_weights_without_optimizer(model, tmp)
        if card is not None:
            with open(os.path.join(tmp, CARD_FILE), "w") as f:
                f.write(card)
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _save_weights_without_optimizer(model, directory):
    """`model.save_weights` less the optimizer's slots: `load_preset` loads
    the weights before it compiles, so a preset's optimizer state would never
    be read, and it is most of the file (two Adam moments per weight)."""
    import h5py

    full = os.path.join(directory, ".full." + WEIGHTS_FILE)
    model.save_weights(full)
    with h5py.File(full, "r") as src, h5py.File(
        os.path.join(directory, WEIGHTS_FILE), "w"
    ) as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            if key != "optimizer":
                src.copy(src[key], dst, name=key)
    os.remove(full)


def load_classifier(preset="mnist_classifier", file_hash=None, cache_dir=None):
    """Loads a classifier preset (a plain Keras model, not a GAN).

    Args:
        preset: see `resolve_preset`; `"mnist_classifier"` is the digit
            classifier of the Stacked MNIST metrics (28x28x1 images in
            [-1, 1] to 10 logits, built by `zoo/build_classifier.py`).
        file_hash: sha256 of a URL's archive.
        cache_dir: download cache directory.

    Returns:
        The Keras model with its weights, ready for `predict`.

    Example:

    ```python
    classifier = load_classifier("mnist_classifier")
    digits = classifier.predict(x_test).argmax(axis=1)
    ```
    """
    from keras_modegan.engine.adversarial_model import AdversarialModel

    model = load_preset(preset, file_hash=file_hash, cache_dir=cache_dir)
    if isinstance(model, AdversarialModel):
        raise ValueError(
            f"Preset {preset!r} holds a {type(model).__name__}, not a "
            "classifier: load it with AdversarialModel.from_preset."
        )
    return model
