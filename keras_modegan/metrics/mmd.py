"""Kernel Inception Distance (Bińkowski et al. 2018), as torch-fidelity computes it."""

import numpy as np

from keras_modegan.utils.validation import positive_int


def polynomial_kernel(x, y, degree=3, gamma=None, coef0=1.0):
    """`k(x, y) = (gamma <x, y> + coef0) ** degree`, float64; `gamma`
    defaults to `1 / dim`."""
    if gamma is None:
        gamma = 1.0 / x.shape[1]
    return (x @ y.T * gamma + coef0) ** degree


def mmd2_unbiased(k_xx, k_xy, k_yy):
    """The unbiased estimate of the squared MMD from three `(m, m)` kernel
    matrices (Bińkowski et al. 2018, https://arxiv.org/abs/1801.01401,
    Eq. 3; the diagonals of `k_xx` and `k_yy` are left out, the cross term
    keeps its diagonal, as torch-fidelity's `mmd2(mmd_est="unbiased")`)."""
    m = k_xx.shape[0]
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    # Eq. 3
    return (sum_xx + sum_yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m)


def kernel_distance(
    real_features,
    generated_features,
    subsets=100,
    subset_size=1000,
    degree=3,
    gamma=None,
    coef0=1.0,
    seed=2020,
):
    """KID of two feature sets: mean and std of the unbiased MMD^2 over subsets.

    As torch-fidelity's `kid_features_to_metric`
    (https://github.com/toshas/torch-fidelity/blob/master/torch_fidelity/metric_kid.py):
    `subsets` times, `subset_size` real and `subset_size` generated features
    are drawn without replacement (`np.random.RandomState(seed).choice`,
    real first), and the unbiased MMD^2 with the polynomial kernel
    `(<x, y> / dim + 1) ** 3` is computed; with the same seed (torch-fidelity's
    default is 2020) the draws, and so the numbers, are the same. Computed in
    float64.

    Args:
        real_features, generated_features: arrays `(n, d)`, `(m, d)`.
        subsets: positive int (torch-fidelity: 100).
        subset_size: positive int, at most `min(n, m)` (torch-fidelity: 1000).
        degree, gamma, coef0: the polynomial kernel (`gamma=None`: `1 / d`).
        seed: int seed of the subset draws.

    Returns:
        `(kid_mean, kid_std)`, floats (std with `ddof=0`, as torch-fidelity).
    """
    x = np.asarray(real_features, dtype="float32")
    y = np.asarray(generated_features, dtype="float32")
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(
            "`real_features` and `generated_features` must be 2-D with the same "
            f"number of columns. Received shapes {x.shape} and {y.shape}"
        )
    subsets = positive_int(subsets, "subsets")
    subset_size = positive_int(subset_size, "subset_size")
    if subset_size < 2:
        raise ValueError(f"`subset_size` must be at least 2. Received: {subset_size}")
    if len(x) < subset_size or len(y) < subset_size:
        raise ValueError(
            f"`subset_size`={subset_size} is larger than the number of samples "
            f"(real: {len(x)}, generated: {len(y)}); pass a smaller `subset_size`."
        )
    rng = np.random.RandomState(seed)
    mmds = np.zeros(subsets)
    for i in range(subsets):
        a = x[rng.choice(len(x), subset_size, replace=False)].astype("float64")
        b = y[rng.choice(len(y), subset_size, replace=False)].astype("float64")
        mmds[i] = mmd2_unbiased(
            polynomial_kernel(a, a, degree, gamma, coef0),
            polynomial_kernel(a, b, degree, gamma, coef0),
            polynomial_kernel(b, b, degree, gamma, coef0),
        )
    return float(np.mean(mmds)), float(np.std(mmds))
