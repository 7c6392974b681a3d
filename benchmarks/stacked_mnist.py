"""Stacked MNIST (1,000 modes): modes and KL of every method, side by side.

One run, the same step budget, nets (`from_dcgan(..., architecture)`) and
protocol for all methods; each method trains with its `compile()` image
defaults (`keras_modegan.models.image_optimizers`). Scored as PacGAN scores
it: the `mnist_classifier` preset labels each channel of the protocol's
number of generated samples (25,600 for the Unrolled GAN protocol); modes =
distinct labels of 1,000, KL = KL(generated label histogram || uniform).
Coverage is also scored every `--eval-every` steps on fewer samples, for
the modes-vs-steps curve.

The papers' budget for this protocol is 500K steps at batch 128 (Metz et
al.; MD-GAN Table 3, Dist-GAN Table 1). On a GPU:

    KERAS_BACKEND=jax python benchmarks/stacked_mnist.py --steps 500000 \
        --architectures quarter half --seeds 3 --eval-every 25000 \
        --output benchmarks/results/stacked_mnist_500k.md

Every finished run is appended to `<output stem>_runs.jsonl` and the table
is rewritten after each, so a killed run keeps what it measured;
`--resume` skips the runs that file already holds (same method, nets,
seed and budget).

Writes the Markdown table to `--output`, and beside it
`<output stem>_curves.png` (modes against steps, one line per method and
architecture, mean over seeds) and `<output stem>_grids/` (a sample grid
per method, architecture and seed).
"""

import argparse
import os
import sys
import time

import numpy as np

from keras_modegan.utils.validation import positive_arg

METHOD_NAMES = (
    "vanilla_gan",
    "wgan_gp",
    "mixture_density_gan",
    "dist_gan",
    "gaan",
    "regularized_gan",
    "manifold_diffusion_gan",
    "mode_penalty_gan",
)
# (modes, KL) at 500K steps, Unrolled GAN protocol; "D = G/4" is "quarter".
PAPER = {
    ("vanilla_gan", "quarter"): (30.6, 5.99),  # DCGAN, MD-GAN Table 3
    ("unrolled_gan", "quarter"): (327.2, 4.66),
    ("mixture_density_gan", "quarter"): (696.0, 1.32),
    ("dist_gan", "quarter"): (859.5, 1.04),  # Dist-GAN Table 1
    ("vanilla_gan", "half"): (628.0, 2.58),
    ("unrolled_gan", "half"): (817.4, 1.43),
    ("mixture_density_gan", "half"): (921.0, 0.80),
    ("dist_gan", "half"): (917.9, 1.06),
}
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def train_and_score(job):
    """Trains one (method, architecture, seed) and scores it.

    Args:
        job: dict with `method`, `architecture`, `seed`, `steps`,
            `eval_every`, `eval_samples`, `batch_size`, `grid_dir`,
            `data_dir`, and `model_dir` (None, or where the trained model
            is saved as `<method>_<architecture>_seed<seed>.keras`).

    Returns:
        Dict: the job's keys plus `modes`, `kl`, `kl_train`, `seconds` and
        `curve` (a list of `(step, modes)`).
    """
    import keras

    from keras_modegan.callbacks import ImageGrid, StackedMNISTCoverage
    from keras_modegan.datasets import StackedMNIST
    from keras_modegan.metrics import stacked_mnist_modes
    from keras_modegan.models import METHODS
    from keras_modegan.presets import load_classifier
    from keras_modegan.utils.run_dir import RunDir

    keras.utils.set_random_seed(job["seed"])
    data = StackedMNIST("unrolled_gan", seed=job["seed"], data_dir=job["data_dir"])
    model = METHODS[job["method"]].from_dcgan(
        (28, 28, 3), job["architecture"], seed=job["seed"]
    )
    model.compile()
    if callable(getattr(model, "pretrain", None)):  # the mode-penalty AE
        model.pretrain(data.numpy(), batch_size=job["batch_size"], verbose=0)
    classifier = load_classifier("mnist_classifier")
    per_epoch = min(job["eval_every"], job["steps"])
    epochs = max(1, job["steps"] // per_epoch)
    name = f"{job['method']}_{job['architecture']}_seed{job['seed']}"
    coverage = StackedMNISTCoverage(
        classifier, data=data, num_samples=job["eval_samples"], seed=job["seed"]
    )
    grid = ImageGrid(os.path.join(job["grid_dir"], f"{name}.png"), seed=0)
    start = time.perf_counter()
    history = model.fit(
        data.dataset(job["batch_size"]).repeat(),
        epochs=epochs,
        steps_per_epoch=per_epoch,
        callbacks=[coverage, grid, keras.callbacks.TerminateOnNaN()],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    if job.get("model_dir"):  # whole or not at all (a temporary file first)
        RunDir(job["model_dir"]).save_model(model, f"{name}.keras")
    result = stacked_mnist_modes(
        model.generate(data.num_eval_samples, seed=job["seed"]),
        classifier,
        reference=data.label_distribution(),
    )
    curve = [
        ((i + 1) * per_epoch, int(m)) for i, m in enumerate(history.history["modes"])
    ]
    return dict(
        job,
        modes=int(result["modes"]),
        kl=float(result["kl"]),
        kl_train=float(result["kl_train"]),
        seconds=seconds,
        curve=curve,
    )


def _mean_std(values):
    return f"{np.mean(values):.1f} ± {np.std(values):.1f}"


def table(rows):
    """Markdown table: mean ± std over seeds of modes and KL, the paper's."""
    lines = [
        "| method | nets | modes | KL | per seed (modes) | paper (modes / KL) | s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    groups = {}
    for row in rows:
        groups.setdefault((row["method"], row["architecture"]), []).append(row)
    for (method, arch), runs in groups.items():
        paper = PAPER.get((method, arch))
        lines.append(
            f"| {method} | {arch} | {_mean_std([r['modes'] for r in runs])} | "
            f"{np.mean([r['kl'] for r in runs]):.2f} ± "
            f"{np.std([r['kl'] for r in runs]):.2f} | "
            f"{', '.join(str(r['modes']) for r in runs)} | "
            f"{'' if paper is None else f'{paper[0]} / {paper[1]}'} | "
            f"{np.mean([r['seconds'] for r in runs]):.0f} |"
        )
    return "\n".join(lines)


def plot_curves(rows, path):
    """Modes against steps, the mean over seeds per method and nets."""
    from matplotlib.figure import Figure

    from keras_modegan.callbacks import save_figure

    figure = Figure(figsize=(7, 4.5))
    axes = figure.add_subplot()
    groups = {}
    for row in rows:
        groups.setdefault(f"{row['method']} ({row['architecture']})", []).append(
            row["curve"]
        )
    for label, curves in groups.items():
        steps = [s for s, _ in curves[0]]
        axes.plot(steps, np.mean([[m for _, m in c] for c in curves], 0), label=label)
    axes.set_xlabel("training step")
    axes.set_ylabel("modes (of 1,000)")
    axes.legend(fontsize=7)
    save_figure(figure, path)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--methods", nargs="+", default=list(METHOD_NAMES))
    parser.add_argument(
        "--architectures", nargs="+", default=["quarter"], choices=["quarter", "half"]
    )
    parser.add_argument("--steps", type=positive_arg(int), default=2000)
    parser.add_argument("--seeds", type=positive_arg(int), default=3)
    parser.add_argument("--batch-size", type=positive_arg(int), default=128)
    parser.add_argument("--eval-every", type=positive_arg(int), default=500)
    parser.add_argument(
        "--eval-samples",
        type=positive_arg(int),
        default=10000,
        help="samples scored at each --eval-every (the final score uses the "
        "protocol's 25,600)",
    )
    parser.add_argument("--workers", type=positive_arg(int), default=1)
    parser.add_argument(
        "--data-dir", default=None, help="where mnist.npz is (else TFDS)"
    )
    parser.add_argument(
        "--output", default=os.path.join(RESULTS, "stacked_mnist.md")
    )
    parser.add_argument(
        "--save-models",
        action="store_true",
        help="save every trained model to `<output stem>_models/` (what "
        "`zoo/build_presets.py --stacked-mnist` turns into presets)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs `<output stem>_runs.jsonl` already holds",
    )
    args = parser.parse_args(argv)

    from keras_modegan.benchmark import run_resumable
    from keras_modegan.models import METHODS
    from keras_modegan.utils.atomic_write import write_text

    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown --methods {unknown}; choose from {sorted(METHODS)}")
    stem = os.path.splitext(args.output)[0]
    grid_dir = stem + "_grids"
    os.makedirs(grid_dir, exist_ok=True)
    model_dir = stem + "_models" if args.save_models else None
    if model_dir:
        os.makedirs(model_dir, exist_ok=True)
    jobs = [
        dict(
            method=method,
            architecture=arch,
            seed=seed,
            steps=args.steps,
            eval_every=args.eval_every,
            eval_samples=args.eval_samples,
            batch_size=args.batch_size,
            grid_dir=grid_dir,
            data_dir=args.data_dir,
            model_dir=model_dir,
        )
        for arch in args.architectures
        for method in args.methods
        for seed in range(args.seeds)
    ]
    command = "python benchmarks/stacked_mnist.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    start = time.perf_counter()

    def progress(row, rows):
        print(
            f"{row['method']} {row['architecture']} seed {row['seed']}: "
            f"{row['modes']} modes, KL {row['kl']:.2f} ({row['seconds']:.0f} s)",
            flush=True,
        )
        write_text(args.output, report(rows, jobs, args, command, start))

    rows = run_resumable(train_and_score, jobs, stem + "_runs.jsonl", _key,
                         progress, args.workers, args.resume)
    text = report(rows, jobs, args, command, start, curves=True)
    write_text(args.output, text)
    print(text)


def _key(job):
    return tuple(
        job[k]
        for k in ("method", "architecture", "seed", "steps", "eval_every",
                  "eval_samples", "batch_size")
    )


def report(rows, jobs, args, command, start, curves=False):
    """The Markdown report of the finished `rows` of `jobs`."""
    order = {_key(j): i for i, j in enumerate(jobs)}
    rows = sorted(rows, key=lambda r: order[_key(r)])
    stem = os.path.splitext(args.output)[0]
    status = (
        "" if len(rows) == len(jobs)
        else f" **Partial: {len(rows)} of {len(jobs)} runs finished.**"
    )
    text = "\n".join(
        [
            f"# Stacked MNIST, Unrolled GAN protocol, {args.steps} steps at batch "
            f"{args.batch_size}",
            "",
            f"Command: `{command}` (backend "
            f"{os.environ.get('KERAS_BACKEND', 'tensorflow')}, "
            f"{time.perf_counter() - start:.0f} s in this invocation). Modes of "
            "1,000 and KL(p || uniform) on 25,600 samples; the papers' columns "
            f"are at 500K steps.{status}",
            "",
            table(rows) if rows else "(no run finished yet)",
            "",
            "The papers, at 500K steps (modes / KL): "
            + "; ".join(f"{m} {a}: {v[0]} / {v[1]}" for (m, a), v in PAPER.items())
            + ". The mode-penalty paper: 999.2 / 0.19 with DCGAN nets under "
            "VEEGAN's protocol, where DCGAN has 99 / 3.40.",
            "",
            f"Curves: `{os.path.basename(stem)}_curves.png`; sample grids: "
            f"`{os.path.basename(stem)}_grids/`; every run: "
            f"`{os.path.basename(stem)}_runs.jsonl`.",
            "",
        ]
    )
    if curves and rows:
        plot_curves(rows, stem + "_curves.png")
    return text


if __name__ == "__main__":
    main()
