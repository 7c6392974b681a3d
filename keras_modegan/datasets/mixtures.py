"""Gaussian mixtures with known modes: the synthetic mode-collapse benchmarks.

Every mixture is an equal-covariance (isotropic) Gaussian mixture described
by a `MixtureSpec`: the centres, the per-coordinate standard deviation, the
mixture weights, and the evaluation protocol of the paper it comes from
(how many generated samples are scored, how far from a centre a sample may
fall to count as "high quality", and how many samples a mode needs to count
as covered). Data are returned in their own units, never rescaled.

Named mixtures (`MIXTURES`) and the paper table each one reproduces:

- `ring8`: 8 modes on a circle of radius 2 (angles 2*pi*k/8), std 0.02;
  50K train / 2,500 eval samples, a mode counts with >= 1 sample within
  3 std. VEEGAN Table 1 (2D Ring), whose rows MD-GAN Table 2 copies.
- `ring8_mdgan`: the same ring with std 0.05, MD-GAN Table 2 (its own runs).
- `grid25`: centres {-4,-2,0,2,4}^2, std 0.05; 50K / 2,500, >= 1 sample
  within 3 std. MD-GAN Table 1; VEEGAN / PacGAN 2D Grid.
- `grid25_gaan`: the same grid; 50K / 2,000, a mode counts with >= 20
  samples within 0.1*sqrt(2). GAAN Table 2; Dist-GAN supplementary Table 2.
- `random25`: 25 centres of random location and weight (fixed seed), std
  0.05; 50K / 2,500, 3-std rule. The mode-penalty GAN's 2D Random.
- `cube27`: centres {-2,0,2}^3, std 0.05; 50K / 2,500, 3-std rule. The
  mode-penalty GAN's 3D Cube.
- `circle6`: 6 modes on a circle of radius 5, std 0.1; 50K / 2,500, 3-std
  rule. Reg-GAN appendix (a qualitative figure).
- `ring8_mp`, `grid25_mp`, `random25_mp`, `cube27_mp`: as above with
  20K train / 5,000 eval samples. Mode-penalty GAN (seed 000) Table 1.

Choices the papers leave open (documented, fixed here): the mode-penalty
paper (seed 000) gives neither the spacing nor the std of its 2D Random and
3D Cube mixtures; `random25` draws 25 centres uniformly in [-4, 4]^2 with a
minimum pairwise distance of 1.0 (20 std, so modes never overlap) and
weights uniform in [1, 3] then normalized, all from the fixed seed 2017;
`cube27` uses the grid's spacing 2 and std 0.05 in 3-D. The GAAN authors'
evaluation code (tntrung/gan, `evaluate_toydata`) registers a sample to a
mode when it lies within 0.1 / (m sqrt(2)) in data normalized to [0, 1]
by `(x / m + 1) / 2` (m the largest |coordinate|), i.e. within
0.1*sqrt(2) ~ 0.141 in data units; the paper's text says "variance 0.01".
We use the code's radius.
"""

import dataclasses

import numpy as np

RANDOM25_SEED = 2017


@dataclasses.dataclass(frozen=True, eq=False)
class MixtureSpec:
    """An isotropic Gaussian mixture and its evaluation protocol.

    Args:
        name: the registry name (e.g. `"grid25"`).
        centers: float array `(K, D)`, the mode centres.
        std: float, the per-coordinate standard deviation of every mode.
        weights: float array `(K,)` summing to 1, the mixture weights.
        num_train: default number of training points `load_mixture` draws.
        num_eval_samples: number of generated samples the protocol scores.
        min_count: a mode is covered once at least this many generated
            samples are registered to it (1 in VEEGAN / MD-GAN, 20 in GAAN).
        radius: a sample is registered ("high quality") when its Euclidean
            distance to the nearest centre is at most `radius`; by default
            `3 * std`.
        reference: the paper table the protocol reproduces.

    Example:

    ```python
    x, spec = load_mixture("grid25")
    spec.centers.shape  # (25, 2)
    ```
    """

    name: str
    centers: np.ndarray
    std: float
    weights: np.ndarray
    num_train: int = 50_000
    num_eval_samples: int = 2_500
    min_count: int = 1
    radius: float = None
    reference: str = ""

    def __post_init__(self):
        centers = np.asarray(self.centers, dtype="float64")
        if centers.ndim != 2 or len(centers) == 0:
            raise ValueError(
                "`centers` must be a non-empty (K, D) array. "
                f"Received shape: {centers.shape}"
            )
        weights = np.asarray(self.weights, dtype="float64")
        if weights.shape != (len(centers),) or np.any(weights < 0):
            raise ValueError(
                "`weights` must be K non-negative numbers, one per centre. "
                f"Received: {weights!r}"
            )
        if not self.std > 0:
            raise ValueError(f"`std` must be > 0. Received: std={self.std}")
        for field in ("num_train", "num_eval_samples", "min_count"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"`{field}` must be a positive integer.")
            if value <= 0:
                raise ValueError(
                    f"`{field}` must be a positive integer. Received: {value}"
                )
        radius = 3.0 * float(self.std) if self.radius is None else self.radius
        if not radius > 0:
            raise ValueError(f"`radius` must be > 0. Received: radius={radius}")
        centers.setflags(write=False)
        weights = weights / weights.sum()
        weights.setflags(write=False)
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "std", float(self.std))
        object.__setattr__(self, "radius", float(radius))

    @property
    def num_modes(self):
        """K, the number of modes."""
        return len(self.centers)

    @property
    def dim(self):
        """D, the dimension of a sample."""
        return self.centers.shape[1]

    def sample(self, num_samples, seed=0):
        """Draws `num_samples` points; returns `(x, labels)`, `x` float32."""
        if isinstance(num_samples, bool) or not isinstance(
            num_samples, (int, np.integer)
        ) or num_samples <= 0:
            raise ValueError(
                "`num_samples` must be a positive integer. "
                f"Received: num_samples={num_samples!r}"
            )
        rng = np.random.default_rng(seed)
        labels = rng.choice(self.num_modes, size=int(num_samples), p=self.weights)
        noise = rng.standard_normal((int(num_samples), self.dim))
        x = self.centers[labels] + self.std * noise
        return x.astype("float32"), labels

    def replace(self, **changes):
        """A copy with some fields changed (e.g. `spec.replace(min_count=20)`)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self):
        return (
            f"MixtureSpec(name={self.name!r}, modes={self.num_modes}, "
            f"dim={self.dim}, std={self.std}, radius={self.radius:.4g}, "
            f"num_eval_samples={self.num_eval_samples}, "
            f"min_count={self.min_count})"
        )


def _ring(num_modes, radius):
    # Angles 2*pi*k/K, k = 0..K-1 (endpoint excluded: K distinct modes).
    angles = np.linspace(0.0, 2.0 * np.pi, num_modes, endpoint=False)
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _lattice(values, dim):
    axes = np.meshgrid(*([np.asarray(values, dtype="float64")] * dim), indexing="ij")
    return np.stack([a.ravel() for a in axes], axis=1)


def _random25():
    rng = np.random.default_rng(RANDOM25_SEED)
    centers = []
    while len(centers) < 25:
        c = rng.uniform(-4.0, 4.0, size=2)
        if all(np.linalg.norm(c - o) >= 1.0 for o in centers):
            centers.append(c)
    weights = rng.uniform(1.0, 3.0, size=25)
    return np.array(centers), weights


def _equal(k):
    return np.full(k, 1.0 / k)


def _build(name):
    grid = _lattice([-4, -2, 0, 2, 4], 2)
    cube = _lattice([-2, 0, 2], 3)
    r25_centers, r25_weights = _random25()
    base = {
        "ring8": dict(
            centers=_ring(8, 2.0),
            std=0.02,
            weights=_equal(8),
            reference="VEEGAN Table 1 (2D Ring); MD-GAN Table 2 rows from [29]",
        ),
        "ring8_mdgan": dict(
            centers=_ring(8, 2.0),
            std=0.05,
            weights=_equal(8),
            reference="MD-GAN (Eghbal-zadeh et al. 2019) Table 2",
        ),
        "grid25": dict(
            centers=grid,
            std=0.05,
            weights=_equal(25),
            reference="MD-GAN Table 1; VEEGAN / PacGAN 2D Grid",
        ),
        "grid25_gaan": dict(
            centers=grid,
            std=0.05,
            weights=_equal(25),
            num_eval_samples=2_000,
            min_count=20,
            radius=0.1 * np.sqrt(2.0),
            reference="GAAN Table 2; Dist-GAN supplementary Table 2",
        ),
        "random25": dict(
            centers=r25_centers,
            std=0.05,
            weights=r25_weights,
            reference="2D Random of the mode-penalty GAN (geometry ours)",
        ),
        "cube27": dict(
            centers=cube,
            std=0.05,
            weights=_equal(27),
            reference="3D Cube of the mode-penalty GAN (spacing ours)",
        ),
        "circle6": dict(
            centers=_ring(6, 5.0),
            std=0.1,
            weights=_equal(6),
            reference="Reg-GAN (Che et al. 2017) appendix, qualitative",
        ),
    }
    if name in base:
        return MixtureSpec(name=name, **base[name])
    if name.endswith("_mp") and name[:-3] in ("ring8", "grid25", "random25", "cube27"):
        options = dict(base[name[:-3]])
        options["reference"] = "Mode-penalty GAN (seed 000) Table 1"
        return MixtureSpec(
            name=name, num_train=20_000, num_eval_samples=5_000, **options
        )
    raise KeyError(name)


MIXTURES = (
    "ring8",
    "grid25",
    "random25",
    "cube27",
    "circle6",
    "ring8_mdgan",
    "grid25_gaan",
    "ring8_mp",
    "grid25_mp",
    "random25_mp",
    "cube27_mp",
)


def get_spec(name):
    """The `MixtureSpec` of a named mixture (see `MIXTURES`).

    Args:
        name: a name in `MIXTURES`, or a `MixtureSpec` (returned as is).

    Returns:
        A `MixtureSpec`.
    """
    if isinstance(name, MixtureSpec):
        return name
    if name not in MIXTURES:
        raise ValueError(
            f"Unknown mixture {name!r}. `name` must be one of {list(MIXTURES)}."
        )
    return _build(name)


def load_mixture(name, num_samples=None, seed=0):
    """Training points of a named Gaussian mixture, with its spec.

    Args:
        name: a name in `MIXTURES` (e.g. `"ring8"`, `"grid25"`,
            `"grid25_gaan"`, `"cube27_mp"`) or a `MixtureSpec`.
        num_samples: number of points; default `spec.num_train`.
        seed: int, seed of the draw.

    Returns:
        `(x, spec)`: `x` a float32 array `(num_samples, D)` in the data's own
        units, `spec` the `MixtureSpec` (centres, std, weights, protocol).

    Example:

    ```python
    x, spec = load_mixture("ring8")
    x.shape, spec.num_modes  # (50000, 2), 8
    ```
    """
    spec = get_spec(name)
    num_samples = spec.num_train if num_samples is None else num_samples
    x, _ = spec.sample(num_samples, seed=seed)
    return x, spec


def as_dataset(x, batch_size, seed=0, drop_remainder=True):
    """A shuffled, batched, prefetched `tf.data.Dataset` over `x`.

    Each pass over the dataset is one epoch; the order is reshuffled every
    epoch (deterministically from `seed`). Works as `fit` input under every
    Keras backend. Call `.repeat()` on it for an endless stream.

    Args:
        x: array `(N, ...)`.
        batch_size: positive int.
        seed: int, shuffle seed.
        drop_remainder: drop the last partial batch (default, so every step
            sees `batch_size` samples and JAX traces the step once).

    Returns:
        A `tf.data.Dataset` of float32 batches.
    """
    if isinstance(batch_size, bool) or not isinstance(
        batch_size, (int, np.integer)
    ) or batch_size <= 0:
        raise ValueError(
            "`batch_size` must be a positive integer. "
            f"Received: batch_size={batch_size!r}"
        )
    x = np.asarray(x, dtype="float32")
    if drop_remainder and len(x) < batch_size:
        raise ValueError(
            f"`batch_size`={batch_size} is larger than the {len(x)} samples "
            "of `x`; every batch would be dropped."
        )
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(x)
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(int(batch_size), drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
