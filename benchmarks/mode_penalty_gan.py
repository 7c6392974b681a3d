"""ModePenaltyGAN vs VanillaGAN on the mode-penalty paper's mixtures.

Seed 000 (arXiv 2011.07706) Table 1 protocol (`*_mp` mixtures of
`keras_modegan.datasets`: 20,000 training points, 5,000 generated samples
scored; modes found, high-quality samples within 3 std, JSD on the
canonical grid). Both methods get the same nets (generator 3x128 ReLU,
discriminator 2x128 ReLU, the VEEGAN nets of the paper, z ~ N(0, I_2)),
the same optimizers and the same number of steps; ModePenaltyGAN also
pre-trains its autoencoder (2-D code, `--ae-epochs` epochs, timed
separately in `ae_seconds`). The ablation on grid25 runs ModePenaltyGAN
without the penalty weights of Eq. 3 (w_p = 1, the paper's Fig. 6
ablation) and with lambda_p = 0 (no penalty at all).

Usage (the command that wrote benchmarks/results/mode_penalty_gan.md):

    KERAS_BACKEND=jax flock /tmp/cpu.lock python benchmarks/mode_penalty_gan.py
"""

import argparse
import os
import sys
import time

import keras

from keras_modegan.benchmark import format_table, train_and_score
from keras_modegan.datasets import load_mixture
from keras_modegan.models import ModePenaltyGAN, VanillaGAN
from keras_modegan.networks import mlp

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


def optimizers(args):
    return {
        name: keras.optimizers.Adam(args.lr, beta_1=args.beta_1)
        for name in ("generator", "discriminator")
    }


def vanilla_builder(args):
    def build(dim, seed):
        model = VanillaGAN(
            mlp(args.latent_dim, dim, (128, 128, 128), name="generator"),
            mlp(dim, 1, (128, 128), name="discriminator"),
            latent_dim=args.latent_dim,
            seed=seed,
        )
        model.compile(optimizers=optimizers(args))
        return model

    return build


def mode_penalty_builder(args, data, info, **options):
    def build(dim, seed):
        options.setdefault("penalty_weight", args.penalty_weight)
        model = ModePenaltyGAN.from_mlp(
            dim, latent_dim=args.latent_dim, seed=seed, **options
        )
        # The same training set train_and_score draws (same name and seed).
        x, _ = load_mixture(data, seed=seed)
        start = time.perf_counter()
        model.pretrain(x, epochs=args.ae_epochs, batch_size=256)
        info["ae_seconds"] = time.perf_counter() - start
        model.compile(optimizers=optimizers(args))
        info["model"] = model
        return model

    return build


def run(method, build, data, args, info=None):
    rows = []
    for seed in range(args.seeds):
        info = {} if info is None else info
        result = train_and_score(
            build,
            data,
            steps=args.steps,
            batch_size=args.batch_size,
            seed=seed,
            fit_kwargs={"epochs": 10},
        )
        history = result.pop("history")
        row = dict(result, method=method)
        if "ae_seconds" in info:
            row["ae_seconds"] = info.pop("ae_seconds")
            active = history["penalty_active"]
            # Epoch (of 10) whose mean flag first drops below 1, or "-".
            off = [i for i, a in enumerate(active) if a < 1.0]
            row["penalty_off_epoch"] = off[0] + 1 if off else None
            row["coverage"] = history["coverage"][-1]
        rows.append(row)
        print(
            f"{method:36s} {data:12s} seed {seed}: modes {row['modes']}, "
            f"hq {100 * row['hq']:.1f}%, jsd {row['jsd']:.3f}, "
            f"{row['seconds']:.0f} s"
            + (
                f" (+ AE {row['ae_seconds']:.0f} s, penalty off after epoch "
                f"{row['penalty_off_epoch']} of 10)"
                if "ae_seconds" in row
                else ""
            ),
            flush=True,
        )
    return rows


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
        if "ae_seconds" in row:
            extra.append(
                f"| {row['data']} | {row['method']} | {row['seed']} | "
                f"{row['ae_seconds']:.1f} | {row['penalty_off_epoch'] or 'never'} "
                f"| {row['coverage']:.3f} |"
            )
    paper = ["| data | modes | HQS | JSD |", "| --- | --- | --- | --- |"]
    paper += [
        f"| {d} | {m:.1f} | {h:.1f}% | {j:.2f} |" for d, (m, h, j) in PAPER.items()
    ]
    command = (
        "KERAS_BACKEND=jax flock /tmp/cpu.lock python benchmarks/mode_penalty_gan.py"
    )
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
            f"lr {args.lr}, beta_1 {args.beta_1} (both players, both "
            f"methods), lambda_p {args.penalty_weight}, latent dim "
            f"{args.latent_dim}, autoencoder {args.ae_epochs} epochs. "
            f"Wall time so far {total:.0f} s. `hq` = HQS, `seconds` = fit "
            "wall time (the autoencoder's is listed below).",
            "",
            table,
            "",
            "Autoencoder pre-training and penalty switch-off per run:",
            "",
            "\n".join(extra),
            "",
            "Seed 000 Table 1 (\"Proposed\") for comparison:",
            "",
            "\n".join(paper),
            "",
        ]
    )
    print(text, flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=["grid25_mp", "ring8_mp", "random25_mp", "cube27_mp"],
    )
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--beta-1", type=float, default=0.9)
    parser.add_argument("--penalty-weight", type=float, default=3.0)
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--ae-epochs", type=int, default=3)
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument(
        "--out",
        default=os.path.join(
            os.path.dirname(__file__), "results", "mode_penalty_gan.md"
        ),
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rows = []
    # The table is rewritten after every group of runs, so an interrupted
    # run leaves the groups it finished.
    for data in args.data:
        rows += run("vanilla_gan", vanilla_builder(args), data, args)
        info = {}
        rows += run(
            "mode_penalty_gan",
            mode_penalty_builder(args, data, info),
            data,
            args,
            info,
        )
        write_results(rows, args, argv, time.perf_counter() - start)
        if data == "grid25_mp" and not args.no_ablation:
            for label, options in ABLATIONS:
                info = {}
                rows += run(
                    label, mode_penalty_builder(args, data, info, **options), data,
                    args, info,
                )
                write_results(rows, args, argv, time.perf_counter() - start)
    return rows


if __name__ == "__main__":
    main()
