"""Mode matching and mode penalty of the Mode-penalty GAN, in `keras.ops`.

Paper: https://arxiv.org/abs/2011.07706 (section 2.2, Eqs. 2-3). All
functions are backend-agnostic and jit-compatible: the greedy matching is a
`keras.ops.fori_loop` with a static trip count (one iteration per generated
sample, whose choice depends on the modes used before it), never a Python
loop over the samples. The target-mode extraction (`kmeans_modes`,
`sample_modes`) runs once, eagerly, in NumPy.
"""

import keras
import numpy as np
from keras import ops

MODE_EXTRACTIONS = ("kmeans", "sample")


def pairwise_squared_distances(a, b):
    """Squared Euclidean distances between the rows of `a` and of `b`.

    Args:
        a: tensor of shape `(M, d)`.
        b: tensor of shape `(N, d)`.

    Returns:
        Tensor of shape `(M, N)`; entry `(i, j)` is `|a_i - b_j|^2`.
    """
    diff = ops.expand_dims(a, 1) - ops.expand_dims(b, 0)
    return ops.sum(ops.square(diff), axis=-1)


def greedy_mode_matching(generated, modes):
    """Greedy one-to-one matching of generated samples to real modes.

    Section 2.2 of the paper: the generated samples are visited from the
    furthest to the nearest to the centroid of the real modes; each takes
    the nearest real mode that no earlier sample took. The loop runs over
    the (static) number of generated samples with `keras.ops.fori_loop`;
    each iteration is one vectorized `argmin` over the modes.

    No gradient flows through the matching (it returns indices).

    Args:
        generated: tensor `(M, d)`, generated samples in the encoded space.
        modes: tensor `(N, d)`, the real target modes, `N >= M`.

    Returns:
        int32 tensor `(M,)`: the index of the mode matched to each
        generated sample (all distinct).

    Example:

    ```python
    modes = keras.ops.convert_to_tensor([[0.0, 0.0], [4.0, 0.0]])
    fake = keras.ops.convert_to_tensor([[3.0, 0.0], [3.5, 0.0]])
    greedy_mode_matching(fake, modes)  # [0, 1]: 3.5 is further, takes 4.0
    ```
    """
    num_generated = generated.shape[0]
    num_modes = modes.shape[0]
    if num_generated is None or num_modes is None:
        raise ValueError(
            "`greedy_mode_matching` needs static numbers of samples and "
            f"modes. Received shapes {generated.shape} and {modes.shape}."
        )
    if num_generated > num_modes:
        raise ValueError(
            "Each generated sample takes a distinct mode, so there must be "
            f"at least as many modes as samples. Received {num_generated} "
            f"generated samples and {num_modes} modes."
        )
    generated = ops.stop_gradient(ops.convert_to_tensor(generated))
    # At least float32: the stamps below must stay distinct.
    dtype = keras.backend.standardize_dtype(generated.dtype)
    dtype = "float64" if dtype == "float64" else "float32"
    generated = ops.cast(generated, dtype)
    modes = ops.stop_gradient(ops.convert_to_tensor(modes, dtype))
    centroid = ops.mean(modes, axis=0, keepdims=True)
    # Furthest generated sample from the centroid of the real modes first.
    order = ops.argsort(-ops.sum(ops.square(generated - centroid), axis=-1))
    dist = ops.take(pairwise_squared_distances(generated, modes), order, axis=0)
    # A taken mode's cost is its stamp: above every distance, and
    # increasing with the visit, so sorting the costs after the loop gives
    # the modes in the order they were taken (few ops per iteration, which
    # is what an eager backend such as torch pays for).
    big = ops.max(dist) + 1.0
    stamps = big * (1.0 + ops.arange(num_generated, dtype=dist.dtype) / num_generated)
    mode_ids = ops.arange(num_modes, dtype="int32")

    def visit(i, taken):
        # Sample order[i] takes its nearest mode not taken before. Plain
        # indexing and `where` rather than `take` and `scatter_update`:
        # under torch, which runs this loop eagerly, they cost about a
        # fifth as much per iteration.
        mode = ops.argmin(dist[i] + taken)
        return ops.where(ops.equal(mode_ids, mode), stamps[i], taken)

    taken = ops.zeros((num_modes,), dist.dtype)
    taken = ops.fori_loop(0, num_generated, visit, taken)
    # Untaken modes cost 0 and sort first; the last num_generated are taken.
    matched_in_order = ops.argsort(taken)[num_modes - num_generated :]
    matched_in_order = ops.cast(matched_in_order, "int32")
    # matched_in_order[i] belongs to generated sample order[i].
    return ops.take(matched_in_order, ops.argsort(order))


def matched_distances(generated, modes, assignment, epsilon=1e-12):
    """Distances `|x_r - x_g|` of the matched pairs (Eq. 2's summand).

    Differentiable with respect to `generated` (and `modes`).

    Args:
        generated: tensor `(M, d)`.
        modes: tensor `(N, d)`.
        assignment: int tensor `(M,)` from `greedy_mode_matching`.
        epsilon: added under the square root so its gradient stays finite.

    Returns:
        Tensor `(M,)`.
    """
    generated = ops.convert_to_tensor(generated)
    modes = ops.convert_to_tensor(modes, generated.dtype)
    paired = ops.take(modes, ops.convert_to_tensor(assignment, "int32"), axis=0)
    return ops.sqrt(ops.sum(ops.square(generated - paired), axis=-1) + epsilon)


def mode_distance(generated, modes, assignment, weights):
    """Eq. 2: `Dist(X_r, X_g) = E[w_p |x_r - x_g|]` over the matched pairs.

    Args:
        generated: tensor `(M, d)`, differentiable.
        modes: tensor `(N, d)`.
        assignment: int tensor `(M,)` from `greedy_mode_matching`.
        weights: tensor `(N,)`, the penalty weight w_p of each mode.

    Returns:
        Scalar tensor.
    """
    distances = matched_distances(generated, modes, assignment)
    weights = ops.convert_to_tensor(weights, distances.dtype)
    assignment = ops.convert_to_tensor(assignment, "int32")
    return ops.mean(ops.take(weights, assignment) * distances)


def distances_per_mode(distances, assignment, num_modes):
    """Scatters the matched distances onto the modes: `(M,) -> (N,)`.

    Modes left unmatched (only when `M < N`) get 0.
    """
    distances = ops.convert_to_tensor(distances)
    assignment = ops.convert_to_tensor(assignment, "int32")
    one_hot = ops.one_hot(assignment, num_modes, dtype=distances.dtype)
    return ops.sum(one_hot * ops.expand_dims(distances, -1), axis=0)


def penalty_weights(history, current, step, k):
    """Eq. 3: each mode's mean matched distance over the past `k` steps.

    The window is a ring buffer `history` of shape `(k, N)` whose row
    `t % k` holds step `t`'s distances; `current` (this step's distances,
    shape `(N,)`) replaces the oldest row. Before `k` steps have been seen
    the mean is over the steps seen so far.

    Args:
        history: tensor `(k, N)`, the distances of the previous steps.
        current: tensor `(N,)`, this step's distances per mode.
        step: int scalar tensor, the number of previous steps.
        k: positive int, the window length.

    Returns:
        `(weights, new_history)`: weights `(N,)` (no gradient) and the
        ring buffer with `current` written in.
    """
    history = ops.convert_to_tensor(history)
    current = ops.convert_to_tensor(current, history.dtype)
    step = ops.convert_to_tensor(step, "int32")
    slot = ops.mod(step, k)
    rows = ops.expand_dims(ops.arange(k, dtype="int32") == ops.cast(slot, "int32"), -1)
    new_history = ops.where(rows, ops.expand_dims(current, 0), history)
    count = ops.cast(ops.minimum(step + 1, k), history.dtype)
    weights = ops.sum(new_history, axis=0) / count
    return ops.stop_gradient(weights), ops.stop_gradient(new_history)


def mode_coverage_fraction(generated, modes, radius):
    """Fraction of modes with a generated sample within `radius`.

    Args:
        generated: tensor `(M, d)`.
        modes: tensor `(N, d)`.
        radius: scalar (tensor), the coverage radius.

    Returns:
        Scalar tensor in [0, 1].
    """
    generated = ops.stop_gradient(ops.convert_to_tensor(generated))
    modes = ops.convert_to_tensor(modes, generated.dtype)
    sq = pairwise_squared_distances(generated, modes)
    covered = ops.min(sq, axis=0) <= ops.square(radius)
    return ops.mean(ops.cast(covered, generated.dtype))


# ----------------------------------------------------------------------
# Target-mode extraction (once, eagerly, NumPy).


def sample_modes(codes, num_modes, seed=None):
    """`num_modes` encoded real samples drawn without replacement."""
    codes = np.asarray(codes, dtype="float64")
    if num_modes > len(codes):
        raise ValueError(
            f"`num_modes`={num_modes} exceeds the number of real samples "
            f"({len(codes)})."
        )
    rng = np.random.default_rng(seed)
    return codes[rng.choice(len(codes), num_modes, replace=False)]


def kmeans_modes(codes, num_modes, iterations=20, seed=None, chunk=4096):
    """Lloyd's k-means centroids of the encoded real samples.

    Initialised at `sample_modes(codes, num_modes, seed)` (so heavier
    mixture components get more modes); an empty cluster keeps its
    previous centroid.

    Args:
        codes: array `(num_samples, d)`.
        num_modes: positive int, the number of centroids.
        iterations: positive int, Lloyd iterations.
        seed: int or None.
        chunk: rows per distance block (bounds memory).

    Returns:
        float64 array `(num_modes, d)`.
    """
    codes = np.asarray(codes, dtype="float64")
    centers = sample_modes(codes, num_modes, seed)
    sq_codes = np.sum(codes**2, axis=1, keepdims=True)
    for _ in range(iterations):
        labels = np.empty(len(codes), dtype="int64")
        for i in range(0, len(codes), chunk):
            # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, one matrix product a chunk.
            d2 = sq_codes[i : i + chunk] - 2.0 * codes[i : i + chunk] @ centers.T
            labels[i : i + chunk] = np.argmin(d2 + np.sum(centers**2, axis=1), 1)
        sums = np.zeros_like(centers)
        np.add.at(sums, labels, codes)
        counts = np.bincount(labels, minlength=num_modes)[:, None]
        centers = np.where(counts > 0, sums / np.maximum(counts, 1), centers)
    return centers


def extract_modes(codes, num_modes, method="kmeans", seed=None):
    """The `num_modes` target modes of encoded real data.

    Args:
        codes: array `(num_samples, d)`.
        num_modes: positive int.
        method: `"kmeans"` (centroids, `kmeans_modes`) or `"sample"`
            (encoded real samples, `sample_modes`).
        seed: int or None.

    Returns:
        float64 array `(num_modes, d)`.
    """
    if method == "kmeans":
        return kmeans_modes(codes, num_modes, seed=seed)
    if method == "sample":
        return sample_modes(codes, num_modes, seed=seed)
    raise ValueError(
        f"`mode_extraction` must be one of {MODE_EXTRACTIONS}. "
        f"Received: mode_extraction={method!r}"
    )


def calibrated_radius(modes, reference, quantile=0.99):
    """The radius within which `reference` real codes cover a `quantile` of
    the modes: the `quantile` of each mode's distance to its nearest
    reference code. With a reference set of as many real samples as the
    generator contributes per step, a generator matching the data covers
    about `quantile` of the modes at this radius."""
    modes = np.asarray(modes, dtype="float64")
    reference = np.asarray(reference, dtype="float64")
    sq = ((modes[:, None, :] - reference[None]) ** 2).sum(-1)
    return float(np.quantile(np.sqrt(sq.min(axis=1)), quantile))
