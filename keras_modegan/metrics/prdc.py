"""Precision, recall, density and coverage (Naeem et al. 2020) of feature sets."""

import numpy as np

from keras_modegan.utils.validation import positive_int

# Rows x columns of one block of the distance matrix (float64): 128 MB.
_BLOCK = 1 << 24


def _distances(a, b, b_sq):
    # Euclidean distances of rows of `a` to rows of `b`, float64.
    a_sq = np.einsum("ij,ij->i", a, a)
    d2 = a_sq[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(d2, 0.0))


def _blocks(n, m):
    step = max(1, _BLOCK // max(m, 1))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


def nearest_neighbour_radii(features, nearest_k=5):
    """Distance of each row to its `nearest_k`-th nearest other row.

    As `prdc.compute_nearest_neighbour_distances`: the `(k + 1)`-th smallest
    distance, the row itself (distance 0) included. Computed in blocks, so
    memory is bounded for 50,000 rows.
    """
    x = np.asarray(features, dtype="float64")
    if nearest_k >= len(x):
        raise ValueError(
            f"`nearest_k`={nearest_k} needs more than {nearest_k} samples; "
            f"received {len(x)}."
        )
    sq = np.einsum("ij,ij->i", x, x)
    radii = np.empty(len(x))
    for start, stop in _blocks(len(x), len(x)):
        d = _distances(x[start:stop], x, sq)
        radii[start:stop] = np.partition(d, nearest_k, axis=1)[:, nearest_k]
    return radii


def prdc_from_features(real_features, generated_features, nearest_k=5):
    """Precision, recall, density and coverage of generated against real features.

    Naeem, Oh, Uh, Choi, Yoo, "Reliable Fidelity and Diversity Metrics for
    Generative Models", ICML 2020 (https://arxiv.org/abs/2002.09797), with
    `k` nearest-neighbour balls around the samples (the paper uses k = 5):

    - precision: share of generated samples inside some real sample's ball
      (Kynkäänniemi et al. 2019);
    - recall: share of real samples inside some generated sample's ball;
    - density (Eq. 1 of Naeem et al.): `1 / (k M) * sum_j sum_i
      1[Y_j in B(X_i, NND_k(X_i))]`, how many real balls hold each generated
      sample, on average, over k;
    - coverage (Eq. 2): share of real samples whose ball holds at least one
      generated sample.

    Computes what the authors' `prdc.compute_prdc` computes
    (https://github.com/clovaai/generative-evaluation-prdc), in float64 and
    in blocks of the distance matrix (memory bounded for 50,000 samples).

    Args:
        real_features: `(n, d)` array.
        generated_features: `(m, d)` array.
        nearest_k: positive int, k.

    Returns:
        dict with float `precision`, `recall`, `density`, `coverage`.
    """
    nearest_k = positive_int(nearest_k, "nearest_k")
    x = np.asarray(real_features, dtype="float64")
    y = np.asarray(generated_features, dtype="float64")
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(
            "`real_features` and `generated_features` must be 2-D with the same "
            f"number of columns. Received shapes {x.shape} and {y.shape}"
        )
    real_radii = nearest_neighbour_radii(x, nearest_k)
    fake_radii = nearest_neighbour_radii(y, nearest_k)
    y_sq = np.einsum("ij,ij->i", y, y)
    inside_real = np.zeros(len(y), dtype="int64")  # real balls holding each y_j
    recalled = np.zeros(len(x), dtype=bool)
    covered = np.zeros(len(x), dtype=bool)
    for start, stop in _blocks(len(x), len(y)):
        d = _distances(x[start:stop], y, y_sq)
        radii = real_radii[start:stop, None]
        inside_real += (d < radii).sum(axis=0)
        recalled[start:stop] = (d < fake_radii[None, :]).any(axis=1)
        covered[start:stop] = d.min(axis=1) < real_radii[start:stop]  # Eq. 2
    return {
        "precision": float((inside_real > 0).mean()),
        "recall": float(recalled.mean()),
        "density": float(inside_real.sum() / (nearest_k * len(y))),  # Eq. 1
        "coverage": float(covered.mean()),
    }
