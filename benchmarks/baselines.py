"""The baselines' mode-collapse table: VanillaGAN and WGAN-GP on ring8, grid25.

Each (method, mixture, seed) run trains `METHODS[name].from_mlp(2, seed=seed)`
(3x128 ReLU MLPs, latent_dim 2, the method's default optimizers) for the same
number of training steps with `keras_modegan.benchmark.train_and_score`, then
scores `spec.num_eval_samples` = 2,500 generated samples (VEEGAN / MD-GAN
protocol: a mode is covered by one sample within 3 std, hq = fraction of
samples within 3 std of their nearest centre). Seconds are the wall time of
`fit` (including tracing/compilation) on a shared CPU, under the JAX backend
unless KERAS_BACKEND says otherwise. The seed-0 sample plots are written next
to the table.

Usage:

    flock /tmp/cpu.lock /work/venv/bin/python benchmarks/baselines.py \
        [--seeds 5] [--steps 1500] [--out benchmarks/results/baselines.md]
"""

import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

from keras_modegan.benchmark import format_table, train_and_score  # noqa: E402
from keras_modegan.callbacks import plot_samples  # noqa: E402
from keras_modegan.datasets import get_spec  # noqa: E402
from keras_modegan.models import METHODS  # noqa: E402
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import positive_arg

METHOD_NAMES = ("vanilla_gan", "wgan_gp")
DATA = ("ring8", "grid25")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=positive_arg(int), default=5)
    parser.add_argument("--steps", type=positive_arg(int), default=1500)
    parser.add_argument("--batch-size", type=positive_arg(int), default=256)
    parser.add_argument("--out", default="benchmarks/results/baselines.md")
    args = parser.parse_args(argv)

    results_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(results_dir, exist_ok=True)
    rows, plots = [], []
    start = time.perf_counter()
    for data in DATA:
        spec = get_spec(data)
        for method in METHOD_NAMES:
            for seed in range(args.seeds):
                built = []

                def build(data_dim, seed, method=method):
                    model = METHODS[method].from_mlp(data_dim, seed=seed)
                    model.compile()
                    built.append(model)
                    return model

                result = train_and_score(
                    build, data=data, steps=args.steps,
                    batch_size=args.batch_size, seed=seed,
                )
                result.pop("history")
                result["method"] = method
                rows.append(result)
                print(
                    f"{method:<12} {data:<7} seed {seed}: {result['modes']:>2}/"
                    f"{spec.num_modes} modes, hq {100 * result['hq']:5.1f}%, "
                    f"jsd {result['jsd']:.3f}, {result['seconds']:5.1f} s",
                    flush=True,
                )
                if seed == 0:
                    path = os.path.join(results_dir, f"baselines_{method}_{data}.png")
                    samples = built[0].generate(spec.num_eval_samples, seed=seed)
                    plot_samples(
                        samples, spec, path,
                        title=f"{method} on {data}, {args.steps} steps, seed 0: "
                        f"{result['modes']}/{spec.num_modes} modes, "
                        f"{100 * result['hq']:.1f}% hq",
                    )
                    plots.append(os.path.relpath(path))
    table = format_table(rows, columns=("modes", "hq", "jsd", "kl", "tv", "seconds"))
    total = time.perf_counter() - start
    command = "flock /tmp/cpu.lock /work/venv/bin/python benchmarks/baselines.py " + (
        " ".join(argv if argv is not None else sys.argv[1:])
    )
    text = "\n".join(
        [
            "# Baselines on the 2-D mixtures",
            "",
            f"Command: `{command.strip()}`",
            "",
            f"Backend {keras.backend.backend()}, keras {keras.__version__}; "
            f"{args.steps} training steps of batch {args.batch_size} per run, "
            f"seeds 0..{args.seeds - 1}; mean ± std over seeds; "
            f"2,500 samples scored per run (3-std rule). Total "
            f"{total / 60:.1f} min on a shared 2-core CPU.",
            "",
            table,
            "",
            "Sample plots (seed 0): " + ", ".join(f"`{p}`" for p in plots),
            "",
        ]
    )
    write_text(args.out, text)
    print()
    print(text)


if __name__ == "__main__":
    main()
