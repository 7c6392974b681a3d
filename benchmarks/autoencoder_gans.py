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
every optimizer of every method) and the same number of training steps.

Two setups (`--setup`), each run in one or more settings (`--settings`,
several side by side in one table):

- `--setup paper`: the papers' text. Algorithm 1's one critic update per
  step, lr x0.9 every 10K training steps.
- `--setup authors_code`: the authors' 2-D code (github.com/tntrung/gan,
  `distgan_toy2d/distgan_toy2d.py`): 5 critic updates per step, lr x0.9
  every 10K optimizer updates of all players together (one TF
  `global_step` incremented by each of its three solvers).

Settings:

- `old`: this benchmark as it ran before issue #20, in the setup's critic
  steps and decay: data in data units, linear generator output, penalty
  `(||grad||_2 - 1)^2` (WGAN-GP's form), one optimizer per player (G's
  autoencoder and adversarial updates share one Adam), Fig. 5's
  reconstruction ablation on the full Dist-GAN (lambda_r = lambda_p = 0.1).
- `new`: the setup itself. With `--setup paper`: data rescaled to [0, 1],
  sigmoid generator output, Eq. 5's penalty `(||grad||_2^2 - 1)^2`, one
  optimizer per update (the authors' separate solvers; the papers do not
  say). With `--setup authors_code`: data rescaled to [0, 1] as the code
  does, sigmoid generator output, the code's penalty
  `(sqrt(mean(grad^2)) - 1)^2`, reconstructions scored as fake with
  weight 0.5 (the code's `d_loss_recon` has label 0), the code's kernel
  initializer N(0, 2 / fan_in), one optimizer per update (its three
  solvers); the differences that remain are listed in the output file
  (`AUTHORS_CODE_DIFFERENCES`). In both, Fig. 5's reconstruction ablation
  runs on Dist-GAN_1 (lambda_r = lambda_p = 0), as the paper's does.
- Probes, `new` with one knob set back to its `old` value:
  `new_norm_penalty` (penalty `(||grad||_2 - 1)^2`), `new_data_units` (data
  units, linear generator output), `new_shared_optimizers` (one optimizer
  per player).

In the table the `new` rows are labelled by their setup (`paper` or
`authors' code`), the `old` rows `old`. VanillaGAN has no data scale or
penalty: it runs once per table (setting `-`), with the setup's critic
steps and decay.

Methods (`--methods`):
- `vanilla_gan`, `dist_gan`, `gaan` (GAAN_2);
- `gaan_1`: GAAN without the autoencoder regularization W and without the
  gradient penalty (lambda_r = lambda_p = 0), GAAN Table 2;
- `dist_gan_1`, `dist_gan_recon_fake`, `dist_gan_recon_none`: Dist-GAN
  Fig. 5, reconstructions scored as real / fake / not at all (in the
  `new` setting all three are Dist-GAN_1; in `old` the last two kept
  lambda_r = lambda_p = 0.1 and `dist_gan_1` is Dist-GAN_1).

Results are mean ± std over seeds, written to
`benchmarks/results/dist_gan_gaan.md` unless `--output` says otherwise.

Usage (JAX is the fastest backend on CPU), both settings side by side:

    KERAS_BACKEND=jax python benchmarks/autoencoder_gans.py --setup paper \\
        --settings old,new --steps 30000 --seeds 5 \\
        --methods vanilla_gan,dist_gan,gaan --workers 2 \\
        --output benchmarks/results/dist_gan_gaan_settings.md
    KERAS_BACKEND=jax python benchmarks/autoencoder_gans.py --setup paper \\
        --settings old,new --steps 30000 --seeds 5 --methods gaan_1 \\
        --workers 2 --output benchmarks/results/gaan_1_settings.md
    KERAS_BACKEND=jax python benchmarks/autoencoder_gans.py \\
        --setup authors_code --settings old,new --steps 30000 --seeds 5 \\
        --methods dist_gan,gaan --workers 2 \\
        --output benchmarks/results/dist_gan_gaan_authors_code_settings.md

The tables before #20 came from the `old` setting: `--setup paper
--settings old` (`dist_gan_gaan.md`), `--setup authors_code --settings old`
(`dist_gan_gaan_authors_code_30k.md`,
`probes/dist_gan_gaan_authors_code.md`, `dist_gan_reconstructions.md`).
`--d-steps` and `--decay-counter` override the setup's values.
"""

import argparse
import functools
import os
import sys
import time

import keras
import numpy as np

from keras_modegan.benchmark import format_table, run_experiments
from keras_modegan.datasets import load_mixture
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
LATENT_DIM = 2
BATCH_SIZE = 128
TARGET = "25/25 modes every seed, registered >= 1800, TV <= 0.2"
PAPER = {
    "vanilla_gan": "21.50, 1876, 1.00 (GAN)",
    "gaan_1": "24.52, 1653, 0.47 (GAAN_1)",
    "gaan": "25.00, 1827, 0.20 (GAAN_2)",
}
# method -> (class, constructor options).
RUNS = {
    "vanilla_gan": (VanillaGAN, {}),
    "dist_gan": (DistGAN, {}),
    "gaan": (GAAN, {}),
    "gaan_1": (GAAN, dict(lambda_r=0.0, lambda_p=0.0)),
    "dist_gan_1": (DistGAN, dict(reconstructions="real", lambda_r=0.0,
                                 lambda_p=0.0)),
    "dist_gan_recon_fake": (DistGAN, dict(reconstructions="fake")),
    "dist_gan_recon_none": (DistGAN, dict(reconstructions="none")),
}
# Dist-GAN Fig. 5's reconstruction ablation, on Dist-GAN_1 in `new`.
FIG5_ABLATION = ("dist_gan_recon_fake", "dist_gan_recon_none")
SETUPS = {
    "paper": dict(label="paper", d_steps=1, decay_counter="step"),
    "authors_code": dict(label="authors' code", d_steps=5, decay_counter="update"),
}
# Probes of why `new` does worse than `old` in the paper setup: `new` with
# one knob set back to its `old` value each (docs § Dist-GAN and GAAN).
PROBES = {
    "new_norm_penalty": dict(options=dict(penalty_form="norm")),
    "new_data_units": dict(rescale=False),
    "new_shared_optimizers": dict(options=dict(optimizers_per="player")),
}
SETTINGS = ("old", "new", *PROBES)
# What each (setup, setting) sets: constructor options, whether the data are
# rescaled to [0, 1] (with a sigmoid generator output), the kernel
# initializer of every network.
OLD = dict(
    options=dict(penalty_form="norm", penalty_norm="l2", optimizers_per="player"),
    rescale=False,
    initializer="glorot_uniform",
    fig5_on_dist_gan_1=False,
)
NEW = {
    "paper": dict(
        options=dict(
            penalty_form="squared_norm", penalty_norm="l2", optimizers_per="update"
        ),
        rescale=True,
        initializer="glorot_uniform",
        fig5_on_dist_gan_1=True,
    ),
    "authors_code": dict(
        options=dict(
            penalty_form="norm",
            penalty_norm="rms",
            reconstructions="fake",
            reconstruction_weight=0.5,
            optimizers_per="update",
        ),
        rescale=True,
        # theta_def's xavier_init: N(0, stddev 1 / sqrt(fan_in / 2)).
        initializer=dict(
            class_name="VarianceScaling",
            config=dict(scale=2.0, mode="fan_in", distribution="untruncated_normal"),
        ),
        fig5_on_dist_gan_1=True,
    ),
}
PAPER_CHOICES = (
    "the papers say 'sigmoid for output layers' but not how the data are "
    "mapped to [0, 1]; as the authors' code, x -> (x / max|x| + 1) / 2 over "
    "the run's training data",
    "optimizers: the papers give Adam lr 1e-3, beta_1 0.8; beta_2 0.999 and "
    "one optimizer per update are the authors' code's",
    "kernel initializer: not given; Keras's glorot_uniform",
)
AUTHORS_CODE_DIFFERENCES = (
    "D loss: the code's is `(d_loss_real + d_loss_recon) * 0.5 + "
    "d_loss_fake`; here the real term weighs 1, not 0.5 (reconstructions "
    "as fake with weight 0.5, G(z) with weight 1, as in the code)",
    "L_R: the code's is the sigmoid cross-entropy of G's logits against x "
    "in [0, 1]; here the mean squared error of G's sigmoid output",
    "critic updates: the code draws a fresh real batch for each of its 5; "
    "here all updates of a step use the step's batch",
    "Adam epsilon: TF 1's 1e-8 in the code, Keras's 1e-7 here",
    "data scale: the code divides by the signed value of largest magnitude "
    "(`maxabs`), here by max|x| (the same up to a reflection of the grid)",
    "gaan rows: the authors' GAAN 2-D code (`gaan_toy2d.py`, removed in "
    "6aedfd0) is their Dist-GAN program (score-distance generator loss, f "
    "on G(E(x))); the gaan rows keep the GAAN paper's generator loss and f",
    "budget: the code trains 500 epochs (~195K steps)",
)


def setting_spec(setup, setting):
    """The dict of `OLD` / `NEW[setup]` for a setting name; a probe is
    `NEW[setup]` with the probe's entries set over it."""
    if setting == "old":
        return OLD
    spec = dict(NEW[setup])
    probe = PROBES.get(setting, {})
    spec["options"] = {**spec["options"], **probe.get("options", {})}
    spec.update({k: v for k, v in probe.items() if k != "options"})
    return spec


def unit_range(seed):
    """`(-m, m)` with m = max|x| over the run's training data (the draw of
    `train_and_score` with the same seed): the networks see
    `(x / m + 1) / 2`, the authors' `normalize_toydata`."""
    x, _ = load_mixture(DATA, seed=seed)
    bound = float(np.abs(x).max())
    return (-bound, bound)


def vanilla_optimizers(d_steps, decay_counter):
    """Dist-GAN's optimizers for VanillaGAN's players, decaying at the same
    training steps: G updates once per step, D `d_steps` times."""
    interval = lr_decay_interval(decay_counter, d_steps)
    return {
        "generator": paper_adam(interval, 1),
        "discriminator": paper_adam(interval, d_steps),
    }


def build(data_dim, seed, method, setup, setting, d_steps, decay_counter):
    """`train_and_score` builder (module level, so worker processes can
    unpickle a `functools.partial` of it)."""
    cls, method_options = RUNS[method]
    if cls is VanillaGAN:
        model = VanillaGAN(
            mlp(LATENT_DIM, data_dim, HIDDEN, name="generator"),
            mlp(data_dim, 1, HIDDEN, name="discriminator"),
            latent_dim=LATENT_DIM,
            d_steps=d_steps,
            latent_prior="uniform",
            seed=seed,
        )
        model.compile(optimizers=vanilla_optimizers(d_steps, decay_counter))
        return model
    spec = setting_spec(setup, setting)
    options = dict(lambda_r=0.1, lambda_p=0.1)  # the papers' 2-D values
    options.update(spec["options"])
    options.update(method_options)
    if method in FIG5_ABLATION and spec["fig5_on_dist_gan_1"]:
        options.update(lambda_r=0.0, lambda_p=0.0)  # Dist-GAN_1
    init = spec["initializer"]  # a config: every layer gets its own instance
    # The order of `DistGAN.from_mlp`: E, G, D.
    encoder = mlp(data_dim, LATENT_DIM, HIDDEN, kernel_initializer=init,
                  name="encoder")
    generator = mlp(
        LATENT_DIM, data_dim, HIDDEN, kernel_initializer=init,
        output_activation="sigmoid" if spec["rescale"] else None,
        name="generator",
    )
    discriminator = mlp(data_dim, 1, HIDDEN, kernel_initializer=init,
                        name="discriminator")
    model = cls(
        encoder,
        generator,
        discriminator,
        latent_dim=LATENT_DIM,
        data_range=unit_range(seed) if spec["rescale"] else None,
        d_steps=d_steps,
        seed=seed,
        **options,
    )
    model.compile(optimizers=model.default_optimizers(decay_counter=decay_counter))
    return model


def _names(text, choices, what):
    names = [n for n in text.split(",") if n]
    unknown = sorted(set(names) - set(choices))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {unknown or text!r}; choose from {sorted(choices)}"
        )
    return names


def runs_for(methods, setup, settings, d_steps, decay_counter):
    """`(label, build_fn, data)` triples; labels are `method@setting`
    (VanillaGAN once, setting `-`)."""
    runs = []
    for method in methods:
        names = ["-"] if RUNS[method][0] is VanillaGAN else settings
        for setting in names:
            runs.append((
                f"{method}@{setting}",
                functools.partial(
                    build, method=method, setup=setup, setting=setting,
                    d_steps=d_steps, decay_counter=decay_counter,
                ),
                DATA,
            ))
    return runs


def _setting_line(setup, setting):
    if setting == "old":
        return ("`old`: data units, linear G output, penalty (||grad||_2 - 1)^2, "
                "one optimizer per player, Fig. 5 ablation at lambda_r = "
                "lambda_p = 0.1 (this benchmark before #20)")
    if setting in PROBES:
        return (f"`{setting}`: `new` with {PROBES[setting]} (its `old` "
                "value), everything else as `new`")
    spec = NEW[setup]
    return (f"`new`, rows `{SETUPS[setup]['label']}`: data in [0, 1] "
            f"(x / max|x| + 1) / 2, sigmoid G output, options "
            f"{spec['options']}, kernel initializer {spec['initializer']}, "
            "Fig. 5 ablation on Dist-GAN_1 (lambda_r = lambda_p = 0)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=positive_arg(int), default=10000)
    parser.add_argument("--seeds", type=positive_arg(int), default=3)
    parser.add_argument("--setup", choices=sorted(SETUPS), default="paper")
    parser.add_argument(
        "--settings",
        type=lambda t: _names(t, SETTINGS, "settings"),
        default=["new"],
        help="comma-separated, run side by side: old (before #20), new, "
        "or a probe (new with one knob set back: " + ", ".join(PROBES) + ")",
    )
    parser.add_argument("--d-steps", type=positive_arg(int), default=None,
                        help="critic updates per step (default: the setup's)")
    parser.add_argument(
        "--decay-counter",
        choices=("step", "update"),
        default=None,
        help="lr x0.9 every 10K training steps (papers) or 10K optimizer "
        "updates of all players together (authors' 2-D code); default: the "
        "setup's",
    )
    parser.add_argument(
        "--methods",
        type=lambda t: _names(t, RUNS, "methods"),
        default=["vanilla_gan", "dist_gan", "gaan", "gaan_1"],
    )
    parser.add_argument(
        "--workers",
        type=positive_arg(int),
        default=1,
        help="runs at once, one CPU core each",
    )
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    setup = SETUPS[args.setup]
    d_steps = args.d_steps or setup["d_steps"]
    decay_counter = args.decay_counter or setup["decay_counter"]
    methods, settings = args.methods, args.settings

    def progress(row):
        print(
            f"{row['method']} seed {row['seed']}: modes {row['modes']}, "
            f"registered {row['registered']}, tv {row['tv']:.3f}, "
            f"{row['seconds']:.0f} s",
            flush=True,
        )

    start = time.perf_counter()
    rows = run_experiments(
        runs_for(methods, args.setup, settings, d_steps, decay_counter),
        range(args.seeds),
        workers=args.workers,
        on_result=progress,
        steps=args.steps,
        batch_size=BATCH_SIZE,
    )
    total = time.perf_counter() - start
    for row in rows:
        # The `new` rows are labelled by their setup: "paper" or "authors' code".
        row["method"], setting = row["method"].split("@")
        row["setting"] = setup["label"] if setting == "new" else setting
    table = format_table(
        rows,
        group_by=("method", "setting", "data"),
        columns=("modes", "registered", "tv", "hq", "seconds"),
    )
    every_seed = {}
    for row in rows:
        key = f"{row['method']} ({row['setting']})"
        every_seed[key] = every_seed.get(key, 0) + (row["modes"] == 25)
    command = (
        f"KERAS_BACKEND={keras.backend.backend()} python benchmarks/"
        f"autoencoder_gans.py --setup {args.setup} --settings "
        f"{','.join(settings)} --steps {args.steps} --seeds {args.seeds} "
        f"--methods {','.join(methods)} --workers {args.workers}"
        + (f" --d-steps {args.d_steps}" if args.d_steps else "")
        + (f" --decay-counter {args.decay_counter}" if args.decay_counter else "")
        + (
            f" --output {os.path.relpath(args.output)}"
            if os.path.abspath(args.output) != RESULTS
            else ""
        )
    )
    lines = [
        f"# Dist-GAN and GAAN on grid25 (GAAN protocol), setup: {setup['label']}",
        "",
        f"Command: `{command}`",
        "",
        f"Data `{DATA}` (50K points, 2,000 samples scored, a mode registers "
        "at >= 20 samples within 0.1 * sqrt(2)); "
        f"{args.steps} steps of batch {BATCH_SIZE}, {d_steps} "
        f"discriminator update(s) per step, seeds 0..{args.seeds - 1}, "
        "lr x0.9 every 10K "
        + ("training steps" if decay_counter == "step" else
           "optimizer updates of all players (authors' code)")
        + ", "
        f"backend {keras.backend.backend()}, {args.workers} run(s) at once "
        f"(one core each), total {total:.0f} s.",
        f"Target: {TARGET}.",
        "",
        "Settings:",
        "",
    ]
    lines += [f"- {_setting_line(args.setup, s)}" for s in settings]
    if any(s != "old" for s in settings):
        notes = (PAPER_CHOICES if args.setup == "paper"
                 else AUTHORS_CODE_DIFFERENCES)
        lines += [
            "",
            "Choices the papers leave open:" if args.setup == "paper"
            else "Differences from the authors' code that remain:",
            "",
        ] + [f"- {note}" for note in notes]
    lines += [
        "",
        table,
        "",
        "Seeds with all 25 modes: "
        + ", ".join(f"{k} {v}/{args.seeds}" for k, v in every_seed.items()),
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
