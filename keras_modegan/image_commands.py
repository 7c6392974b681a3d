"""`keras-modegan train` and `evaluate` on Stacked MNIST.

`keras_modegan.cli` hands a `--data` in `IMAGE_DATA` to `train_images` /
`evaluate_images`. Training builds the method with
`from_dcgan((28, 28, 3), --architecture)`, feeds
`keras_modegan.datasets.StackedMNIST` of the protocol, scores `modes` and
`kl` with the `mnist_classifier` preset every `--eval-every` epochs
(`StackedMNISTCoverage`), and writes to `--out`: `model.keras`,
`history.csv`, `grid.png` (samples from fixed latent codes) and
`grid_progress.png` (the grids over training), `coverage.png` (modes and KL
against epochs) and `metrics.json`.
"""

import os
import sys
import time

# --data name -> Stacked MNIST protocol
IMAGE_DATA = {"stacked_mnist": "unrolled_gan", "stacked_mnist_veegan": "veegan"}
IMAGE_SHAPE = (28, 28, 3)
DEFAULT_EPOCHS = 10
ARCHITECTURE_CHOICES = ("quarter", "half", "big", "dcgan")


def _error(message):
    from keras_modegan.cli import UsageError

    return UsageError(message)


def _schedule(args, samples_per_epoch):
    """Sets `args.steps_per_epoch`, `args.epochs`, `args.steps`: an epoch is
    one pass over the protocol's images by default (200 steps at batch 128
    for Unrolled GAN's 25,600), `DEFAULT_EPOCHS` epochs."""
    per_epoch = args.steps_per_epoch
    if per_epoch is None:
        if args.steps is not None and args.epochs is not None:
            if args.steps % args.epochs:
                raise _error(f"--steps {args.steps} is not a multiple of "
                             f"--epochs {args.epochs}")
            per_epoch = args.steps // args.epochs
        else:
            per_epoch = max(1, samples_per_epoch // args.batch_size)
            if args.steps is not None:
                per_epoch = min(per_epoch, args.steps)
    if args.steps is not None:
        if args.steps % per_epoch:
            raise _error(f"{args.steps} training steps are not a multiple of "
                         f"--steps-per-epoch {per_epoch}")
        epochs = args.steps // per_epoch
        if args.epochs not in (None, epochs):
            raise _error("--steps, --epochs and --steps-per-epoch disagree; "
                         "give two of them")
    else:
        epochs = args.epochs or DEFAULT_EPOCHS
    args.steps_per_epoch, args.epochs = per_epoch, epochs
    args.steps = per_epoch * epochs


TRAIN_COLUMNS = ("method", "data", "architecture", "modes", "kl", "kl_train",
                 "steps", "seconds")


def _table(rows, columns=TRAIN_COLUMNS):
    """A Markdown table of result rows (`modes` out of 1,000)."""

    def cell(row, key):
        value = row.get(key)
        if value is None:
            return ""
        if key == "modes":
            return f"{value}/1000"
        if key in ("kl", "kl_train"):
            return f"{value:.3f}"
        if key == "seconds":
            return f"{value:.0f}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r, k) for k in columns) + " |" for r in rows]
    return "\n".join(lines)


def _image_recipe(args):
    """The measured recipe of (method, data, budget) for these nets, and
    the flags that override it; sets `args.steps` and `args.batch_size`
    from it when not given, and prints one line saying which recipe trains
    (or that none was measured and the default trains).

    Returns:
        `(recipe, overrides)`: the recipe dict or None, and a dict of the
        given budget flags.
    """
    from keras_modegan import recipes
    from keras_modegan.cli import budget_overrides, overrides_words

    recipe = recipes.get_recipe(args.method, args.data, args.budget)
    if recipe is not None and recipe["architecture"] != args.architecture:
        recipe = None  # measured with other nets
    overrides = budget_overrides(args)
    if recipe is None:
        print(
            f"No measured recipe for {args.method} on {args.data} with "
            f"{args.architecture} nets (budget {args.budget}): the default, "
            f"{DEFAULT_EPOCHS} passes over the protocol's images, with the "
            "method's compile() image optimizers (`keras-modegan list` shows "
            "the pairs with a recipe).",
            flush=True,
        )
        return None, overrides
    if args.steps is None and args.epochs is None:
        args.steps = recipe["steps"]
    if args.batch_size is None:
        args.batch_size = recipe["batch_size"]
    print(
        f"Recipe {args.budget}/{args.method}/{args.data}: {recipe['steps']} steps "
        f"at batch {recipe['batch_size']}, {recipe['architecture']} nets, "
        f"{recipes.describe_optimizers(recipe)}; measured "
        f"{recipes.describe_reached(recipe)} ({recipe['result']})"
        + overrides_words(overrides),
        flush=True,
    )
    return recipe, overrides


def train_images(args, jit_compile):
    """`keras-modegan train METHOD --data stacked_mnist[...]`."""
    import keras

    from keras_modegan.callbacks import (
        ImageGrid,
        StackedMNISTCoverage,
        plot_coverage_curves,
    )
    from keras_modegan.cli import (
        _check_method,
        _check_out_dir,
        _recipe_record,
        metrics_json,
    )
    from keras_modegan.datasets import StackedMNIST
    from keras_modegan.datasets.stacked_mnist import get_protocol
    from keras_modegan.metrics import stacked_mnist_modes
    from keras_modegan.presets import load_classifier
    from keras_modegan.utils.atomic_write import write_text
    from keras_modegan.utils.run_dir import (
        NonFiniteLossError,
        RunDir,
        RunInUseError,
    )

    for flag, value in (("--resume", args.resume),
                        ("--distribution data-parallel",
                         args.distribution != "none")):
        if value:
            raise _error(f"{flag} is not supported for --data {args.data} yet")
    method_cls = _check_method(args.method)
    if not hasattr(method_cls, "from_dcgan"):
        raise _error(f"method {args.method!r} has no image networks (from_dcgan)")
    protocol = get_protocol(IMAGE_DATA[args.data])
    recipe, overrides = _image_recipe(args)
    if args.batch_size is None:
        args.batch_size = protocol.batch_size
    out = args.out or os.path.join(
        "runs", f"{args.method}-{args.data}-{args.architecture}-seed{args.seed}"
    )
    _check_out_dir(out, "--out")
    keras.utils.set_random_seed(args.seed)
    data = StackedMNIST(protocol, seed=args.seed, data_dir=args.data_dir)
    _schedule(args, data.samples_per_epoch)
    num_eval = args.num_samples or data.num_eval_samples
    try:
        model = method_cls.from_dcgan(IMAGE_SHAPE, args.architecture,
                                      seed=args.seed)
        from keras_modegan import recipes

        # None (compile()'s image defaults) unless --lr rescales them.
        model.compile(
            optimizers=recipes.build_optimizers(model, recipe, args.steps, args.lr),
            jit_compile=jit_compile,
        )
    except (ValueError, TypeError, NotImplementedError) as error:
        raise _error(f"method {args.method!r} cannot be built on "
                     f"{args.data}: {error}") from None
    run = RunDir(out)
    previous = run.read_status()
    if previous is not None and previous.get("status") != "complete":
        raise _error(
            f"--out {out} holds an incomplete run (--resume is not supported "
            f"for --data {args.data} yet): remove the folder or choose another "
            "--out"
        )

    def locked():
        paths = {
            "model": os.path.join(out, "model.keras"),
            "history": os.path.join(out, "history.csv"),
            "grid": os.path.join(out, "grid.png"),
            "progress": os.path.join(out, "grid_progress.png"),
            "coverage": os.path.join(out, "coverage.png"),
            "metrics": os.path.join(out, "metrics.json"),
        }
        verbose = 0 if args.quiet else 2
        if callable(getattr(model, "pretrain", None)):
            kwargs = {"batch_size": args.batch_size, "verbose": verbose}
            if args.pretrain_epochs is not None:
                kwargs["epochs"] = args.pretrain_epochs
            model.pretrain(data.numpy(), **kwargs)
        print(
            f"Training {type(model).__name__} ({args.architecture} nets) on "
            f"{args.data} ({protocol.name} protocol, 1000 modes) for {args.epochs} x "
            f"{args.steps_per_epoch} steps, batch {args.batch_size}, seed "
            f"{args.seed}, backend {keras.backend.backend()}; scoring {num_eval} "
            f"samples -> {out}",
            flush=True,
        )
        classifier = load_classifier("mnist_classifier")
        callbacks = [
            StackedMNISTCoverage(classifier, data=data, every_n_epochs=args.eval_every,
                                 num_samples=num_eval, seed=args.seed),
            ImageGrid(paths["grid"], every_n_epochs=args.eval_every, seed=args.seed,
                      progress_path=paths["progress"]),
            keras.callbacks.CSVLogger(paths["history"]),
            keras.callbacks.TerminateOnNaN(),
        ] + run.callbacks(args.steps_per_epoch, args.epochs)
        start = time.perf_counter()
        history = model.fit(
            data.dataset(args.batch_size).repeat(), epochs=args.epochs,
            steps_per_epoch=args.steps_per_epoch, callbacks=callbacks,
            verbose=0 if args.quiet else 2,
        )
        seconds = time.perf_counter() - start
        run.save_model(model)  # whole and finite, or the previous file stays
        plot_coverage_curves(
            {args.method: history}, paths["coverage"], metrics=("modes", "kl"),
            title=f"{args.method} ({args.architecture}) on {args.data}, "
            f"seed {args.seed}",
        )
        result = stacked_mnist_modes(
            model.generate(num_eval, seed=args.seed), classifier,
            reference=data.label_distribution(),
        )
        row = {
            "method": args.method, "data": args.data, "protocol": protocol.name,
            "architecture": args.architecture, "modes": result["modes"],
            "kl": result["kl"], "kl_train": result["kl_train"],
            "num_samples": num_eval, "steps": args.steps,
            "batch_size": args.batch_size, "seed": args.seed, "seconds": seconds,
            "backend": keras.backend.backend(),
            **_recipe_record(args, recipe, overrides),
        }
        write_text(paths["metrics"], metrics_json(row))
        run.write_status("complete", epochs_done=args.epochs)
        run.remove_backup()
        print()
        print(_table([row]))
        print()
        for key, path in paths.items():
            print(f"{key:>9}: {path}")
        return 0

    try:
        with run.lock():
            run.write_status(
                "incomplete", fresh=True, method=args.method, data=args.data,
                seed=args.seed, batch_size=args.batch_size,
                steps_per_epoch=args.steps_per_epoch, epochs=args.epochs,
                epochs_done=0, pid=os.getpid(),
            )
            try:
                return locked()
            except NonFiniteLossError as error:
                run.write_status("incomplete", reason=str(error))
                sys.stderr.write(
                    f"keras-modegan train: {error}; stopped, model.keras not "
                    f"written ({out}/run.json says incomplete)\n"
                )
                return 1
            except KeyboardInterrupt:
                run.write_status("incomplete", reason="interrupted")
                raise KeyboardInterrupt(
                    f"interrupted; the files in {out} are whole and run.json "
                    "says incomplete"
                ) from None
    except RunInUseError as error:
        raise _error(f"--out {error}") from None


def evaluate_images(args, model):
    """`keras-modegan evaluate MODEL --data stacked_mnist[...]`: modes and
    KL of `--num-samples` samples (default the protocol's)."""
    from keras_modegan.callbacks import tile_images, write_png
    from keras_modegan.datasets import StackedMNIST
    from keras_modegan.datasets.stacked_mnist import get_protocol
    from keras_modegan.metrics import stacked_mnist_modes

    protocol = get_protocol(IMAGE_DATA[args.data])
    shape = tuple(getattr(model, "data_shape", ()))
    if shape != IMAGE_SHAPE:
        raise _error(f"the model generates samples of shape {shape}, "
                     f"{args.data} has {IMAGE_SHAPE} images")
    num = args.num_samples or protocol.num_eval_samples
    data = StackedMNIST(protocol, seed=0, data_dir=args.data_dir)
    samples = model.generate(num, seed=args.seed)
    result = stacked_mnist_modes(samples, "mnist_classifier",
                                 reference=data.label_distribution())
    row = dict(result, method=type(model).__name__, data=args.data)
    print(_table([row], ("method", "data", "modes", "kl", "kl_train")))
    if args.plot:
        write_png(tile_images(samples[:64]), args.plot)
        print(f"samples: {args.plot}")
    return 0
