"""ModePenaltyGAN vs VanillaGAN on the mode-penalty paper's mixtures.

Seed 000 (arXiv 2011.07706) Table 1 protocol (`*_mp` mixtures of
`keras_modegan.datasets`: 20,000 training points, 5,000 generated samples
scored; modes found, high-quality samples within 3 std, JSD on the
canonical grid). Both methods get the same nets (generator 3x128 ReLU,
discriminator 2x128 ReLU, the VEEGAN nets of the paper, z ~ N(0, I_2)),
the same optimizers and the same number of steps; ModePenaltyGAN also
pre-trains its autoencoder (2-D code, `--ae-epochs` epochs, timed
separately in `build_seconds`). The ablation on grid25 runs ModePenaltyGAN
without the penalty weights of Eq. 3 (w_p = 1, the paper's Fig. 6
ablation) and with lambda_p = 0 (no penalty at all).

Usage (the command that wrote benchmarks/results/mode_penalty_gan.md):

    KERAS_BACKEND=jax python benchmarks/mode_penalty_gan.py --steps 6000 \
        --seeds 5 --lr 1e-3 --beta-1 0.5 --workers 2
"""

import argparse
import functools
import os
import sys
import time

import keras

from keras_modegan.benchmark import format_table, run_experiments
from keras_modegan.datasets import load_mixture
from keras_modegan.models import ModePenaltyGAN, VanillaGAN
from keras_modegan.networks import mlp
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import positive_arg

PAPER = {  # seed 000, Table 1, "Proposed": modes, HQS %, JSD
    "ring8_mp": (8.0, 94.0, 0.04),
    "grid25_mp": (25.0, 93.1, 0.05),
    "random25_mp": (25.0, 83.4, 0.15),
    "cube27_mp": (27.0, 85.4, 0.12),
}


ABLATIONS = (
    ("mode_penalty_gan (w_p = 1, no Eq. 3)", {"use_penalty_weights": False}),
    ("mode_penalty_gan (lambda_p = 0)", {"penalty_weight": 0.0}),
)


def optimizers(lr, beta_1, lr_end=None, steps=None):
    """Adam for both players; with `lr_end`, the learning rate follows a
    cosine from `lr` to `lr_end` over the run's `steps` (one update of
    each player per step)."""
    if lr_end is not None:
        lr = keras.optimizers.schedules.CosineDecay(lr, steps, alpha=lr_end / lr)
    return {
        name: keras.optimizers.Adam(lr, beta_1=beta_1)
        for name in ("generator", "discriminator")
    }


def scale_generator_output(model, init_scale):
    """Multiplies the initial kernel of the generator's output layer by
    `init_scale` (the initial spread of G(z); Glorot's default gives about
    0.05-0.1 per coordinate with these nets, against the data's 1-3)."""
    if init_scale != 1.0:
        last = model.generator.layers[-1]
        last.kernel.assign(last.kernel * init_scale)
    return model


def build_vanilla(
    dim, seed, lr, beta_1, latent_dim, lr_end=None, steps=None, init_scale=1.0
):
    model = VanillaGAN(
        mlp(latent_dim, dim, (128, 128, 128), name="generator"),
        mlp(dim, 1, (128, 128), name="discriminator"),
        latent_dim=latent_dim,
        seed=seed,
    )
    model.compile(optimizers=optimizers(lr, beta_1, lr_end, steps))
    return scale_generator_output(model, init_scale)


def build_mode_penalty(
    dim,
    seed,
    data,
    lr,
    beta_1,
    latent_dim,
    ae_epochs,
    lr_end=None,
    steps=None,
    init_scale=1.0,
    **options,
):
    model = ModePenaltyGAN.from_mlp(dim, latent_dim=latent_dim, seed=seed, **options)
    # The same training set train_and_score draws (same name and seed); the
    # pre-training time is the row's `build_seconds`.
    x, _ = load_mixture(data, seed=seed)
    model.pretrain(x, epochs=ae_epochs, batch_size=256)
    model.compile(optimizers=optimizers(lr, beta_1, lr_end, steps))
    return scale_generator_output(model, init_scale)


def summarize(row):
    """Drops the history; keeps when the penalty switched off (mode
    penalty rows)."""
    history = row.pop("history")
    if "hq" in history:  # --curves: ModeCoverage after every tenth.
        row["curve"] = list(zip(history["modes"], history["hq"]))
    if "penalty_active" in history:
        # Epoch (of 10) whose mean flag first drops below 1, or None.
        off = [i for i, a in enumerate(history["penalty_active"]) if a < 1.0]
        row["penalty_off_epoch"] = off[0] + 1 if off else None
        row["coverage"] = history["coverage"][-1]
    print(
        f"{row['method']:36s} {row['data']:12s} seed {row['seed']}: modes "
        f"{row['modes']}, hq {100 * row['hq']:.1f}%, jsd {row['jsd']:.3f}, "
        f"{row['seconds']:.0f} s"
        + (
            f" (+ AE {row['build_seconds']:.0f} s, penalty off after epoch "
            f"{row['penalty_off_epoch']} of 10)"
            if "coverage" in row
            else ""
        ),
        flush=True,
    )


def write_results(rows, args, argv, total):
    table = format_table(
        rows,
        group_by=("data", "method"),
        columns=("modes", "hq", "jsd", "kl", "seconds"),
    )
    extra = [
        "| data | method | seed | AE seconds | penalty off after epoch (of 10) "
        "| coverage (last epoch) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        if "coverage" in row:
            extra.append(
                f"| {row['data']} | {row['method']} | {row['seed']} | "
                f"{row['build_seconds']:.1f} | {row['penalty_off_epoch'] or 'never'} "
                f"| {row['coverage']:.3f} |"
            )
    curves = []
    if any("curve" in row for row in rows):
        tenths = args.steps // 10
        curves = [
            "Learning curves (`--curves`): modes / HQS % after each tenth of "
            f"training ({tenths} steps), mean over seeds:",
            "",
            "| data | method | "
            + " | ".join(str(tenths * (i + 1)) for i in range(10))
            + " |",
            "| --- | --- | " + " | ".join("---" for _ in range(10)) + " |",
        ]
        groups = {}
        for row in rows:
            groups.setdefault((row["data"], row["method"]), []).append(row["curve"])
        for (data, method), runs in groups.items():
            cells = []
            for i in range(10):
                modes = sum(run[i][0] for run in runs) / len(runs)
                hq = 100 * sum(run[i][1] for run in runs) / len(runs)
                cells.append(f"{modes:.1f} / {hq:.0f}")
            curves.append(f"| {data} | {method} | " + " | ".join(cells) + " |")
        curves += [""]
    paper = ["| data | modes | HQS | JSD |", "| --- | --- | --- | --- |"]
    paper += [
        f"| {d} | {m:.1f} | {h:.1f}% | {j:.2f} |" for d, (m, h, j) in PAPER.items()
    ]
    command = "KERAS_BACKEND=jax python benchmarks/mode_penalty_gan.py"
    if argv is None and len(sys.argv) > 1:
        command += " " + " ".join(sys.argv[1:])
    text = "\n".join(
        [
            "# ModePenaltyGAN vs VanillaGAN (seed 000 Table 1 protocol)",
            "",
            f"Command: `{command}`",
            "",
            f"Backend {keras.backend.backend()}, {args.steps} steps of batch "
            f"{args.batch_size} per run, seeds 0..{args.seeds - 1}, Adam "
            f"lr {args.lr}"
            + (
                f" decayed along a cosine to {args.lr_end}"
                if args.lr_end is not None
                else ""
            )
            + f", beta_1 {args.beta_1} (both players, both "
            f"methods), lambda_p {args.penalty_weight}, penalty off at "
            f"coverage {args.coverage_threshold}"
            + (
                f" (radius {args.coverage_radius})"
                if args.coverage_radius is not None
                else ""
            )
            + f", k {args.history_length}, N {args.num_modes} target modes"
            + f", latent dim {args.latent_dim}, generator output init x"
            f"{args.generator_init_scale}, autoencoder {args.ae_epochs} epochs, "
            f"{args.workers} run(s) at once (one core each). "
            f"Total wall time {total:.0f} s. `hq` = HQS, `seconds` = fit "
            "wall time (the autoencoder's is listed below).",
            "",
            table,
            "",
            "Autoencoder pre-training and penalty switch-off per run:",
            "",
            "\n".join(extra),
            "",
            *curves,
            'Seed 000 Table 1 ("Proposed") for comparison:',
            "",
            "\n".join(paper),
            "",
        ]
    )
    print(text, flush=True)
    write_text(args.out, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=["grid25_mp", "ring8_mp", "random25_mp", "cube27_mp"],
    )
    parser.add_argument("--steps", type=positive_arg(int), default=4000)
    parser.add_argument("--seeds", type=positive_arg(int), default=2)
    parser.add_argument("--batch-size", type=positive_arg(int), default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--beta-1", type=float, default=0.9)
    parser.add_argument(
        "--lr-end",
        type=float,
        default=None,
        help="if given, the learning rate decays from --lr to this value "
        "along a cosine over the run (both players, both methods)",
    )
    parser.add_argument("--penalty-weight", type=float, default=3.0)
    parser.add_argument(
        "--coverage-threshold",
        type=float,
        default=0.97,
        help="share of target modes covered at which the penalty switches off",
    )
    parser.add_argument(
        "--coverage-radius",
        type=float,
        default=None,
        help="coverage radius in normalized code units (default: calibrated "
        "by the model)",
    )
    parser.add_argument(
        "--history-length",
        type=positive_arg(int),
        default=10,
        help="k of Eq. 3 (window of the penalty weights and of the switch-off)",
    )
    parser.add_argument(
        "--num-modes",
        type=positive_arg(int),
        default=500,
        help="target modes N, and generated samples matched to them per step",
    )
    parser.add_argument("--latent-dim", type=positive_arg(int), default=2)
    parser.add_argument(
        "--generator-init-scale",
        type=positive_arg(float),
        default=1.0,
        help="factor on the initial kernel of the generator's output layer "
        "(both methods)",
    )
    parser.add_argument("--ae-epochs", type=positive_arg(int), default=3)
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument(
        "--curves",
        action="store_true",
        help="score every run after each tenth of training (learning curves)",
    )
    parser.add_argument(
        "--workers",
        type=positive_arg(int),
        default=1,
        help="runs at once, one CPU core each",
    )
    parser.add_argument(
        "--out",
        default=os.path.join(
            os.path.dirname(__file__), "results", "mode_penalty_gan.md"
        ),
    )
    args = parser.parse_args(argv)

    if args.lr_end is not None and not 0 < args.lr_end <= args.lr:
        parser.error(f"--lr-end must be in (0, --lr]. Received: {args.lr_end}")
    common = dict(
        lr=args.lr,
        beta_1=args.beta_1,
        latent_dim=args.latent_dim,
        lr_end=args.lr_end,
        steps=args.steps,
        init_scale=args.generator_init_scale,
    )
    runs = []
    for data in args.data:
        runs.append(("vanilla_gan", functools.partial(build_vanilla, **common), data))
        variants = [("mode_penalty_gan", {})]
        if data == "grid25_mp" and not args.no_ablation:
            variants += list(ABLATIONS)
        for method, options in variants:
            options = dict(
                {
                    "penalty_weight": args.penalty_weight,
                    "coverage_threshold": args.coverage_threshold,
                    "coverage_radius": args.coverage_radius,
                    "history_length": args.history_length,
                    "num_modes": args.num_modes,
                },
                **options,
            )
            build = functools.partial(
                build_mode_penalty,
                data=data,
                ae_epochs=args.ae_epochs,
                **common,
                **options,
            )
            runs.append((method, build, data))
    start = time.perf_counter()
    rows = run_experiments(
        runs,
        range(args.seeds),
        workers=args.workers,
        on_result=summarize,
        steps=args.steps,
        batch_size=args.batch_size,
        fit_kwargs={"epochs": 10},
        coverage_every=1 if args.curves else None,
    )
    write_results(rows, args, argv, time.perf_counter() - start)
    return rows


if __name__ == "__main__":
    main()
