"""Train-and-score runs on the mixture benchmarks, and their tables.

`train_and_score` runs one (method, data, seed) experiment with an exact
budget of optimizer steps; `run_experiments` runs many of them, on several
CPU cores at once if asked; `format_table` averages rows over seeds.

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

import json
import math
import multiprocessing
import os
import time
from concurrent import futures

import numpy as np

from keras_modegan.datasets import get_spec, load_mixture
from keras_modegan.metrics import mode_counts, mode_coverage
from keras_modegan.utils.validation import (
    check_fits_in_memory,
    positive_int,
    seed_int,
)

TABLE_COLUMNS = ("modes", "hq", "registered", "jsd", "kl", "tv", "seconds")
# A lower bound of the memory one result row holds (its metrics, counts and
# history), to refuse a request for more runs than memory can hold.
ROW_BYTES = 1024


def train_and_score(
    build_fn,
    data="grid25",
    steps=2000,
    batch_size=256,
    seed=0,
    fit_kwargs=None,
    coverage_every=None,
):
    """Trains a freshly built model for exactly `steps` steps and scores it.

    Seeds Keras, NumPy and Python (`keras.utils.set_random_seed(seed)`),
    draws the mixture's training set with `seed`, builds the model with
    `build_fn(data_dim, seed)`, fits it for `steps` optimizer steps on
    `training_stream` (split into `epochs` epochs if `fit_kwargs` has
    `epochs`; NumPy, since under JAX it feeds `fit` about 30% faster than
    a `tf.data` pipeline on a 2-core CPU), then scores
    `spec.num_eval_samples` samples generated with the fixed seed `seed`
    using `mode_coverage`.

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
        coverage_every: None, or a positive int: a `ModeCoverage` callback
            on the run's own mixture (its `num_eval_samples`, seed `seed`)
            scores the generator every this many epochs, so `history` holds
            the learning curves `modes`, `hq`, `jsd`, `kl`, `tv` per epoch.

    Returns:
        Dict: the `mode_coverage` metrics plus `seconds` (wall time of
        `fit`), `build_seconds` (wall time of `build_fn`, e.g. a
        pre-training phase), `steps`, `seed`, `data` (the mixture name),
        `counts` (list of int, the scored samples registered per mode, from
        `mode_counts`; e.g. for a stricter `min_count`) and `history` (the
        `History.history` dict).
    """
    import keras

    steps = positive_int(steps, "steps")
    batch_size = positive_int(batch_size, "batch_size")
    seed = seed_int(seed, "seed")
    fit_kwargs = dict(fit_kwargs or {})
    for key in ("x", "y", "batch_size", "steps_per_epoch"):
        if key in fit_kwargs:
            raise ValueError(
                f"`fit_kwargs` must not set {key!r}: train_and_score "
                "controls the data and the step budget."
            )
    epochs = positive_int(fit_kwargs.pop("epochs", 1), "epochs")
    if steps % epochs:
        raise ValueError(
            f"`steps`={steps} must be divisible by `epochs`={epochs}."
        )
    fit_kwargs.setdefault("verbose", 0)

    keras.utils.set_random_seed(seed)
    spec = get_spec(data)
    x, spec = load_mixture(spec, seed=seed)
    if coverage_every is not None:
        from keras_modegan.callbacks import ModeCoverage

        fit_kwargs["callbacks"] = list(fit_kwargs.get("callbacks") or []) + [
            ModeCoverage(
                spec,
                every_n_epochs=positive_int(coverage_every, "coverage_every"),
                num_samples=spec.num_eval_samples,
                seed=seed,
            )
        ]
    start = time.perf_counter()
    model = build_fn(spec.dim, seed)
    build_seconds = time.perf_counter() - start
    stream = training_stream(x, steps * batch_size, seed=seed)
    start = time.perf_counter()
    history = model.fit(
        stream,
        batch_size=batch_size,
        epochs=epochs,
        steps_per_epoch=steps // epochs,
        shuffle=False,  # `training_stream` is shuffled; `fit` keeps going
        **fit_kwargs,  # through it across epochs (`steps_per_epoch` set).
    )
    seconds = time.perf_counter() - start
    samples = model.generate(spec.num_eval_samples, seed=seed)
    result = mode_coverage(samples, spec)
    result.update(
        seconds=seconds,
        build_seconds=build_seconds,
        steps=steps,
        seed=seed,
        data=spec.name,
        counts=mode_counts(samples, spec).tolist(),
        history=dict(history.history),
    )
    return result


def training_stream(x, num_samples, seed=0):
    """`num_samples` rows of `x` in epochs of fresh random permutations.

    Every sample appears once per pass over `x`, as with a reshuffling
    `tf.data` pipeline, but as one NumPy array that `fit` slices into
    batches (with `shuffle=False` and a `steps_per_epoch`).

    Args:
        x: array `(N, ...)`.
        num_samples: positive int, rows to return.
        seed: int, seed of the permutations.

    Returns:
        float32 array `(num_samples, ...)`.
    """
    x = np.asarray(x, dtype="float32")
    num_samples = positive_int(num_samples, "num_samples")
    rng = np.random.default_rng(seed)
    passes = -(-num_samples // len(x))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(passes)])
    return x[order[:num_samples]]


def _pin_to_free_core(cores):
    # One core per worker process: two single-core runs give ~1.4x the
    # throughput of one run that spreads small ops over both cores.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cores.get()})


def _run_job(job):
    method, kwargs = job
    return dict(train_and_score(**kwargs), method=method)


def run_experiments(runs, seeds, workers=1, on_result=None, **kwargs):
    """Runs `train_and_score` for every run and seed, on several cores if
    asked.

    Args:
        runs: list of `(method, build_fn, data)` triples: a label for the
            table's `method` column, the `train_and_score` builder and the
            mixture. With `workers > 1`, `build_fn` must be picklable: a
            module-level function or a `functools.partial` of one, not a
            closure.
        seeds: iterable of int seeds; every run is repeated for each.
        workers: positive int, processes run at once, each pinned to its
            own CPU core (at most the number of cores). 1 runs everything
            in this process.
        on_result: optional callable called with each row as it completes
            (e.g. to print progress).
        **kwargs: the other `train_and_score` arguments, common to all
            runs (`steps`, `batch_size`, `fit_kwargs`).

    Returns:
        The rows (`train_and_score` results plus `method`), run by run and
        seed by seed.

    Example:

    ```python
    runs = [("wgan_gp", functools.partial(build, method="wgan_gp"), "ring8")]
    rows = run_experiments(runs, range(5), workers=2, steps=2000)
    print(format_table(rows))
    ```
    """
    workers = positive_int(workers, "workers")
    runs = list(runs)
    if hasattr(seeds, "__len__"):  # before a huge range is walked
        check_fits_in_memory(
            len(seeds) * len(runs) * ROW_BYTES,
            f"{len(seeds)} seeds x {len(runs)} runs",
        )
    seeds = [seed_int(seed, "seeds") for seed in seeds]
    jobs = [
        (method, dict(kwargs, build_fn=build_fn, data=data, seed=seed))
        for method, build_fn, data in runs
        for seed in seeds
    ]
    return map_on_cores(_run_job, jobs, workers=workers, on_result=on_result)


def map_on_cores(fn, jobs, workers=1, on_result=None):
    """`[fn(job) for job in jobs]`, on several processes if asked.

    Args:
        fn: picklable callable (a module-level function) of one job.
        jobs: list of picklable arguments.
        workers: positive int, processes run at once, each pinned to its
            own CPU core (at most the number of cores). 1 runs everything
            in this process.
        on_result: optional callable called with each result as it comes.

    Returns:
        The results, in the order of `jobs`.
    """
    workers = positive_int(workers, "workers")
    jobs = list(jobs)
    if workers == 1:
        rows = []
        for job in jobs:
            rows.append(fn(job))
            if on_result:
                on_result(rows[-1])
        return rows
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    workers = min(workers, len(cores) or workers, len(jobs))
    context = multiprocessing.get_context("spawn")  # fork is unsafe with JAX
    queue = context.Queue()
    for core in cores[:workers]:
        queue.put(core)
    rows = [None] * len(jobs)
    with futures.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_pin_to_free_core if cores else None,
        initargs=(queue,) if cores else (),
    ) as pool:
        pending = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        for done in futures.as_completed(pending):
            rows[pending[done]] = done.result()
            if on_result:
                on_result(rows[pending[done]])
    return rows


def load_runs(path):
    """The rows of a runs file (`append_run`), none if it is absent.

    A last line cut short by a kill is dropped.
    """
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return rows


def append_run(path, row):
    """Appends `row` to the runs file `path` (JSON lines) and syncs it to
    disk, so a finished run survives a kill of the benchmark."""
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")
        f.flush()
        os.fsync(f.fileno())


def run_resumable(fn, jobs, runs_path, key, on_row, workers=1, resume=False):
    """`map_on_cores(fn, jobs)` that keeps what it measured.

    Each finished row is appended to the runs file `runs_path`
    (`append_run`) and passed to `on_row(row, rows)` with every row so far
    (e.g. to print it and rewrite a table). With `resume`, the jobs whose
    `key` the runs file already holds are not run again and their rows are
    kept; without it the file starts empty.

    Args:
        fn: picklable callable of one job, returning a row (a dict).
        jobs: list of jobs, in the order they are run.
        runs_path: path of the JSON-lines runs file.
        key: callable giving the same hashable key for a job and its row.
        on_row: callable `(row, rows)`, called in this process.
        workers: processes at once (`map_on_cores`).
        resume: keep the finished rows of `runs_path`.

    Returns:
        Every row: the kept ones, then the new ones as they finished.
    """
    from keras_modegan.utils.atomic_write import write_text

    wanted = {key(job) for job in jobs}
    rows = [r for r in (load_runs(runs_path) if resume else []) if key(r) in wanted]
    write_text(runs_path, "".join(json.dumps(r) + "\n" for r in rows))
    finished = {key(r) for r in rows}

    def progress(row):
        rows.append(row)
        append_run(runs_path, row)
        on_row(row, rows)

    todo = [job for job in jobs if key(job) not in finished]
    map_on_cores(fn, todo, workers, on_result=progress)
    return rows


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
