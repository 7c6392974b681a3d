"""Train-and-score runs on the mixture benchmarks, and their tables.

`train_and_score` runs one (method, data, seed) experiment with an exact
budget of optimizer steps; `format_table` averages rows over seeds.

Example:

```python
from keras_modegan.benchmark import format_table, train_and_score
from keras_modegan.models import WGANGP

def build(data_dim, seed):
    model = WGANGP.from_mlp(data_dim, seed=seed)
    model.compile()
    return model

rows = [
    dict(train_and_score(build, "ring8", steps=2000, seed=s), method="wgan_gp")
    for s in range(3)
]
print(format_table(rows))
```
"""

import math
import time

import numpy as np

from keras_modegan.datasets import as_dataset, get_spec, load_mixture
from keras_modegan.metrics import mode_coverage

TABLE_COLUMNS = ("modes", "hq", "registered", "jsd", "kl", "tv", "seconds")


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"`{name}` must be a positive integer. Received: {value!r}")
    if value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {value}")
    return int(value)


def train_and_score(
    build_fn, data="grid25", steps=2000, batch_size=256, seed=0, fit_kwargs=None
):
    """Trains a freshly built model for exactly `steps` steps and scores it.

    Seeds Keras, NumPy and Python (`keras.utils.set_random_seed(seed)`),
    draws the mixture's training set with `seed`, builds the model with
    `build_fn(data_dim, seed)`, fits it on a repeating `as_dataset` stream
    for `steps` optimizer steps (split into `epochs` epochs if `fit_kwargs`
    has `epochs`), then scores `spec.num_eval_samples` samples generated
    with the fixed seed `seed` using `mode_coverage`.

    Args:
        build_fn: callable `(data_dim, seed) -> compiled model` with a
            `generate(num_samples, seed=...)` method (every zoo method).
        data: a mixture name (see `keras_modegan.datasets.MIXTURES`) or a
            `MixtureSpec`.
        steps: positive int, number of training steps (one `train_step`
            call each).
        batch_size: positive int.
        seed: int.
        fit_kwargs: optional dict of extra `fit` arguments (e.g.
            `callbacks`, `epochs`, `verbose`); `steps` must be divisible by
            `epochs`. Defaults to `verbose=0`.

    Returns:
        Dict: the `mode_coverage` metrics plus `seconds` (wall time of
        `fit`), `steps`, `seed`, `data` (the mixture name) and `history`
        (the `History.history` dict).
    """
    import keras

    steps = _positive_int(steps, "steps")
    batch_size = _positive_int(batch_size, "batch_size")
    fit_kwargs = dict(fit_kwargs or {})
    for key in ("x", "y", "batch_size", "steps_per_epoch"):
        if key in fit_kwargs:
            raise ValueError(
                f"`fit_kwargs` must not set {key!r}: train_and_score "
                "controls the data and the step budget."
            )
    epochs = _positive_int(fit_kwargs.pop("epochs", 1), "epochs")
    if steps % epochs:
        raise ValueError(
            f"`steps`={steps} must be divisible by `epochs`={epochs}."
        )
    fit_kwargs.setdefault("verbose", 0)
    fit_kwargs.setdefault("shuffle", False)  # `as_dataset` shuffles.

    keras.utils.set_random_seed(seed)
    spec = get_spec(data)
    x, spec = load_mixture(spec, seed=seed)
    model = build_fn(spec.dim, seed)
    dataset = as_dataset(x, batch_size, seed=seed).repeat()
    start = time.perf_counter()
    history = model.fit(
        dataset, epochs=epochs, steps_per_epoch=steps // epochs, **fit_kwargs
    )
    seconds = time.perf_counter() - start
    samples = model.generate(spec.num_eval_samples, seed=seed)
    result = mode_coverage(samples, spec)
    result.update(
        seconds=seconds,
        steps=steps,
        seed=seed,
        data=spec.name,
        history=dict(history.history),
    )
    return result


def _fmt(values, column):
    values = np.asarray(values, dtype="float64")
    mean = float(np.mean(values))
    std = float(np.std(values)) if len(values) > 1 else 0.0
    if column in ("modes", "registered"):
        return f"{mean:.1f} ± {std:.1f}"
    if column == "seconds":
        return f"{mean:.1f} ± {std:.1f}"
    if column == "hq":
        return f"{100 * mean:.1f}% ± {100 * std:.1f}"
    if not math.isfinite(mean):
        return "inf"
    return f"{mean:.3f} ± {std:.3f}"


def format_table(rows, group_by=("method", "data"), columns=None):
    """A markdown table of mean ± std over the rows of each group.

    Args:
        rows: iterable of dicts (e.g. `train_and_score` results with a
            `method` key added).
        group_by: keys whose values identify a group (a table line); groups
            keep the order in which they first appear.
        columns: metric keys to average; default those of `TABLE_COLUMNS`
            present in the rows.

    Returns:
        The table as a string (one header, one separator, one line per
        group; the `n` column is the number of rows averaged, e.g. seeds).
        `hq` is shown in percent; std is the population std (0 for n = 1).
    """
    rows = list(rows)
    if not rows:
        raise ValueError("`rows` must not be empty.")
    group_by = tuple(group_by)
    for row in rows:
        missing = [k for k in group_by if k not in row]
        if missing:
            raise ValueError(f"Row {row!r} has no key(s) {missing} of `group_by`.")
    if columns is None:
        columns = [c for c in TABLE_COLUMNS if any(c in r for r in rows)]
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in group_by), []).append(row)
    header = list(group_by) + ["n"] + list(columns)
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    for key, members in groups.items():
        cells = [str(k) for k in key] + [str(len(members))]
        for column in columns:
            values = [m[column] for m in members if column in m]
            cells.append(_fmt(values, column) if values else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
