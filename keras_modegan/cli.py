"""The `keras-modegan` command line.

```
keras-modegan list
keras-modegan train METHOD --data NAME [--budget cpu|paper] [--steps N]
                    [--epochs N] [--steps-per-epoch K] [--batch-size B]
                    [--lr LR] [--seed S] [--backend jax] [--out DIR]
                    [--jit-compile on]
keras-modegan evaluate MODEL --data NAME [--seed S] [--plot PNG]
keras-modegan benchmark METHOD [METHOD ...] --data NAME [NAME ...]
                    [--seeds 5] [--steps N] [--batch-size B] [--out FILE]
                    [--jit-compile on]
```

The console script is `keras_modegan_cli.main`: it sets `KERAS_BACKEND`
from `--backend` and parses the arguments before Keras is imported, then
runs `main` here, in the same process (`--help` and bad flags answer
without loading Keras). Called from Python with Keras already loaded,
`--backend` must name the loaded backend.
Bad arguments end with a one-line error on stderr and exit code 2; Ctrl-C
ends with one line and exit code 130 (a run's files stay whole and its
`run.json` says "incomplete"; `train --resume` continues it).
"""

import argparse
import json
import math
import os
import sys
import time
import zipfile

from keras_modegan.recipes import BUDGETS, DEFAULT_BUDGET
from keras_modegan.utils.validation import (
    SEED_LIMIT,
    check_fits_in_memory,
    positive_arg,
    seed_arg,
)

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_EPOCHS = 20
DEFAULT_STEPS_PER_EPOCH = 100
DEFAULT_BATCH_SIZE = 256
# --jit-compile choices -> `Model.compile(jit_compile=...)`.
JIT_COMPILE = {"auto": "auto", "on": True, "off": False}


class _Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose errors are one line on stderr, exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} -h`)\n")


class UsageError(Exception):
    """A bad argument found after parsing; reported like a parser error."""


def metrics_json(row):
    """`row` as strict JSON text (RFC 8259, which has no NaN or Infinity).

    A non-finite float becomes `null`: `mode_coverage` gives `kl = inf` when
    no generated sample registers to any mode, and Python's default
    `Infinity` would break `jq`, JavaScript and other strict readers.

    Args:
        row: dict of JSON-serializable values.

    Returns:
        str, indented JSON.
    """

    def finite(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(item) for item in value]
        return value

    return json.dumps(finite(row), indent=2, allow_nan=False)


def build_parser():
    parser = _Parser(
        prog="keras-modegan",
        description="Train and score mode-collapse-resistant GANs on "
        "Gaussian-mixture benchmarks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(p):
        p.add_argument(
            "--backend", choices=BACKENDS, default=None,
            help="Keras backend (sets KERAS_BACKEND; default: the environment's)",
        )

    def jit(p):
        p.add_argument(
            "--jit-compile", choices=tuple(JIT_COMPILE), default="auto",
            help="compile(jit_compile=...): 'auto' is Keras' choice, which "
            "turns XLA off under TensorFlow on a machine without a GPU; 'on' "
            "forces XLA (TensorFlow, JAX) or torch.compile (PyTorch); 'off' "
            "runs the step uncompiled (default auto)",
        )

    common(sub.add_parser("list", help="list methods and datasets"))

    p = sub.add_parser(
        "train", help="train one method on one mixture",
        description="Train one method on one mixture and write model.keras, "
        "history.csv, samples.png, coverage.png and metrics.json (strict "
        "JSON: an infinite kl is written as null) to --out.",
    )
    p.add_argument("method", metavar="METHOD", help="a method name (see `list`)")
    p.add_argument("--data", default="ring8",
                   help="mixture name, or stacked_mnist (Unrolled GAN protocol) / "
                   "stacked_mnist_veegan (VEEGAN protocol) (default ring8)")
    p.add_argument(
        "--architecture", choices=("quarter", "half", "big", "dcgan"),
        default="quarter",
        help="image nets of from_dcgan for Stacked MNIST: quarter (D = G/4) "
        "or half (D = G/2), Unrolled GAN's; big, VEEGAN's DCGAN (default "
        "quarter)",
    )
    p.add_argument("--data-dir", default=None,
                   help="Stacked MNIST: mnist.npz or its directory (default "
                   "$KERAS_MODEGAN_DATA_DIR, else tensorflow-datasets)")
    p.add_argument("--num-samples", type=positive_arg(int), default=None,
                   help="Stacked MNIST: generated samples scored (default the "
                   "protocol's, 25,600 or 26,000)")
    p.add_argument(
        "--distribution", choices=("none", "data-parallel"), default="none",
        help="'data-parallel' splits every batch over all local devices "
        "(JAX: keras.distribution.DataParallel; TensorFlow: "
        "tf.distribute.MirroredStrategy; not under PyTorch); --batch-size "
        "is the global batch (default none: one device)",
    )
    p.add_argument(
        "--budget", choices=BUDGETS, default=DEFAULT_BUDGET,
        help="which measured recipe (keras_modegan.recipes) trains when no "
        "--steps/--epochs is given: 'cpu' (what fits a CPU) or 'paper' (the "
        "paper's budget, where measured); a pair without one trains "
        f"{DEFAULT_EPOCHS * DEFAULT_STEPS_PER_EPOCH} steps at batch "
        f"{DEFAULT_BATCH_SIZE} (default {DEFAULT_BUDGET})",
    )
    p.add_argument(
        "--steps", type=positive_arg(int), default=None,
        help="training steps, in place of the recipe's",
    )
    p.add_argument(
        "--epochs", type=positive_arg(int), default=None,
        help="epochs of --steps-per-epoch steps, in place of the recipe's "
        "steps; with --steps, the steps are split into this many epochs",
    )
    p.add_argument(
        "--steps-per-epoch", type=positive_arg(int), default=None,
        help="training steps per epoch (an epoch is this many steps, not a "
        f"pass over the data; default {DEFAULT_STEPS_PER_EPOCH} with --epochs, "
        f"else about 1/{DEFAULT_EPOCHS} of the steps)",
    )
    p.add_argument(
        "--batch-size", type=positive_arg(int), default=None,
        help="batch size, in place of the recipe's",
    )
    p.add_argument(
        "--lr", type=positive_arg(float), default=None,
        help="initial learning rate of every optimizer, in place of the "
        "recipe's (its schedule keeps its shape)",
    )
    p.add_argument("--seed", type=seed_arg, default=0,
                   help="seed, an integer in [0, 2**32) (default 0)")
    p.add_argument(
        "--eval-every", type=positive_arg(int), default=1,
        help="score modes/hq/jsd every this many epochs",
    )
    p.add_argument(
        "--out", default=None,
        help="output directory (default runs/METHOD-DATA-seedS)",
    )
    p.add_argument(
        "--pretrain-epochs", type=positive_arg(int), default=None,
        help="epochs of a method's pretraining step, if it has one (e.g. the "
        "mode-penalty GAN's autoencoder; default: the recipe's, else the "
        "method's)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--resume", action="store_true",
        help="continue the incomplete run in --out from the last epoch it "
        "finished (same method, data, seed, steps per epoch and batch size; "
        "--epochs may grow)",
    )
    jit(p)
    common(p)

    p = sub.add_parser(
        "evaluate", help="score a saved .keras model or a zoo preset",
        description="Score a saved .keras model, a zoo preset (a name from "
        "`list`) or a preset directory on a mixture's protocol.",
    )
    p.add_argument("model", metavar="MODEL",
                   help="a .keras file, a preset name or a preset directory")
    p.add_argument("--data", required=True,
                   help="mixture name, or stacked_mnist / stacked_mnist_veegan")
    p.add_argument("--data-dir", default=None,
                   help="Stacked MNIST: mnist.npz or its directory")
    p.add_argument("--num-samples", type=positive_arg(int), default=None,
                   help="generated samples (default: the protocol's)")
    p.add_argument("--seed", type=seed_arg, default=0,
                   help="seed, an integer in [0, 2**32) (default 0)")
    p.add_argument("--plot", default=None, help="also write a sample plot PNG")
    p.add_argument(
        "--metrics", default=None,
        help="image quality instead: comma list of fid,kid,prdc against --split "
        "of an image --data (mnist, fashion_mnist, cifar10, celeb_a)",
    )
    p.add_argument("--features", default="inception",
                   help="with --metrics: inception, inception_pytorch_fid, a "
                   "classifier preset (mnist_classifier) or a .keras file")
    p.add_argument("--split", default="test",
                   help="with --metrics: the reference split (default test)")
    p.add_argument("--quiet-metrics", action="store_true", help=argparse.SUPPRESS)
    common(p)

    p = sub.add_parser("benchmark", help="several methods x seeds, one table")
    p.add_argument("methods", metavar="METHOD", nargs="+")
    p.add_argument("--data", nargs="+", default=["ring8"], help="mixture name(s)")
    p.add_argument("--seeds", type=positive_arg(int), default=5,
                   help="number of seeds (0..N-1)")
    p.add_argument("--steps", type=positive_arg(int), default=2000)
    p.add_argument("--batch-size", type=positive_arg(int), default=DEFAULT_BATCH_SIZE)
    p.add_argument("--pretrain-epochs", type=positive_arg(int), default=None,
                   help="epochs of a method's pretraining step, if any")
    p.add_argument("--workers", type=positive_arg(int), default=1,
                   help="runs at once, each on its own CPU core (default 1)")
    p.add_argument("--out", default=None, help="also write the table to FILE")
    jit(p)
    common(p)
    return parser


def _select_backend(args):
    """Sets KERAS_BACKEND before Keras is imported; with Keras already
    loaded, `--backend` must be its backend (one process, no child)."""
    if args.backend is None:
        return
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = args.backend
        return
    import keras

    if keras.backend.backend() != args.backend:
        raise UsageError(
            f"--backend {args.backend}: Keras is already loaded with the "
            f"{keras.backend.backend()} backend in this process; run the "
            f"`keras-modegan` command (or `python -m keras_modegan_cli`), or "
            f"set KERAS_BACKEND={args.backend} before Python starts"
        )


def main(argv=None):
    """Runs the command line; returns the exit code (0 on success, 2 for a
    bad argument, 130 when interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    command = {
        "list": _list,
        "train": _train,
        "evaluate": _evaluate,
        "benchmark": _benchmark,
    }[args.command]
    sub = f"{parser.prog} {args.command}"
    try:
        _select_backend(args)
        return command(args) or 0
    except UsageError as error:
        sys.stderr.write(f"{sub}: error: {error} (see `{sub} -h`)\n")
        return 2
    except KeyboardInterrupt as interrupt:
        detail = str(interrupt) or "interrupted"
        sys.stderr.write(f"{sub}: {detail}\n")
        return 130


# ----------------------------------------------------------------------
# Commands (Keras is imported from here on).


def _methods():
    from keras_modegan.models import METHODS

    return METHODS


def _check_method(name):
    methods = _methods()
    if name not in methods:
        raise UsageError(
            f"unknown method {name!r}; choose from: {', '.join(sorted(methods))}"
        )
    return methods[name]


def _check_data(name):
    from keras_modegan.datasets import MIXTURES, get_spec

    if name not in MIXTURES:
        raise UsageError(
            f"unknown dataset {name!r}; choose from: {', '.join(MIXTURES)}"
        )
    return get_spec(name)


def _build(method_cls, method, data_dim, seed, x=None, pretrain_epochs=None,
           batch_size=DEFAULT_BATCH_SIZE, verbose=0, jit_compile="auto",
           recipe=None, steps=None, learning_rate=None):
    """`from_mlp` + `compile`; methods with a `pretrain(x, ...)` step (e.g.
    the mode-penalty GAN's autoencoder) are pretrained on `x` here. With a
    `recipe` (`keras_modegan.recipes`), its `from_mlp` options and its
    optimizers for `steps` steps; `learning_rate` rescales the optimizers."""
    from keras_modegan import recipes

    try:
        model = method_cls.from_mlp(
            data_dim, seed=seed, **((recipe or {}).get("options") or {})
        )
        model.compile(
            optimizers=recipes.build_optimizers(model, recipe, steps, learning_rate),
            jit_compile=JIT_COMPILE[jit_compile],
        )
    except (ValueError, TypeError, NotImplementedError) as error:
        raise UsageError(
            f"method {method!r} cannot be built for {data_dim}-D mixture "
            f"data: {error}"
        ) from None
    if x is not None and callable(getattr(model, "pretrain", None)):
        kwargs = {"batch_size": batch_size, "verbose": verbose}
        if pretrain_epochs is not None:
            kwargs["epochs"] = pretrain_epochs
        if verbose:
            print(f"Pretraining {type(model).__name__} "
                  f"({pretrain_epochs or 'default'} epochs)", flush=True)
        model.pretrain(x, **kwargs)
    return model


def _metrics_table(rows, spec):
    header = ["method", "data", "modes", "hq", "registered", "jsd", "kl", "tv",
              "seconds"]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    for r in rows:
        cells = [
            r["method"], r["data"], f"{r['modes']}/{spec.num_modes}",
            f"{100 * r['hq']:.1f}%", str(r["registered"]), f"{r['jsd']:.3f}",
            f"{r['kl']:.3f}", f"{r['tv']:.3f}",
            "-" if r.get("seconds") is None else f"{r['seconds']:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _recipe_line(data, budget, recipe):
    """One line of `list` for a recipe: data, budget, what it reached."""
    from keras_modegan import recipes

    return (f"--data {data:<13} --budget {budget:<5} "
            f"{recipes.describe_reached(recipe)}; {recipe['steps']} steps at "
            f"batch {recipe['batch_size']} ({recipe['result']})")


def _list(args):
    from keras_modegan import recipes
    from keras_modegan.datasets import MIXTURES, get_spec

    print("Methods (keras-modegan train METHOD; under each, the data sets "
          "with a measured recipe, `--budget`, and what it reached):")
    for name, cls in sorted(_methods().items()):
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"  {name:<24} {cls.__name__}: {doc[0] if doc else ''}")
        for _, data, budget, recipe in recipes.list_recipes(name):
            print(f"      {_recipe_line(data, budget, recipe)}")
    print("\nDatasets (--data NAME):")
    for name in MIXTURES:
        spec = get_spec(name)
        print(
            f"  {name:<14} {spec.num_modes} modes, {spec.dim}-D, std "
            f"{spec.std:g}, eval {spec.num_eval_samples} samples, "
            f"min_count {spec.min_count}. {spec.reference}"
        )
    from keras_modegan.datasets import STACKED_MNIST_PROTOCOLS
    from keras_modegan.image_commands import IMAGE_DATA

    for name, protocol in IMAGE_DATA.items():
        info = STACKED_MNIST_PROTOCOLS[protocol]
        print(f"  {name:<14} 1000 modes, 28x28x3 images (Stacked MNIST), eval "
              f"{info.num_eval_samples} samples. {info.paper}")
    from keras_modegan.presets import list_presets

    print("\nPresets (keras-modegan evaluate NAME, AdversarialModel.from_preset):")
    for name, info in sorted(list_presets().items()):
        print(f"  {name:<31} {info['class_name']}: {info['description']}")
    return 0


def _steps_per_epoch(steps):
    """The divisor of `steps` that gives the epoch count closest to
    DEFAULT_EPOCHS (ModeCoverage scores once an epoch)."""
    small = [d for d in range(1, math.isqrt(steps) + 1) if steps % d == 0]
    divisors = small + [steps // d for d in small]
    return min(divisors, key=lambda d: (abs(steps // d - DEFAULT_EPOCHS), -d))


def budget_overrides(args):
    """The budget flags `train` was given (they override a recipe)."""
    flags = {"steps": args.steps, "epochs": args.epochs,
             "steps_per_epoch": args.steps_per_epoch,
             "batch_size": args.batch_size, "lr": args.lr,
             "pretrain_epochs": args.pretrain_epochs}
    return {k: v for k, v in flags.items() if v is not None}


def overrides_words(overrides):
    """`"; overridden by --steps 4, ..."`, or "" when nothing was given."""
    replaced = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in overrides.items())
    return f"; overridden by {replaced}" if replaced else ""


def _resolve_budget(args):
    """Sets `args.epochs`, `args.steps_per_epoch`, `args.batch_size` and
    `args.pretrain_epochs` from the measured recipe of (method, data,
    budget) and the flags that override it; prints one line saying which
    recipe trains, or that none was measured and the default trains.

    Returns:
        `(recipe, overrides)`: the recipe dict or None, and a dict of the
        given flags that replaced the recipe's (or the default's) values.
    """
    from keras_modegan import recipes

    recipe = recipes.get_recipe(args.method, args.data, args.budget)
    overrides = budget_overrides(args)
    base = recipe or {"steps": DEFAULT_EPOCHS * DEFAULT_STEPS_PER_EPOCH,
                      "batch_size": DEFAULT_BATCH_SIZE}
    if args.steps is not None:
        steps = args.steps
        if args.epochs is not None:
            if steps % args.epochs:
                raise UsageError(f"--steps {steps} is not a multiple of "
                                 f"--epochs {args.epochs}")
            per_epoch = steps // args.epochs
            if args.steps_per_epoch not in (None, per_epoch):
                raise UsageError("--steps, --epochs and --steps-per-epoch "
                                 "disagree; give two of them")
            args.steps_per_epoch = per_epoch
    elif args.epochs is not None:
        args.steps_per_epoch = args.steps_per_epoch or DEFAULT_STEPS_PER_EPOCH
        steps = args.epochs * args.steps_per_epoch
    else:
        steps = base["steps"]
    if args.steps_per_epoch is None:
        args.steps_per_epoch = _steps_per_epoch(steps)
    if steps % args.steps_per_epoch:
        raise UsageError(f"{steps} training steps are not a multiple of "
                         f"--steps-per-epoch {args.steps_per_epoch}")
    args.steps = steps
    args.epochs = steps // args.steps_per_epoch
    if args.batch_size is None:
        args.batch_size = base["batch_size"]
    if args.pretrain_epochs is None:
        args.pretrain_epochs = base.get("pretrain_epochs")
    if recipe is None:
        print(
            f"No measured recipe for {args.method} on {args.data} (budget "
            f"{args.budget}): the default, {base['steps']} steps at batch "
            f"{base['batch_size']} with the method's compile() optimizers "
            "(`keras-modegan list` shows the pairs with a recipe).",
            flush=True,
        )
    else:
        print(
            f"Recipe {args.budget}/{args.method}/{args.data}: {recipe['steps']} "
            f"steps at batch {recipe['batch_size']}, "
            f"{recipes.describe_optimizers(recipe)}; measured "
            f"{recipes.describe_reached(recipe)} ({recipe['result']})"
            + overrides_words(overrides),
            flush=True,
        )
    return recipe, overrides


def _train(args):
    from keras_modegan.image_commands import IMAGE_DATA, train_images

    if args.data in IMAGE_DATA:
        return train_images(args, JIT_COMPILE[args.jit_compile])
    method_cls = _check_method(args.method)
    spec = _check_data(args.data)
    recipe, overrides = _resolve_budget(args)
    out = args.out or os.path.join(
        "runs", f"{args.method}-{args.data}-seed{args.seed}"
    )
    _check_out_dir(out, "--out")
    import keras

    from keras_modegan.datasets import load_mixture
    from keras_modegan.utils.run_dir import RunDir, RunInUseError

    keras.utils.set_random_seed(args.seed)
    if args.distribution == "data-parallel":
        from keras_modegan.engine import autodiff

        try:
            devices = autodiff.set_data_parallel()
        except ValueError as error:
            raise UsageError(str(error)) from None
        args.devices = devices  # printed on the "Training ..." line
        if args.batch_size % devices:
            raise UsageError(
                f"--batch-size {args.batch_size} must be a multiple of the "
                f"{devices} devices of --distribution data-parallel"
            )
    x, spec = load_mixture(spec, seed=args.seed)
    if args.batch_size > len(x):
        raise UsageError(f"--batch-size {args.batch_size} > {len(x)} data points")
    run = RunDir(out)
    try:
        with run.lock():
            return _train_locked(args, run, spec, x, method_cls, recipe, overrides)
    except RunInUseError as error:
        raise UsageError(f"--out {error}") from None


# What a run to resume must share with the run that made the folder.
_RUN_SETTINGS = ("method", "data", "seed", "batch_size", "steps_per_epoch")


def _resume_epoch(args, run, out):
    """Checks `--resume` against the run in `out`; returns the epoch to
    start at (0 for a new run)."""
    previous = run.read_status()
    incomplete = previous is not None and previous.get("status") != "complete"
    if not args.resume:
        if incomplete:
            raise UsageError(
                f"--out {out} holds an incomplete run "
                f"({previous.get('epochs_done', 0)} of "
                f"{previous.get('epochs', '?')} epochs done): pass --resume to "
                "continue it, or remove the folder or choose another --out"
            )
        run.remove_backup()  # a new run never restores an older backup
        return 0
    if previous is None:
        print(f"--resume: no run in {out} yet; starting one", flush=True)
        run.remove_backup()
        return 0
    if not incomplete:
        raise UsageError(f"--resume: the run in {out} is complete")
    differ = [k for k in _RUN_SETTINGS if previous.get(k) != getattr(args, k)]
    if differ:
        raise UsageError(
            f"--resume: the run in {out} was started with "
            + ", ".join(f"--{k.replace('_', '-')} {previous.get(k)}" for k in differ)
            + "; give the same (or choose another --out for a new run)"
        )
    epoch = run.backup_epoch()
    if epoch > args.epochs:
        raise UsageError(
            f"--epochs {args.epochs}: the run in {out} has done {epoch} epochs"
        )
    run.truncate_history("history.csv", epoch)
    return epoch


def _history_from_csv(path):
    """The `History.history` dict of a `CSVLogger` file (NaN for a cell
    that is not a number)."""
    import csv

    def number(text):
        try:
            return float(text)
        except ValueError:
            return float("nan")

    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: [number(r[key]) for r in rows] for key in (rows[0] if rows else {})}


def _train_locked(args, run, spec, x, method_cls, recipe, overrides):
    """`train` in the locked run folder `run`."""
    import signal

    import keras

    from keras_modegan.callbacks import (
        ModeCoverage,
        SamplePlot,
        plot_coverage_curves,
    )
    from keras_modegan.datasets import as_dataset
    from keras_modegan.metrics import mode_coverage
    from keras_modegan.utils.atomic_write import write_text
    from keras_modegan.utils.run_dir import NonFiniteLossError

    out = run.path
    initial_epoch = _resume_epoch(args, run, out)
    settings = {k: getattr(args, k) for k in _RUN_SETTINGS}
    run.write_status(
        "incomplete", fresh=not initial_epoch, **settings, epochs=args.epochs,
        epochs_done=initial_epoch, pid=os.getpid(),
        started=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    try:
        model = _build(method_cls, args.method, spec.dim, args.seed, x=x,
                       pretrain_epochs=args.pretrain_epochs,
                       batch_size=args.batch_size,
                       verbose=0 if args.quiet else 2,
                       jit_compile=args.jit_compile, recipe=recipe,
                       steps=args.steps, learning_rate=args.lr)
        paths = {
            "model": os.path.join(out, "model.keras"),
            "history": os.path.join(out, "history.csv"),
            "samples": os.path.join(out, "samples.png"),
            "coverage": os.path.join(out, "coverage.png"),
            "metrics": os.path.join(out, "metrics.json"),
            "status": run.file("run.json"),
        }
        resumed = f", resumed at epoch {initial_epoch + 1}" if initial_epoch else ""
        devices = getattr(args, "devices", None)
        parallel = (
            f", data-parallel over {devices} device{'s' * (devices != 1)}"
            if devices else ""
        )
        print(
            f"Training {type(model).__name__} on {spec.name} ({spec.num_modes} "
            f"modes) for {args.epochs} x {args.steps_per_epoch} steps, batch "
            f"{args.batch_size}, seed {args.seed}, backend "
            f"{keras.backend.backend()}{parallel}{resumed} -> {out}",
            flush=True,
        )
        callbacks = [
            ModeCoverage(spec, every_n_epochs=args.eval_every,
                         num_samples=spec.num_eval_samples, seed=args.seed),
            SamplePlot(paths["samples"], spec,
                       every_n_epochs=max(1, args.epochs // 4),
                       num_samples=spec.num_eval_samples, seed=args.seed),
            keras.callbacks.CSVLogger(paths["history"], append=initial_epoch > 0),
        ] + run.callbacks(args.steps_per_epoch, args.epochs)
        data = as_dataset(x, args.batch_size, seed=args.seed).repeat()
        if initial_epoch:  # the batches an uninterrupted run would see next
            data = data.skip(initial_epoch * args.steps_per_epoch)
        start = time.perf_counter()
        history = model.fit(
            data,
            epochs=args.epochs,
            initial_epoch=initial_epoch,  # the backup's epochs (run.callbacks)
            steps_per_epoch=args.steps_per_epoch,
            callbacks=callbacks,
            shuffle=False,
            verbose=0 if args.quiet else 1,
        )
        seconds = time.perf_counter() - start
        run.save_model(model)  # whole and finite, or the previous file stays
        if initial_epoch:
            history = _history_from_csv(paths["history"])
        plot_coverage_curves(
            {args.method: history}, paths["coverage"],
            metrics=("modes", "hq", "jsd"),
            title=f"{args.method} on {spec.name}, seed {args.seed}",
        )
        result = mode_coverage(
            model.generate(spec.num_eval_samples, seed=args.seed), spec
        )
        row = dict(result, method=args.method, data=spec.name, seconds=seconds,
                   steps=args.epochs * args.steps_per_epoch, seed=args.seed,
                   backend=keras.backend.backend(), jit_compile=args.jit_compile,
                   **_recipe_record(args, recipe, overrides))
        write_text(paths["metrics"], metrics_json(row))
        run.write_status("complete", epochs_done=args.epochs)
        run.remove_backup()
    except NonFiniteLossError as error:
        run.write_status("incomplete", reason=str(error))
        sys.stderr.write(
            f"keras-modegan train: {error}; stopped, model.keras not written "
            f"(a previous one is kept; {out}/run.json says incomplete)\n"
        )
        return 1
    except KeyboardInterrupt:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            done = run.backup_epoch()
            run.write_status("incomplete", epochs_done=done,
                             reason="interrupted")
        finally:
            signal.signal(signal.SIGINT, previous)
        raise KeyboardInterrupt(
            f"interrupted after {done} of {args.epochs} epochs; the files in "
            f"{out} are whole and run.json says incomplete (--resume "
            "continues it)"
        ) from None
    print()
    print(_metrics_table([row], spec))
    print()
    for key, path in paths.items():
        print(f"{key:>9}: {path}")
    return 0


def _check_memory(num_bytes, what):
    try:
        check_fits_in_memory(num_bytes, what)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _check_out_dir(path, flag):
    """`path` must be a directory this process can create or write in."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        what = "is a file" if probe == os.path.abspath(path) else (
            f"is inside {probe}, which is a file")
        raise UsageError(f"{flag} {path} {what}, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: {probe} is not writable")


def _check_out_file(path, flag):
    """`path` must be a file this process can write: not a directory, in
    an existing, writable directory."""
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path} is a directory, not a file")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        what = "is a file" if os.path.exists(parent) else "does not exist"
        raise UsageError(f"{flag} {path}: its directory {parent} {what}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: {parent} is not writable")


def _recipe_record(args, recipe, overrides):
    """What metrics.json records of the budget: the recipe (None: the
    default trained) and the flags that overrode it."""
    from keras_modegan import recipes

    source = None
    if recipe is not None:
        source = {"budget": args.budget, "method": args.method,
                  "data": args.data, "result": recipe["result"],
                  "command": recipe["command"], "reached": recipe["reached"]}
    return {
        "recipe": source,
        "overrides": overrides,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "steps_per_epoch": args.steps_per_epoch,
        "pretrain_epochs": args.pretrain_epochs,
        "optimizers": recipes.describe_optimizers(recipe, args.lr),
    }


def _load(name):
    """A `.keras` file, a zoo preset's name or a preset directory, loaded."""
    import keras

    from keras_modegan import presets
    from keras_modegan.models import AdversarialModel

    if os.path.isfile(name):
        if name.endswith(".keras") and not zipfile.is_zipfile(name):
            raise UsageError(
                f"{name!r} is not a valid .keras file (a .keras file is a zip "
                "archive; this one is truncated or of another kind)"
            )
        load = keras.saving.load_model
    elif name in presets.list_presets() or os.path.isfile(
        os.path.join(name, presets.CONFIG_FILE)
    ):
        load = AdversarialModel.from_preset
    else:
        raise UsageError(
            f"no such model file or preset: {name!r} (presets: "
            f"{', '.join(sorted(presets.list_presets()))})"
        )
    try:
        return load(name)
    except Exception as error:  # a corrupt or foreign file is a bad argument
        # One line, but the whole message: the reason is often not its first.
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise UsageError(
            f"cannot load {name!r}: {' '.join(lines) or type(error).__name__}"
        ) from None


def _evaluate(args):
    if args.metrics:
        from keras_modegan.image_quality_command import evaluate_image_quality

        return evaluate_image_quality(args, _load(args.model), UsageError)
    from keras_modegan.image_commands import IMAGE_DATA, evaluate_images

    if args.data in IMAGE_DATA:
        if args.plot:
            _check_out_file(args.plot, "--plot")
        return evaluate_images(args, _load(args.model))
    spec = _check_data(args.data)
    num = args.num_samples or spec.num_eval_samples
    _check_memory(
        # float32 samples, a latent code and a distance to each mode per sample
        num * (spec.dim + 1 + spec.num_modes) * 4, f"--num-samples {num}"
    )
    if args.plot:
        _check_out_file(args.plot, "--plot")
    from keras_modegan.metrics import mode_coverage

    model = _load(args.model)
    if not hasattr(model, "generate"):
        raise UsageError(f"{args.model!r} is not a keras-modegan model")
    shape = tuple(getattr(model, "data_shape", ()))
    if shape != (spec.dim,):
        raise UsageError(
            f"the model generates samples of shape {shape}, dataset "
            f"{spec.name!r} has {spec.dim}-D samples"
        )
    samples = model.generate(num, seed=args.seed)
    result = mode_coverage(samples, spec)
    row = dict(result, method=type(model).__name__, data=spec.name)
    print(_metrics_table([row], spec))
    if args.plot:
        from keras_modegan.callbacks import plot_samples

        plot_samples(samples, spec, args.plot,
                     title=f"{os.path.basename(args.model)} on {spec.name}")
        print(f"samples: {args.plot}")
    return 0


def _benchmark_build(data_dim, seed, method, spec, pretrain_epochs, batch_size,
                     jit_compile="auto"):
    # Module level, so that benchmark worker processes can unpickle it.
    from keras_modegan.datasets import load_mixture

    x, _ = load_mixture(spec, seed=seed)  # the set train_and_score draws
    return _build(_check_method(method), method, data_dim, seed, x=x,
                  pretrain_epochs=pretrain_epochs, batch_size=batch_size,
                  jit_compile=jit_compile)


def _benchmark(args):
    for method in args.methods:
        _check_method(method)
    specs = [_check_data(d) for d in args.data]
    if args.seeds > SEED_LIMIT:
        raise UsageError(
            f"--seeds {args.seeds}: the seeds 0..N-1 must be below 2**32"
        )
    from keras_modegan.benchmark import ROW_BYTES

    _check_memory(args.seeds * len(specs) * len(args.methods) * ROW_BYTES,
                  f"--seeds {args.seeds} ({len(specs) * len(args.methods)} "
                  "runs each)")
    if args.out:
        _check_out_file(args.out, "--out")
    import functools

    from keras_modegan.benchmark import format_table, run_experiments
    from keras_modegan.utils.atomic_write import write_text

    runs = [
        (
            method,
            functools.partial(
                _benchmark_build, method=method, spec=spec,
                pretrain_epochs=args.pretrain_epochs, batch_size=args.batch_size,
                jit_compile=args.jit_compile,
            ),
            spec,
        )
        for spec in specs
        for method in args.methods
    ]

    def progress(row):
        print(
            f"{row['method']} {row['data']} seed {row['seed']}: {row['modes']} "
            f"modes, hq {100 * row['hq']:.1f}%, jsd {row['jsd']:.3f}, "
            f"{row['seconds']:.1f} s",
            file=sys.stderr, flush=True,
        )

    rows = run_experiments(
        runs, range(args.seeds), workers=args.workers, on_result=progress,
        steps=args.steps, batch_size=args.batch_size,
    )
    table = format_table(rows)
    print(table)
    if args.out:
        write_text(args.out, table + "\n")
    return 0

if __name__ == "__main__":
    sys.exit(main())
