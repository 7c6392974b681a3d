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
        file_hash: sha256 of the archive, for a URL (checked by
            `keras.utils.get_file`; strongly recommended).
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
        name = os.path.basename(preset.split("?")[0])
        if not name.endswith(".zip"):
            raise ValueError(
                f"A `preset` URL must point to a .zip archive. Received: {preset!r}"
            )
        if cache_dir is not None:
            # get_file falls back to /tmp/.keras for a directory not there yet.
            os.makedirs(cache_dir, exist_ok=True)
        archive = keras.utils.get_file(
            fname=name,
            origin=preset,
            file_hash=file_hash,
            hash_algorithm="sha256",
            cache_subdir="keras_modegan",
            cache_dir=cache_dir,
        )
        # One extraction per archive content: a re-downloaded archive never
        # reuses a stale extraction.
        with open(archive, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        target = f"{archive[: -len('.zip')]}-{digest}"
        if not os.path.isfile(os.path.join(target, CONFIG_FILE)):
            _extract_atomically(archive, target)
        return target
    raise ValueError(
        f"Unknown `preset` {preset!r}. Accepted: one of "
        f"{sorted(registered)}, a preset directory, or a URL of a .zip."
    )


def _extract_atomically(archive, target):
    parent = os.path.dirname(target)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".extract-")
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        entries = os.listdir(tmp)
        root = tmp
        if len(entries) == 1 and os.path.isdir(os.path.join(tmp, entries[0])):
            root = os.path.join(tmp, entries[0])
        if not os.path.isfile(os.path.join(root, CONFIG_FILE)):
            raise ValueError(f"The preset archive {archive} has no {CONFIG_FILE}.")
        os.replace(root, target)
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
    model = keras.saving.deserialize_keras_object(config)
    if cls is not None and not isinstance(model, cls):
        raise ValueError(
            f"Preset {preset!r} holds a {type(model).__name__}, not a "
            f"{cls.__name__}: load it with {type(model).__name__}.from_preset "
            "or AdversarialModel.from_preset."
        )
    model.load_weights(os.path.join(path, WEIGHTS_FILE))
    model.compile()
    return model


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
        model.save_weights(os.path.join(tmp, WEIGHTS_FILE))
        if card is not None:
            with open(os.path.join(tmp, CARD_FILE), "w") as f:
                f.write(card)
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
