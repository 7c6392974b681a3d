"""Mode-collapse metrics for samples of a Gaussian mixture (pure NumPy).

Definitions (for generated samples `x_1..x_N` and a `MixtureSpec` with
centres `c_1..c_K`, std `s`, weights `w`, registration radius `r`, by
default `3 s`, and `min_count`):

- a sample is *registered* to mode `k` ("high quality") when `c_k` is its
  nearest centre and `||x - c_k||_2 <= r` (VEEGAN / MD-GAN's 3-std rule;
  GAAN's radius for `grid25_gaan`). `registered` is the number of such
  samples (GAAN's "registered points") and `hq = registered / N`;
- `modes` is the number of modes with at least `min_count` registered
  samples (1 for VEEGAN / MD-GAN, 20 for GAAN);
- `kl = KL(p || w)` and `tv = 0.5 * sum_k |p_k - w_k|`, where `p` is the
  histogram of the registered samples over the modes, normalized to sum to
  1 (GAAN Table 2's TV against the true weights). With no registered sample
  `p` is undefined: `kl = inf`, `tv = 1`;
- `jsd` is the Jensen-Shannon divergence, in bits (so in [0, 1]), between
  the generated and the real distribution on a "canonical space" (seed
  000): the box from the smallest to the largest centre coordinate widened
  by 4 std on each side, cut into cubic cells ("canonical units") of side
  `2 std`, plus one cell for everything outside the box. The real cell
  probabilities are exact (products of normal CDF differences, summed over
  the modes), the generated ones are sample frequencies, so a perfect
  generator scores a small positive value that shrinks as N grows (about
  0.03 bits for `grid25` at N = 2,500).
"""

import numpy as np
from scipy.special import ndtr

_CHUNK = 2**22  # distance-matrix entries per chunk


def _spec(spec):
    from keras_modegan.datasets.mixtures import get_spec

    return get_spec(spec)


def _check_samples(samples, spec):
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != spec.dim or len(samples) == 0:
        raise ValueError(
            f"`samples` must be a non-empty array of shape (N, {spec.dim}) "
            f"for mixture {spec.name!r}. Received shape: {samples.shape}"
        )
    return samples


def nearest_mode(samples, centers):
    """Index of and Euclidean distance to the nearest centre of each sample.

    Args:
        samples: array `(N, D)`.
        centers: array `(K, D)`.

    Returns:
        `(index, distance)`, arrays of shape `(N,)`. Non-finite samples get
        distance `inf`.
    """
    samples = np.asarray(samples, dtype="float64")
    centers = np.asarray(centers, dtype="float64")
    n = len(samples)
    index = np.empty(n, dtype="int64")
    dist2 = np.empty(n, dtype="float64")
    step = max(1, _CHUNK // max(1, len(centers)))
    c2 = np.sum(centers**2, axis=1)
    for start in range(0, n, step):
        x = samples[start : start + step]
        # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2, one matrix product.
        d2 = np.sum(x**2, axis=1, keepdims=True) - 2.0 * x @ centers.T + c2
        d2 = np.where(np.isfinite(d2), d2, np.inf)
        k = np.argmin(d2, axis=1)
        index[start : start + step] = k
        dist2[start : start + step] = np.maximum(d2[np.arange(len(x)), k], 0.0)
    return index, np.sqrt(dist2)


def mode_counts(samples, spec):
    """Registered samples per mode.

    Args:
        samples: array `(N, D)` of generated samples.
        spec: a `MixtureSpec` or a mixture name.

    Returns:
        int array `(K,)`: how many samples are registered to each mode
        (nearest centre, within `spec.radius`).
    """
    spec = _spec(spec)
    samples = _check_samples(samples, spec)
    index, dist = nearest_mode(samples, spec.centers)
    hit = dist <= spec.radius
    return np.bincount(index[hit], minlength=spec.num_modes)


def canonical_grid(spec, bin_width=None):
    """The canonical-space cell edges of a mixture, one array per dimension.

    Args:
        spec: a `MixtureSpec` or a mixture name.
        bin_width: side of a cell; default `2 * spec.std`.

    Returns:
        List of `D` increasing edge arrays.
    """
    spec = _spec(spec)
    width = 2.0 * spec.std if bin_width is None else float(bin_width)
    if not width > 0:
        raise ValueError(f"`bin_width` must be > 0. Received: {bin_width}")
    lo = spec.centers.min(axis=0) - 4.0 * spec.std
    hi = spec.centers.max(axis=0) + 4.0 * spec.std
    counts = np.ceil((hi - lo) / width).astype(int)
    return [lo[d] + width * np.arange(counts[d] + 1) for d in range(spec.dim)]


def canonical_histograms(samples, spec, bin_width=None):
    """Real and generated probabilities of the canonical cells.

    Returns:
        `(p_real, p_gen)`, flat arrays over the cells of `canonical_grid`
        followed by one "outside the box" cell; each sums to 1.
    """
    spec = _spec(spec)
    samples = _check_samples(samples, spec)
    edges = canonical_grid(spec, bin_width)
    shape = tuple(len(e) - 1 for e in edges)
    # Real: per mode and dimension, the normal mass of each interval.
    per_dim = [
        np.diff(ndtr((e[None, :] - spec.centers[:, d : d + 1]) / spec.std), axis=1)
        for d, e in enumerate(edges)
    ]
    letters = "abcdefghijklmnopqrstuvwxy"[: spec.dim]
    subscripts = "z," + ",".join("z" + c for c in letters) + "->" + letters
    inside = np.einsum(subscripts, spec.weights, *per_dim).ravel()
    p_real = np.append(inside, max(0.0, 1.0 - inside.sum()))
    # Generated: sample frequencies.
    cell = np.stack(
        [
            np.floor((samples[:, d] - e[0]) / (e[1] - e[0]))
            for d, e in enumerate(edges)
        ],
        axis=1,
    )
    ok = np.all(np.isfinite(cell), axis=1)
    ok[ok] = np.all((cell[ok] >= 0) & (cell[ok] < np.array(shape)), axis=1)
    flat = np.ravel_multi_index(tuple(cell[ok].astype("int64").T), shape)
    counts = np.bincount(flat, minlength=int(np.prod(shape))).astype("float64")
    counts = np.append(counts, len(samples) - ok.sum())
    return p_real, counts / len(samples)


def jensen_shannon(p, q):
    """JSD in bits between two discrete distributions (arrays summing to 1)."""
    p = np.asarray(p, dtype="float64")
    q = np.asarray(q, dtype="float64")
    m = 0.5 * (p + q)

    def kl(a):
        # m >= a / 2, but a denormal a can give m == 0 in floating point.
        nz = (a > 0) & (m > 0)
        return np.sum(a[nz] * np.log2(a[nz] / m[nz]))

    return float(min(1.0, max(0.0, 0.5 * kl(p) + 0.5 * kl(q))))


def mode_coverage(samples, spec, bin_width=None):
    """All mode-collapse metrics of generated samples in one call.

    See the module docstring for the definitions.

    Args:
        samples: array `(N, D)` of generated samples (use
            `spec.num_eval_samples` of them to follow the protocol).
        spec: a `MixtureSpec` or a mixture name.
        bin_width: canonical cell side for `jsd`; default `2 * spec.std`.

    Returns:
        Dict with `modes` (int, modes with >= `min_count` registered
        samples), `hq` (float, fraction of registered samples), `registered`
        (int), `jsd`, `kl`, `tv` (floats).

    Example:

    ```python
    x, spec = load_mixture("grid25", num_samples=2500, seed=1)
    mode_coverage(x, spec)["modes"]  # 25
    ```
    """
    spec = _spec(spec)
    samples = _check_samples(samples, spec)
    counts = mode_counts(samples, spec)
    registered = int(counts.sum())
    if registered > 0:
        p = counts / registered
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] / spec.weights[nz])))
        tv = float(0.5 * np.sum(np.abs(p - spec.weights)))
    else:
        kl, tv = float("inf"), 1.0
    p_real, p_gen = canonical_histograms(samples, spec, bin_width)
    return {
        "modes": int(np.sum(counts >= spec.min_count)),
        "hq": registered / len(samples),
        "registered": registered,
        "jsd": jensen_shannon(p_real, p_gen),
        "kl": max(0.0, kl),
        "tv": tv,
    }
