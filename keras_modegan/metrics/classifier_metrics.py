"""Classifier-based mode metrics for MNIST and Stacked MNIST.

A pretrained digit classifier (the `mnist_classifier` preset by default)
labels generated images, and the metrics compare the label histogram with
the data's:

- Stacked MNIST (PacGAN's evaluation, https://github.com/fjxmlzn/PacGAN,
  the protocol of Unrolled GAN, VEEGAN, MD-GAN, Dist-GAN and the
  mode-penalty GAN): each of the three channels is classified by argmax
  (no confidence threshold), the label is `100 * d1 + 10 * d2 + d3`;
  `modes` is the number of distinct labels among the samples (out of
  1,000); `kl = KL(p || u) = sum_{k: p_k > 0} p_k log(p_k / u_k)` with `p`
  the generated label frequencies and `u` uniform (the reverse KL, empty
  bins skipped, natural log, as PacGAN computes it); `kl_train` is the same
  against the training set's label distribution.
- MNIST: the digit-frequency KL `KL(p || q)` over the 10 digits and the
  MODE score of Che et al. 2017 (Reg-GAN, https://arxiv.org/abs/1612.02136,
  Eq. 4): `exp(E_x KL(p(y|x) || p(y)) - KL(p*(y) || p(y)))`, `p(y)` the
  training labels' distribution and `p*(y)` the generated marginal.

Images are in [-1, 1] (what the datasets and `tanh` generators give).
"""

import numpy as np

from keras_modegan.utils.validation import positive_int


def _classifier(classifier):
    if isinstance(classifier, str):
        from keras_modegan.presets import load_classifier

        return load_classifier(classifier)
    if not callable(classifier):
        raise ValueError(
            "`classifier` must be a Keras model (or a callable) mapping "
            "(N, 28, 28, 1) images in [-1, 1] to class scores, or a preset "
            f"name such as 'mnist_classifier'. Received: {classifier!r}"
        )
    return classifier


def classifier_outputs(images, classifier, batch_size=1024):
    """The classifier's scores (logits or probabilities) of `images`,
    as a float64 NumPy array `(N, num_classes)`.

    Args:
        images: array `(N, 28, 28, 1)` or `(N, 28, 28)` in [-1, 1].
        classifier: a Keras model (its `predict` is used), a callable, or a
            preset name (`"mnist_classifier"`).
        batch_size: positive int.
    """
    classifier = _classifier(classifier)
    batch_size = positive_int(batch_size, "batch_size")
    images = np.asarray(images, dtype="float32")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] != 1 or len(images) == 0:
        raise ValueError(
            "`images` must be a non-empty array (N, H, W, 1) or (N, H, W). "
            f"Received shape: {images.shape}"
        )
    if hasattr(classifier, "predict"):
        out = classifier.predict(images, batch_size=batch_size, verbose=0)
    else:
        import keras

        out = np.concatenate([
            keras.ops.convert_to_numpy(classifier(images[i : i + batch_size]))
            for i in range(0, len(images), batch_size)
        ])
    return np.asarray(out, dtype="float64")


def to_probabilities(scores, from_logits=None):
    """Rows of class probabilities from logits or probabilities.

    Args:
        scores: array `(N, K)`.
        from_logits: True for logits (softmax is applied), False for
            probabilities, None to decide: rows that are already
            non-negative and sum to 1 are taken as probabilities.
    """
    scores = np.asarray(scores, dtype="float64")
    if from_logits is None:
        from_logits = not (
            np.all(scores >= 0) and np.allclose(scores.sum(axis=1), 1.0, atol=1e-4)
        )
    if not from_logits:
        return scores
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict_digits(images, classifier, batch_size=1024):
    """Argmax class of each image, int64 `(N,)`."""
    return np.argmax(classifier_outputs(images, classifier, batch_size), axis=1)


def stacked_mnist_labels(samples, classifier, batch_size=1024):
    """The Stacked MNIST label `100 * d1 + 10 * d2 + d3` of each sample.

    Args:
        samples: array `(N, 28, 28, 3)` in [-1, 1].
        classifier: see `classifier_outputs`.
        batch_size: positive int.

    Returns:
        int64 array `(N,)` with values in [0, 999].
    """
    samples = np.asarray(samples, dtype="float32")
    if samples.ndim != 4 or samples.shape[-1] != 3 or len(samples) == 0:
        raise ValueError(
            "`samples` must be a non-empty array (N, H, W, 3) of Stacked MNIST "
            f"images. Received shape: {samples.shape}"
        )
    n = len(samples)
    # (N, H, W, 3) -> (3N, H, W, 1), channel-major: one predict call.
    channels = np.moveaxis(samples, -1, 0).reshape((3 * n,) + samples.shape[1:3])
    digits = predict_digits(channels[..., None], classifier, batch_size)
    return digits.reshape(3, n).T @ np.array([100, 10, 1], dtype="int64")


def _distribution(reference, num_classes, name):
    q = np.asarray(reference, dtype="float64").reshape(-1)
    if len(q) != num_classes or np.any(q < 0) or not q.sum() > 0:
        raise ValueError(
            f"`{name}` must be {num_classes} non-negative counts or "
            f"probabilities with a positive sum. Received shape {q.shape}"
        )
    return q / q.sum()


def kl_divergence(p, q):
    """`KL(p || q) = sum_{k: p_k > 0} p_k log(p_k / q_k)` in nats (bins where
    `p` is 0 are skipped, as PacGAN does); `inf` where some `q_k = 0 <
    p_k`. `p` and `q` are normalized first."""
    p = np.asarray(p, dtype="float64")
    q = np.asarray(q, dtype="float64")
    p = p / p.sum()
    q = q / q.sum()
    mask = p > 0
    if np.any(q[mask] == 0):
        return float("inf")
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def label_coverage(labels, num_classes, reference=None):
    """Modes and KL of a set of class labels (the metrics on labels alone).

    Args:
        labels: int array `(N,)` with values in `[0, num_classes)`.
        num_classes: positive int (1,000 for Stacked MNIST).
        reference: optional counts or probabilities `(num_classes,)` of
            the training labels.

    Returns:
        dict: `modes` (distinct labels), `kl` (`KL(p || uniform)`),
        `kl_train` (`KL(p || reference)`, only with `reference`) and
        `counts` (`(num_classes,)` int64 histogram).
    """
    num_classes = positive_int(num_classes, "num_classes")
    labels = np.asarray(labels).reshape(-1)
    if len(labels) == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError("`labels` must be a non-empty array of integers.")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"`labels` must lie in [0, {num_classes}). Received values in "
            f"[{labels.min()}, {labels.max()}]"
        )
    counts = np.bincount(labels, minlength=num_classes)
    out = {
        "modes": int(np.count_nonzero(counts)),
        "kl": kl_divergence(counts, np.ones(num_classes)),
    }
    if reference is not None:
        q = _distribution(reference, num_classes, "reference")
        out["kl_train"] = kl_divergence(counts, q)
    out["counts"] = counts
    return out


def stacked_mnist_modes(samples, classifier="mnist_classifier", reference=None,
                        batch_size=1024):
    """Modes covered and KL of Stacked MNIST samples (PacGAN's evaluation).

    Args:
        samples: generated images `(N, 28, 28, 3)` in [-1, 1] (the protocol
            scores 25,600 or 26,000: `StackedMNIST.num_eval_samples`).
        classifier: a digit classifier (Keras model or callable) on
            `(n, 28, 28, 1)` images in [-1, 1], or a preset name.
        reference: optional training label distribution `(1000,)` (counts
            or probabilities, e.g. `StackedMNIST.label_distribution()`)
            for `kl_train`.
        batch_size: classifier batch size.

    Returns:
        dict: `modes` (int, of 1,000), `kl` (`KL(p || uniform)`, nats),
        `kl_train` (with `reference`), `counts` (`(1000,)` histogram) and
        `labels` (`(N,)`).

    Example:

    ```python
    data = StackedMNIST("unrolled_gan")
    samples = model.generate(data.num_eval_samples, seed=0)
    result = stacked_mnist_modes(samples, "mnist_classifier",
                                 reference=data.label_distribution())
    print(result["modes"], result["kl"])
    ```
    """
    labels = stacked_mnist_labels(samples, classifier, batch_size)
    out = label_coverage(labels, 1000, reference)
    out["labels"] = labels
    return out


def digit_kl(samples, classifier="mnist_classifier", reference=None,
             batch_size=1024):
    """Digit-frequency KL of MNIST samples, `KL(p || q)` over 10 digits.

    Args:
        samples: generated digits `(N, 28, 28, 1)` in [-1, 1].
        classifier: see `stacked_mnist_modes`.
        reference: training digit counts or frequencies `(10,)`; None for
            uniform.
        batch_size: classifier batch size.

    Returns:
        float, nats (`p` the argmax-label frequencies of the samples).
    """
    digits = predict_digits(samples, classifier, batch_size)
    q = np.ones(10) if reference is None else _distribution(reference, 10, "reference")
    return kl_divergence(np.bincount(digits, minlength=10), q)


def mode_score_from_probabilities(probs, reference):
    """The MODE score (Reg-GAN Eq. 4) of classifier probabilities.

    Args:
        probs: array `(N, K)`, `p(y|x)` of each generated sample.
        reference: `(K,)` counts or probabilities of the training labels,
            `p(y)`.

    Returns:
        float, `exp(E_x KL(p(y|x) || p(y)) - KL(p*(y) || p(y)))`.
    """
    probs = np.asarray(probs, dtype="float64")
    if probs.ndim != 2 or len(probs) == 0:
        raise ValueError(f"`probs` must be (N, K). Received shape {probs.shape}")
    q = _distribution(reference, probs.shape[1], "reference")
    if np.any(q == 0):
        raise ValueError("`reference` must be positive on every class.")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probs > 0, probs * np.log(probs / q), 0.0)
    expected = float(np.mean(np.sum(terms, axis=1)))
    marginal = probs.mean(axis=0)
    # Eq. 4: exp(E_x KL(p(y|x) || p(y)) - KL(p*(y) || p(y)))
    return float(np.exp(expected - kl_divergence(marginal, q)))


def mode_score(samples, classifier="mnist_classifier", reference=None,
               batch_size=1024, from_logits=None):
    """The MODE score of Che et al. 2017 (Reg-GAN Eq. 4) of MNIST samples.

    Higher is better: it rewards confident classifications (quality) whose
    marginal matches the training labels (variety). Bounded by
    `exp(H(p(y)))`, about 10 for MNIST's nearly uniform digits.

    Args:
        samples: generated digits `(N, 28, 28, 1)` in [-1, 1].
        classifier: see `stacked_mnist_modes`.
        reference: training digit counts or frequencies `(10,)`; None for
            uniform.
        batch_size: classifier batch size.
        from_logits: see `to_probabilities` (the `mnist_classifier` preset
            returns logits; None detects it).

    Returns:
        float.
    """
    probs = to_probabilities(
        classifier_outputs(samples, classifier, batch_size), from_logits
    )
    if reference is None:
        reference = np.ones(probs.shape[1])
    return mode_score_from_probabilities(probs, reference)
