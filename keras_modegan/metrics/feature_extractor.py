"""`FeatureExtractor`: a named function from images to feature vectors.

FID, KID and precision/recall/density/coverage compare two sets of
features; which network made them decides what the numbers mean, so every
extractor has a `name` that the results record:

- `inception_feature_extractor()`: the FID Inception network's 2048-D
  pool_3 features (`inception_2015_12_05_pool3`): the FID of the papers.
- `model_feature_extractor(model, layer_name)`: a layer of any Keras model,
  e.g. the penultimate layer of an MNIST classifier
  (`<model name>.<layer name>`): an offline "classifier FID" that is only
  comparable with itself.
- `FeatureExtractor(fn, name)`: any callable.

`extract_statistics` runs one over images, a generator model or a sampling
function in batches with a progress bar, accumulating a
`FeatureStatistics`.
"""

import re

import keras
import numpy as np

from keras_modegan.metrics.feature_statistics import FeatureStatistics
from keras_modegan.utils.validation import positive_int

INCEPTION_NAMES = {
    "tf1": "inception_2015_12_05_pool3",
    "pytorch_fid": "inception_2015_12_05_pool3_pytorch_fid",
}


class FeatureExtractor:
    """A named function `images -> (n, d) features`, applied in batches.

    Args:
        fn: callable taking a batch of images (NumPy, as the data comes)
            and returning features `(n, d)` (NumPy or a tensor).
        name: str naming the features in every result (e.g.
            `"inception_2015_12_05_pool3"`, `"mnist_classifier.penultimate"`).
        batch_size: positive int, images per call.

    Example:

    ```python
    pixels = FeatureExtractor(lambda x: x.reshape(len(x), -1), "pixels")
    result = fid(x_test, model, feature_extractor=pixels)
    ```
    """

    def __init__(self, fn, name, batch_size=256):
        if not callable(fn):
            raise ValueError(f"`fn` must be callable. Received: fn={fn!r}")
        if not isinstance(name, str) or not name:
            raise ValueError(
                "`name` must be a non-empty string naming the features. "
                f"Received: name={name!r}"
            )
        self.fn = fn
        self.name = name
        self.batch_size = positive_int(batch_size, "batch_size")

    def __call__(self, images):
        features = keras.ops.convert_to_numpy(self.fn(images))
        features = np.asarray(features, dtype="float32")
        if features.ndim != 2 or features.shape[0] != len(images):
            raise ValueError(
                f"Feature extractor {self.name!r} must return (batch, dim) "
                f"features; for {len(images)} images it returned shape "
                f"{features.shape}."
            )
        return features

    def __repr__(self):
        return f"FeatureExtractor(name={self.name!r}, batch_size={self.batch_size})"


def to_pixels(images, value_range=(-1.0, 1.0)):
    """Images in `value_range` -> float32 RGB in [0, 255], NHWC.

    Grayscale (`(n, h, w)` or `(n, h, w, 1)`) is repeated to three channels.
    Values are clipped to the range.
    """
    x = np.asarray(images, dtype="float32")
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(
            "Images must be (n, height, width), (n, height, width, 1) or "
            f"(n, height, width, 3). Received shape {x.shape}"
        )
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise ValueError(
            f"`value_range` must be (low, high) with high > low. Received: "
            f"value_range={value_range!r}"
        )
    x = (np.clip(x, low, high) - low) * (255.0 / (high - low))
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    return x


def inception_feature_extractor(
    weights="pytorch_fid",
    preprocessing="tf1",
    value_range=(-1.0, 1.0),
    batch_size=50,
    trunk=None,
    cache_dir=None,
):
    """The FID Inception network's pool_3 features as a `FeatureExtractor`.

    Args:
        weights: `"pytorch_fid"` (the release file, downloaded once and
            verified; see `keras_modegan.metrics.inception`), a `.pth` path,
            or None for random weights (then the name starts with
            `untrained_`: such features are for timing and tests only).
        preprocessing: `"tf1"` (TTUR's resize and scaling; the name is
            `inception_2015_12_05_pool3`) or `"pytorch_fid"` (pytorch-fid's;
            `inception_2015_12_05_pool3_pytorch_fid`).
        value_range: `(low, high)` of the images given to it (default
            `(-1, 1)`, the range of keras-modegan's image datasets and of a
            `tanh` generator; `(0, 255)` for uint8 images). Grayscale is
            repeated to RGB.
        batch_size: positive int, images per network call.
        trunk: an existing `build_fid_inception_trunk()` model to use
            (`weights` is then ignored), or None.
        cache_dir: Keras cache directory for the weights.

    Returns:
        A `FeatureExtractor` (2048-D features).
    """
    from keras_modegan.metrics import inception

    if preprocessing not in INCEPTION_NAMES:
        raise ValueError(
            f"`preprocessing` must be one of {tuple(INCEPTION_NAMES)}. "
            f"Received: preprocessing={preprocessing!r}"
        )
    if trunk is None:
        trunk = inception.build_fid_inception_trunk(
            kernel_initializer="glorot_uniform" if weights is None else "zeros"
        )
        if weights is not None:
            inception.load_pytorch_fid_weights(trunk, weights, cache_dir=cache_dir)
    name = INCEPTION_NAMES[preprocessing]
    if weights is None:
        name = "untrained_" + name
    models = {}  # one wrapper (sharing the trunk) per input image size

    def features(images):
        x = to_pixels(images, value_range)
        shape = x.shape[1:]
        if shape not in models:
            models[shape] = inception.fid_inception_v3(
                shape, trunk=trunk, preprocessing=preprocessing
            )
        return models[shape].predict_on_batch(x)

    return FeatureExtractor(features, name, batch_size=batch_size)


def model_feature_extractor(model, layer_name=None, name=None, batch_size=256):
    """A layer of a Keras model as a `FeatureExtractor`.

    Args:
        model: a built `keras.Model` (e.g. an MNIST classifier) that takes
            the images as they come.
        layer_name: the layer whose output are the features; None for the
            penultimate layer (`model.layers[-2]`: the input of a
            classifier's last layer; a `Dropout` there is skipped).
        name: the features' name; default `"<model.name>.<layer_name>"`.
        batch_size: positive int.

    Returns:
        A `FeatureExtractor` (flattened layer outputs).
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: {model!r}")
    if layer_name is None:
        if len(model.layers) < 2:
            raise ValueError(
                f"Model {model.name!r} has fewer than 2 layers: pass `layer_name`."
            )
        # The input of the last layer; a Dropout there (the identity at
        # inference) is skipped for the layer that feeds it.
        index = len(model.layers) - 2
        while index > 0 and isinstance(model.layers[index], keras.layers.Dropout):
            index -= 1
        layer = model.layers[index]
    else:
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            raise ValueError(
                f"Model {model.name!r} has no layer {layer_name!r}; its layers: "
                f"{[layer.name for layer in model.layers]}"
            ) from None
    try:
        sub = keras.Model(model.inputs, layer.output)
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"Cannot take layer {layer.name!r} of model {model.name!r} as a "
            f"feature extractor (build the model first): {error}"
        ) from None

    def features(images):
        out = keras.ops.convert_to_numpy(sub.predict_on_batch(np.asarray(images)))
        return out.reshape(len(out), -1)

    return FeatureExtractor(
        features, name or f"{model.name}.{layer.name}", batch_size=batch_size
    )


_SHARED = {}


def as_feature_extractor(features, name=None):
    """A `FeatureExtractor` from what the metric functions accept.

    Args:
        features: a `FeatureExtractor`; `"inception"` (TTUR's preprocessing)
            or `"inception_pytorch_fid"` (the Inception network with the
            pytorch-fid release weights, loaded once per process); a
            classifier preset's name (`"mnist_classifier"`: its penultimate
            layer, named `"<model name>.<layer name>"`); a
            `keras.Model` (its penultimate layer, see
            `model_feature_extractor`); or any callable
            `images -> (n, d)` (then `name` is required).
        name: the name for a model or callable.

    Returns:
        A `FeatureExtractor`.
    """
    if isinstance(features, FeatureExtractor):
        return features
    if isinstance(features, str):
        choices = {"inception": "tf1", "inception_pytorch_fid": "pytorch_fid"}
        if features in _SHARED:
            return _SHARED[features]
        if features in choices:
            _SHARED[features] = inception_feature_extractor(
                preprocessing=choices[features]
            )
            return _SHARED[features]
        from keras_modegan import presets

        if features not in presets.list_presets():
            raise ValueError(
                f"Unknown feature extractor {features!r}; accepted names: "
                f"{sorted(choices)} or a classifier preset (e.g. "
                "'mnist_classifier'), or a keras.Model, a callable or a "
                "FeatureExtractor."
            )
        _SHARED[features] = model_feature_extractor(
            presets.load_classifier(features), name=None
        )
        return _SHARED[features]
    if isinstance(features, keras.Model):
        return model_feature_extractor(features, name=name)
    if callable(features):
        if name is None:
            raise ValueError(
                "A callable feature extractor needs a `name` (so that no "
                "result is mistaken for Inception FID)."
            )
        return FeatureExtractor(features, name)
    raise ValueError(
        "`feature_extractor` must be 'inception', 'inception_pytorch_fid', a "
        f"keras.Model, a callable or a FeatureExtractor. Received: {features!r}"
    )


def _batch_seed(seed, index):
    if seed is None:
        return None
    return int(np.random.default_rng([int(seed), index]).integers(2**31 - 1))


def extract_statistics(
    source,
    feature_extractor,
    num_samples=None,
    batch_size=None,
    seed=0,
    keep_features=False,
    max_kept=None,
    verbose=1,
):
    """Features of images, of a generator, or of a sampling function, in batches.

    Memory is bounded by one batch plus the `FeatureStatistics` (and the
    kept features, if asked for), whatever `num_samples` is.

    Args:
        source: a NumPy array of images; a model with
            `generate(num_samples, seed=...)` (an `AdversarialModel`); or a
            callable `(num_samples, seed) -> images`. Batch `i` of a
            generator is drawn with a seed derived from `(seed, i)`.
        feature_extractor: anything `as_feature_extractor` accepts.
        num_samples: positive int; default all images of an array (a
            generator needs it).
        batch_size: images per step; default the extractor's.
        seed: int or None, for generators.
        keep_features: also keep the features (KID, PRDC need them).
        max_kept: keep at most this many.
        verbose: 1 for a `keras.utils.Progbar`, 0 for none.

    Returns:
        A `FeatureStatistics` named after the extractor.
    """
    extractor = as_feature_extractor(feature_extractor)
    batch_size = positive_int(batch_size or extractor.batch_size, "batch_size")
    is_array = hasattr(source, "shape")
    if hasattr(source, "generate") or (callable(source) and not is_array):
        if num_samples is None:
            raise ValueError("`num_samples` is required to draw from a generator.")
        draw = (
            (lambda n, s: source.generate(n, seed=s))
            if hasattr(source, "generate") else source
        )
    else:
        images = source
        if not hasattr(images, "shape") or len(images.shape) < 2:
            raise ValueError(
                "`source` must be an array of images, a model with `generate`, "
                f"or a callable (num_samples, seed) -> images. Received: {source!r}"
            )
        total = len(images)
        if num_samples is None:
            num_samples = total
        if num_samples > total:
            raise ValueError(
                f"`num_samples`={num_samples} but only {total} images were given."
            )

        def draw(n, s, _start=[0]):
            start = _start[0]
            _start[0] += n
            return images[start:start + n]

    num_samples = positive_int(num_samples, "num_samples")
    stats = FeatureStatistics(name=extractor.name, keep_features=keep_features,
                              max_kept=max_kept)
    progbar = keras.utils.Progbar(num_samples, unit_name="sample") if verbose else None
    done = 0
    for index in range(0, (num_samples + batch_size - 1) // batch_size):
        n = min(batch_size, num_samples - done)
        batch = draw(n, _batch_seed(seed, index))
        stats.update(extractor(np.asarray(batch)))
        done += n
        if progbar is not None:
            progbar.update(done)
    return stats


def safe_name(text):
    """`text` with every character outside `[A-Za-z0-9_.-]` as `_`."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(text))
