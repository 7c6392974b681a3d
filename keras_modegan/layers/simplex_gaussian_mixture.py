"""The simplex Gaussian mixture likelihood of the Mixture Density GAN."""

import warnings

import keras
import numpy as np
from keras import ops


def simplex_vertices(dim, edge_length=1.0):
    """The `dim + 1` vertices of a regular simplex in `dim` dimensions,
    centred on the origin, with every pairwise distance `edge_length`.

    The standard basis of R^(dim+1) is a regular simplex of edge sqrt(2)
    lying in the hyperplane sum(x) = 1; it is centred, written in an
    orthonormal basis of the hyperplane sum(x) = 0 (from a QR
    decomposition) and rescaled.

    Returns:
        float64 NumPy array of shape `(dim + 1, dim)`.
    """
    n = dim + 1
    centred = np.eye(n) - 1.0 / n
    # Columns 1..n-1 of Q span the orthogonal complement of (1, ..., 1).
    q, _ = np.linalg.qr(np.concatenate([np.ones((n, 1)), centred[:, :-1]], 1))
    basis = q[:, 1:]
    return centred @ basis * (edge_length / np.sqrt(2.0))


def _log_mixture_density(points, means, variance):
    """Log-density of the equal-weight spherical mixture, NumPy float64."""
    dim = means.shape[1]
    sq = np.sum((points[:, None, :] - means[None]) ** 2, axis=-1)
    log_comp = -0.5 * sq / variance - 0.5 * dim * np.log(2 * np.pi * variance)
    top = np.max(log_comp, axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.sum(np.exp(log_comp - top), axis=1))
    return lse - np.log(len(means))


def _mean_shift(points, means, variance, max_iter=10000, tol=1e-12):
    """Carreira-Perpinan's fixed-point mode finding for a homoscedastic
    spherical mixture: x <- sum_i p(i | x) mu_i. Every step increases the
    density, and it stops at a stationary point (a mode from almost every
    start)."""
    x = np.array(points, dtype="float64")
    for _ in range(max_iter):
        sq = np.sum((x[:, None, :] - means[None]) ** 2, axis=-1)
        logits = -0.5 * sq / variance
        logits -= logits.max(axis=1, keepdims=True)
        post = np.exp(logits)
        post /= post.sum(axis=1, keepdims=True)
        new = post @ means
        step = np.max(np.abs(new - x))
        x = new
        if step < tol:
            break
    return x


@keras.saving.register_keras_serializable(package="keras_modegan")
class SimplexGaussianMixture(keras.layers.Layer):
    """Likelihood of an embedding under the simplex Gaussian mixture (SGMM).

    Paper: Eghbal-zadeh, Zellinger & Widmer, "Mixture Density Generative
    Adversarial Networks", CVPR 2019, https://arxiv.org/abs/1811.00152
    (Sec. 4.2, Eq. 2). For a `d`-dimensional embedding `e` the layer
    returns

        lk(e) = sum_{i=1}^{d+1} 1/(d+1) * N(e; mu_i, variance * I)

    where the means `mu_i` are the vertices of a regular simplex centred on
    the origin with pairwise distance `edge_length`. Everything is computed
    in log space (`logsumexp` over components), so embeddings far from all
    vertices give finite log-likelihoods and gradients. The layer has no
    weights; the vertices are constants derived from the config.

    `lambda_`, the maximum of `lk` over the whole space, is what Eq. 3 of
    the paper subtracts from (`log(lambda - lk)`). A Gaussian mixture's
    maximum need not be at a component mean: with the paper's settings
    (edge 1, variance 0.25, d = 9) the density at the centroid (0.053) is
    higher than at any vertex (0.029), and no vertex is even a local
    maximum. The paper finds it by gradient ascent from one point, which
    finds a local maximum only. Here it is computed once, when the layer is
    built, in float64 NumPy: the candidates are the centroid, every vertex,
    the centroid of one face of each size (all faces of a size are
    equivalent by symmetry), a few dozen random points of the simplex, and
    the modes that Carreira-Perpinan's fixed-point iteration (which
    ascends the density monotonically) reaches from each of them; `lambda_`
    is the highest density among all of them. When mode finding started at
    a vertex ends closer to the centroid than to that vertex (the vertices
    are not local maxima, so "one cluster per vertex" is not what the
    likelihood rewards), the layer warns and gives the density at the
    centroid and at a vertex.

    Args:
        edge_length: positive float, distance between any two vertices
            (the paper uses 1).
        variance: positive float, the variance of every component on every
            axis (the paper uses 0.25 for real images).
        return_log: bool, if True `call` returns the log-likelihood instead
            of the likelihood.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: embeddings of shape `(batch, d)`.
        return_assignments: if True, also returns the index of the
            component with the highest posterior for each embedding
            (int32, shape `(batch,)`).

    Returns:
        Tensor of shape `(batch,)`: the likelihood or log-likelihood, and
        the assignments if requested.

    Example:

    ```python
    sgmm = SimplexGaussianMixture(edge_length=1.0, variance=0.05)
    lk = sgmm(keras.ops.zeros((4, 9)))  # (4,)
    lk, clusters = sgmm(embeddings, return_assignments=True)
    sgmm.lambda_  # the global maximum of lk
    ```
    """

    def __init__(self, edge_length=1.0, variance=0.25, return_log=False,
                 **kwargs):
        # Densities, their logs and `lambda - lk` gaps (with epsilon 1e-8)
        # need float32: under a mixed policy the layer still computes in it.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        for name, value in (("edge_length", edge_length), ("variance", variance)):
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ) or not np.isfinite(value) or value <= 0:
                raise ValueError(
                    f"`{name}` must be a positive float. "
                    f"Received: {name}={value!r}"
                )
        if not isinstance(return_log, (bool, np.bool_)):
            raise ValueError(
                "`return_log` must be True or False. "
                f"Received: return_log={return_log!r}"
            )
        self.edge_length = float(edge_length)
        self.variance = float(variance)
        self.return_log = bool(return_log)
        self.lambda_ = None
        self.vertices = None

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None or dim < 1:
            raise ValueError(
                "The last axis of the input (the embedding size d) must be "
                f"known and >= 1. Received: input_shape={input_shape}"
            )
        self.embedding_dim = int(dim)
        self.num_components = self.embedding_dim + 1
        self.vertices = simplex_vertices(self.embedding_dim, self.edge_length)
        self.lambda_, self.mode_ = self._find_maximum()

    def _find_maximum(self):
        means, var, dim = self.vertices, self.variance, self.embedding_dim
        centroid = np.zeros((1, dim))
        # Centroid of the face spanned by the first k vertices, k = 1..d+1.
        faces = np.cumsum(means, axis=0) / np.arange(1, dim + 2)[:, None]
        rng = np.random.default_rng(0)
        inside = rng.dirichlet(np.ones(dim + 1), size=32) @ means
        starts = np.concatenate([centroid, means, faces, inside])
        modes = _mean_shift(starts, means, var)
        candidates = np.concatenate([starts, modes])
        log_density = _log_mixture_density(candidates, means, var)
        best = int(np.argmax(log_density))

        from_vertex = modes[1 : dim + 2]
        to_vertex = np.linalg.norm(from_vertex - means, axis=1)
        to_centroid = np.linalg.norm(from_vertex, axis=1)
        if np.any(to_centroid <= to_vertex):
            at_centroid = np.exp(_log_mixture_density(centroid, means, var)[0])
            at_vertex = np.exp(_log_mixture_density(means[:1], means, var)[0])
            warnings.warn(
                f"SimplexGaussianMixture(edge_length={self.edge_length}, "
                f"variance={self.variance}) in d={dim}: the simplex vertices "
                "are not local maxima of the likelihood (mode finding from a "
                "vertex ends at the centroid), so the mixture does not "
                "reward one cluster per vertex. Density at the centroid: "
                f"{at_centroid:.6g}; at a vertex: {at_vertex:.6g}. A smaller "
                "`variance` or a larger `edge_length` separates the "
                "components.",
                stacklevel=2,
            )
        return float(np.exp(log_density[best])), candidates[best]

    def component_log_densities(self, inputs):
        """Log of `N(e; mu_i, variance * I) / (d + 1)` for every component.

        Returns:
            Tensor of shape `(batch, d + 1)`.
        """
        e = ops.cast(ops.convert_to_tensor(inputs), self.compute_dtype)
        means = ops.convert_to_tensor(self.vertices, dtype=self.compute_dtype)
        sq = ops.sum(ops.square(ops.expand_dims(e, -2) - means), axis=-1)
        # A Python float, so it takes the compute dtype, not float64.
        const = float(0.5 * self.embedding_dim * np.log(
            2 * np.pi * self.variance
        ) + np.log(self.num_components))
        # Eq. 2, one weighted component in log space
        return -0.5 / self.variance * sq - const

    def log_likelihood(self, inputs, epsilon=0.0):
        """`log(lk(e) + epsilon)`, computed stably (`logsumexp`).

        Args:
            inputs: embeddings of shape `(batch, d)`.
            epsilon: float >= 0 added inside the log (the paper's code uses
                1e-8).

        Returns:
            Tensor of shape `(batch,)`.
        """
        # Eq. 2, lk(e) = sum_i 1/(d+1) N(e; mu_i, Sigma_i)
        log_lk = ops.logsumexp(self.component_log_densities(inputs), axis=-1)
        if epsilon:
            log_lk = ops.logaddexp(log_lk, float(np.log(epsilon)))
        return log_lk

    def log_gap(self, inputs, epsilon=1e-8):
        """`log(lambda_ - lk(e) + epsilon)`, the fake term of Eq. 3.

        `lambda_ - lk` is clipped at 0 first (it can only go below through
        rounding), so with `epsilon > 0` the result is always finite.

        Args:
            inputs: embeddings of shape `(batch, d)`.
            epsilon: positive float added inside the log.

        Returns:
            Tensor of shape `(batch,)`.
        """
        if not epsilon > 0:
            raise ValueError(
                f"`epsilon` must be > 0. Received: epsilon={epsilon!r}"
            )
        lk = ops.exp(self.log_likelihood(inputs))
        return ops.log(ops.maximum(self.lambda_ - lk, 0.0) + epsilon)

    def assignments(self, inputs):
        """Index of the component with the highest posterior for each
        embedding (int32, shape `(batch,)`)."""
        return ops.cast(
            ops.argmax(self.component_log_densities(inputs), axis=-1), "int32"
        )

    def call(self, inputs, return_assignments=False):
        log_densities = self.component_log_densities(inputs)
        out = ops.logsumexp(log_densities, axis=-1)
        if not self.return_log:
            out = ops.exp(out)
        if return_assignments:
            return out, ops.cast(ops.argmax(log_densities, axis=-1), "int32")
        return out

    def compute_output_shape(self, input_shape, return_assignments=False):
        shape = tuple(input_shape[:-1])
        return (shape, shape) if return_assignments else shape

    def compute_output_spec(self, inputs, return_assignments=False):
        shape = tuple(inputs.shape[:-1])
        out = keras.KerasTensor(shape, dtype=self.compute_dtype)
        if return_assignments:
            return out, keras.KerasTensor(shape, dtype="int32")
        return out

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "edge_length": self.edge_length,
                "variance": self.variance,
                "return_log": self.return_log,
            }
        )
        return config
