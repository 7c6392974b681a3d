"""Dist-GAN and GAAN against VanillaGAN on grid25 in the GAAN protocol.

`grid25_gaan`: 25 Gaussians on {-4,-2,0,2,4}^2 with std 0.05, 50K training
points, 2,000 generated samples scored, a mode registers with >= 20
samples within 0.1 * sqrt(2) of its centre (GAAN Table 2, Dist-GAN
supplementary Table 2). Targets: 25/25 modes in every seed, >= 1,800
registered points, TV <= 0.2 (GAAN Table 2: 25.00, 1827, 0.20).

Every method gets the same networks (3 hidden layers of 128 ReLU units for
E, G and D; z ~ U(-1, 1)^2), the same batch size (128), the same
optimizer (Adam lr 1e-3, betas (0.8, 0.999), lr x0.9 every 10K steps:
`DistGAN.default_optimizers`, decaying at the same training steps for
every player of every method) and the same number of training steps.
`--decay-counter update` counts the 10K as optimizer updates of all
players together, as the authors' 2-D code does (one TF `global_step`
incremented by each solver); with `--d-steps 5` (their 5 critic updates)
this is the authors' setup, and the one that reproduces GAAN Table 2.
By default every network works in data units with a linear generator
output. `--rescale` gives Dist-GAN and GAAN the paper's 2-D setup instead:
data rescaled to [0, 1] and sigmoid generator outputs (`data_range`); at
small step budgets it converges much more slowly (the discriminator,
penalized towards unit gradient norm in [0, 1] units, barely resolves
modes 0.24 apart with std 0.006), so it is not the default here.
Results are mean ± std over seeds, written to
`benchmarks/results/dist_gan_gaan.md`.

Ablations (the settings of GAAN Table 2 / Dist-GAN Fig. 5):
- `gaan_1`: GAAN without the autoencoder regularization W and without the
  gradient penalty (lambda_r = lambda_p = 0), against `gaan` (GAAN_2);
- `dist_gan_recon_fake` / `dist_gan_recon_none`: Dist-GAN with the
  reconstructions scored as fake / not scored, against "real".

Usage (JAX is the fastest backend on CPU). The authors' setup
(`benchmarks/results/dist_gan_gaan_authors_code.md`):

    KERAS_BACKEND=jax python benchmarks/autoencoder_gans.py --steps 20000 \
        --seeds 5 --d-steps 5 --decay-counter update \
        --methods vanilla_gan,dist_gan,gaan --workers 2 \
        --output benchmarks/results/dist_gan_gaan_authors_code.md

The papers' text (Algorithm 1's one critic update, lr decayed per 10K
steps; `benchmarks/results/dist_gan_gaan.md`):

    KERAS_BACKEND=jax python benchmarks/autoencoder_gans.py \
        --steps 30000 --seeds 5 --d-steps 1 --workers 2
"""

import argparse
import functools
import os
import sys
import time

import keras

from keras_modegan.benchmark import format_table, run_experiments
from keras_modegan.datasets import get_spec
from keras_modegan.models import GAAN, DistGAN, VanillaGAN
from keras_modegan.models.dist_gan import lr_decay_interval, paper_adam
from keras_modegan.networks import mlp
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import positive_arg

RESULTS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "results", "dist_gan_gaan.md"
)
DATA = "grid25_gaan"
HIDDEN = (128, 128, 128)
BATCH_SIZE = 128
TARGET = "25/25 modes every seed, registered >= 1800, TV <= 0.2"
PAPER = {
    "vanilla_gan": "21.50, 1876, 1.00 (GAN)",
    "gaan_1": "24.52, 1653, 0.47 (GAAN_1)",
    "gaan": "25.00, 1827, 0.20 (GAAN_2)",
}
RUNS = {
    "vanilla_gan": (VanillaGAN, {}),
    "dist_gan": (DistGAN, {}),
    "gaan": (GAAN, {}),
    "gaan_1": (GAAN, dict(lambda_r=0.0, lambda_p=0.0)),
    "dist_gan_recon_fake": (DistGAN, dict(reconstructions="fake")),
    "dist_gan_recon_none": (DistGAN, dict(reconstructions="none")),
}


def data_range(spec):
    """Symmetric range around the centres, widened by 5 std: the data map
    into [0, 1] as in the authors' code (x / max|x| + 1) / 2."""
    bound = float(abs(spec.centers).max()) + 5.0 * spec.std
    return (-bound, bound)


def vanilla_optimizers(d_steps, decay_counter):
    """Dist-GAN's optimizers for VanillaGAN's players, decaying at the same
    training steps: G updates once per step, D `d_steps` times."""
    interval = lr_decay_interval(decay_counter, d_steps)
    return {
        "generator": paper_adam(interval, 1),
        "discriminator": paper_adam(interval, d_steps),
    }


def build(data_dim, seed, method, d_steps, rescale, decay_counter="step"):
    cls, options = RUNS[method]
    if cls is VanillaGAN:
        model = VanillaGAN(
            mlp(2, data_dim, HIDDEN, name="generator"),
            mlp(data_dim, 1, HIDDEN, name="discriminator"),
            latent_dim=2,
            d_steps=d_steps,
            latent_prior="uniform",
            seed=seed,
        )
        model.compile(optimizers=vanilla_optimizers(d_steps, decay_counter))
        return model
    model = cls.from_mlp(
        data_dim,
        hidden_units=HIDDEN,
        data_range=data_range(get_spec(DATA)) if rescale else None,
        d_steps=d_steps,
        seed=seed,
        **options,
    )
    model.compile(optimizers=model.default_optimizers(decay_counter=decay_counter))
    return model

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=positive_arg(int), default=10000)
    parser.add_argument("--seeds", type=positive_arg(int), default=3)
    parser.add_argument("--d-steps", type=positive_arg(int), default=1)
    parser.add_argument("--rescale", action="store_true")
    parser.add_argument(
        "--decay-counter",
        choices=("step", "update"),
        default="step",
        help="lr x0.9 every 10K training steps (papers) or 10K optimizer "
        "updates of all players together (authors' 2-D code)",
    )
    parser.add_argument(
        "--methods", default="vanilla_gan,dist_gan,gaan,gaan_1"
    )
    parser.add_argument(
        "--workers",
        type=positive_arg(int),
        default=1,
        help="runs at once, one CPU core each",
    )
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    methods = args.methods.split(",")
    unknown = sorted(set(methods) - set(RUNS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {sorted(RUNS)}")

    runs = [
        (
            method,
            functools.partial(
                build,
                method=method,
                d_steps=args.d_steps,
                rescale=args.rescale,
                decay_counter=args.decay_counter,
            ),
            DATA,
        )
        for method in methods
    ]

    def progress(row):
        print(
            f"{row['method']} seed {row['seed']}: modes {row['modes']}, "
            f"registered {row['registered']}, tv {row['tv']:.3f}, "
            f"{row['seconds']:.0f} s",
            flush=True,
        )

    start = time.perf_counter()
    rows = run_experiments(
        runs,
        range(args.seeds),
        workers=args.workers,
        on_result=progress,
        steps=args.steps,
        batch_size=BATCH_SIZE,
    )
    total = time.perf_counter() - start
    table = format_table(rows, columns=("modes", "registered", "tv", "hq", "seconds"))
    every_seed = {
        m: sum(r["modes"] == 25 for r in rows if r["method"] == m) for m in methods
    }
    command = (
        f"KERAS_BACKEND={keras.backend.backend()} python benchmarks/"
        f"autoencoder_gans.py --steps {args.steps} --seeds {args.seeds} "
        f"--d-steps {args.d_steps} --methods {args.methods} "
        f"--decay-counter {args.decay_counter} --workers {args.workers}"
        + (" --rescale" if args.rescale else "")
        + (
            f" --output {os.path.relpath(args.output)}"
            if os.path.abspath(args.output) != RESULTS
            else ""
        )
    )
    lines = [
        "# Dist-GAN and GAAN on grid25 (GAAN protocol)",
        "",
        f"Command: `{command}`",
        "",
        f"Data `{DATA}` (50K points, 2,000 samples scored, a mode registers "
        "at >= 20 samples within 0.1 * sqrt(2)); "
        f"{args.steps} steps of batch {BATCH_SIZE}, {args.d_steps} "
        f"discriminator update(s) per step, seeds 0..{args.seeds - 1}, "
        f"{'data rescaled to [0, 1]' if args.rescale else 'data units'}, "
        "lr x0.9 every 10K "
        + ("training steps" if args.decay_counter == "step" else
           "optimizer updates of all players (authors' code)")
        + ", "
        f"backend {keras.backend.backend()}, {args.workers} run(s) at once "
        f"(one core each), total {total:.0f} s.",
        f"Target: {TARGET}.",
        "",
        table,
        "",
        "Seeds with all 25 modes: "
        + ", ".join(f"{m} {every_seed[m]}/{args.seeds}" for m in methods),
        "",
        "Paper, GAAN Table 2 (modes, registered points, TV; 8 runs, 500 "
        "epochs = ~195K steps): "
        + "; ".join(f"{k}: {v}" for k, v in PAPER.items()),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    write_text(args.output, text)
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
