"""The Fréchet distance between two Gaussians (the "F" of FID)."""

import warnings

import numpy as np
from scipy import linalg


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6, atol=1e-3):
    """Fréchet (2-Wasserstein) distance between `N(mu1, sigma1)` and `N(mu2, sigma2)`.

    `d^2 = |mu1 - mu2|^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`
    (Heusel et al. 2017, https://arxiv.org/abs/1706.08500, Eq. 6), computed
    in float64 as pytorch-fid's `calculate_frechet_distance` does
    (https://github.com/mseitzer/pytorch-fid/blob/master/src/pytorch_fid/fid_score.py):
    when `scipy.linalg.sqrtm` of the product is not finite (a singular
    product, e.g. fewer samples than dimensions), `eps` is added to both
    diagonals and the root taken again; a complex root whose diagonal's
    imaginary part exceeds `atol` is an error, a smaller one is numerical
    noise and dropped.

    Args:
        mu1, mu2: mean vectors `(d,)`.
        sigma1, sigma2: covariance matrices `(d, d)`.
        eps: positive float, the diagonal offset used for a singular product.
        atol: positive float, the largest imaginary part accepted.

    Returns:
        float, the (squared) Fréchet distance, as FID reports it.

    Example:

    ```python
    d = frechet_distance(real.mean, real.covariance, fake.mean, fake.covariance)
    ```
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype="float64"))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype="float64"))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype="float64"))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype="float64"))
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(
            "`mu1` and `mu2` must be vectors of the same length. Received "
            f"shapes {mu1.shape} and {mu2.shape}"
        )
    d = mu1.shape[0]
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if sigma.shape != (d, d):
            raise ValueError(
                f"`{name}` must be a ({d}, {d}) covariance matrix for means of "
                f"length {d}. Received shape {sigma.shape}"
            )
        if not np.all(np.isfinite(sigma)):
            raise ValueError(f"`{name}` has non-finite entries.")
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise ValueError("`mu1` and `mu2` must be finite.")
    if not eps > 0:
        raise ValueError(f"`eps` must be a positive float. Received: eps={eps!r}")

    diff = mu1 - mu2
    covmean = _sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        warnings.warn(
            f"frechet_distance: the product of the covariances is singular; "
            f"adding {eps} to their diagonals.",
            RuntimeWarning,
            stacklevel=2,
        )
        offset = np.eye(d) * eps
        covmean = _sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        largest = np.max(np.abs(covmean.diagonal().imag))
        if not np.allclose(covmean.diagonal().imag, 0, atol=atol):
            raise ValueError(
                f"frechet_distance: the matrix square root has an imaginary "
                f"component of {largest:.3g} (above atol={atol}); the "
                "covariances are not positive semi-definite."
            )
        covmean = covmean.real
    # Eq. 6
    return float(
        diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)
    )


def _sqrtm(matrix):
    # scipy warns (LinAlgWarning) on a singular matrix; the caller checks
    # the result's finiteness instead, as pytorch-fid does.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        return linalg.sqrtm(matrix)
