"""Reg-GAN and MDGAN (Che et al. 2017) against VanillaGAN on 2-D mixtures.

Every method gets the same networks (the paper's Appendix C nets: G with two
hidden ReLU layers of 128 units on 3-D uniform noise, D with one hidden ReLU
layer of 128 units; the encoder mirrors G and MDGAN's second discriminator
copies D's architecture), the same optimizer for every player, the same
batch size and the same number of training steps. Results are mean ± std
over seeds, written to `benchmarks/results/mode_regularized_gans.md`.

Runs:
- circle6 (Appendix C) and grid25: VanillaGAN, RegularizedGAN, MDGAN, the
  last in each setting of `--settings` side by side (comma-separated):
  `old`, MDGAN as it ran before issue #20 (one optimizer per player: G's
  manifold and diffusion updates share one Adam); `new`, one optimizer
  per update (the default since #20; the Dist-GAN authors' MDGAN baseline
  keeps separate solvers); `distance`, as `new` with lambda on the
  distance term (Sec. 3.3) instead of on `log D1` (Appendix A, the
  default). VanillaGAN and Reg-GAN (one update per player, so the two
  optimizer layouts are the same Adam steps) run once, setting `-`;
- grid25 ablation of the regularizers (Sec. 3.1-3.2): Reg-GAN without the
  mode regularizer (lambda2 = 0), without the metric regularizer
  (lambda1 = 0), and with neither (lambda1 = lambda2 = 0, a plain GAN whose
  encoder learns nothing).

Columns: those of `keras_modegan.metrics.mode_coverage` on the mixture's
protocol (2,500 samples, a mode is covered by >= 1 sample within 3 std,
`hq` the fraction of such samples), plus `modes20`: modes with >= 20 of
those same 2,500 samples within 3 std, which a diffuse generator that
scatters a few samples everywhere does not pass.

Usage (JAX is the fastest backend on CPU; `--workers 2` runs two trainings
at once, one per core):

    KERAS_BACKEND=jax python benchmarks/mode_regularized_gans.py
    KERAS_BACKEND=jax python benchmarks/mode_regularized_gans.py \
        --steps 20000 --workers 2 --lr-end 1e-5 \
        --output benchmarks/results/mode_regularized_gans_cosine_20k.md

The tables before #20 are the `old` setting (`--settings old`); old and
new side by side, e.g. circle6 at Appendix C's learning rate:

    KERAS_BACKEND=jax python benchmarks/mode_regularized_gans.py \
        --steps 60000 --workers 2 --lr 1e-4 --data circle6 --no-ablation \
        --settings old,new \
        --output benchmarks/results/mode_regularized_gans_circle6_lr1e-4_60k_settings.md
"""

import argparse
import functools
import os
import sys
import time

import keras

from keras_modegan.benchmark import TABLE_COLUMNS, format_table, run_experiments
from keras_modegan.models import ManifoldDiffusionGAN, RegularizedGAN, VanillaGAN
from keras_modegan.networks import mlp
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import positive_arg

LATENT_DIM = 3
# MDGAN's constructor options in each setting.
SETTINGS = {
    "old": dict(optimizers_per="player", lambda_on="log_d1"),
    "new": dict(optimizers_per="update", lambda_on="log_d1"),
    "distance": dict(optimizers_per="update", lambda_on="distance"),
}


def _nets(data_dim, *names, generator_units=(128, 128), discriminator_units=(128,)):
    specs = {
        "generator": (LATENT_DIM, data_dim, generator_units),
        "encoder": (data_dim, LATENT_DIM, generator_units),
        "discriminator": (data_dim, 1, discriminator_units),
        "manifold_discriminator": (data_dim, 1, discriminator_units),
    }
    return {n: mlp(*specs[n], name=n) for n in names}


def build(
    data_dim,
    seed,
    method,
    lr,
    beta_1,
    beta_2,
    lr_end=None,
    steps=None,
    units=None,
    **options,
):
    """`train_and_score` builder; module-level so worker processes can
    unpickle it (`functools.partial` fixes everything but the data and the
    seed). With `lr_end`, every optimizer's learning rate follows a cosine
    from `lr` to `lr_end` over its updates in `steps` steps (with one
    optimizer per player, MDGAN's generator's updates twice a step, in the
    manifold and the diffusion step). `units`: optional dict of `_nets`
    keyword arguments (hidden widths)."""
    common = dict(latent_dim=LATENT_DIM, latent_prior="uniform", seed=seed)
    if method == "vanilla_gan":
        nets = _nets(data_dim, "generator", "discriminator", **(units or {}))
        model = VanillaGAN(**nets, **common)
    elif method == "regularized_gan":
        nets = _nets(data_dim, "generator", "encoder", "discriminator", **(units or {}))
        model = RegularizedGAN(**nets, **common, **options)
    else:
        nets = _nets(
            data_dim, "generator", "encoder", "discriminator",
            "manifold_discriminator", **(units or {}),
        )
        model = ManifoldDiffusionGAN(**nets, **common, **options)

    def per_step(name):
        """Updates per training step of optimizer `name`."""
        if model.optimizers_per == "update":
            return 1
        return sum(name in players for players in model.update_players.values())

    def schedule(name):
        if lr_end is None:
            return lr
        updates = steps * per_step(name)
        return keras.optimizers.schedules.CosineDecay(lr, updates, alpha=lr_end / lr)

    model.compile(optimizers={
        name: keras.optimizers.Adam(schedule(name), beta_1=beta_1, beta_2=beta_2)
        for name in model.optimizer_names
    })
    return model


def _widths(text):
    """argparse type: `"128,128"` -> `(128, 128)`."""
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise argparse.ArgumentTypeError(
            f"takes comma-separated positive ints (e.g. 128,128), not {text!r}"
        )
    return widths


def _settings(text):
    """argparse type: `"old,new"` -> `["old", "new"]`."""
    names = [n for n in text.split(",") if n]
    unknown = sorted(set(names) - set(SETTINGS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown settings {unknown or text!r}; choose from {list(SETTINGS)}"
        )
    return names


def _add_modes20(row):
    """`modes20`: modes with >= 20 of the scored samples within 3 std."""
    row["modes20"] = sum(count >= 20 for count in row["counts"])
    return row


def _print_row(row):
    print(
        f"{row['method']:38s} {row['data']:8s} seed {row['seed']}: "
        f"modes {row['modes']}, modes20 {row['modes20']}, "
        f"hq {row['hq']:.3f}, jsd {row['jsd']:.3f}, {row['seconds']:.1f}s",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=positive_arg(int), default=2500)
    parser.add_argument("--batch-size", type=positive_arg(int), default=256)
    parser.add_argument("--seeds", type=positive_arg(int), default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--lr-end", type=float, default=None,
                        help="decay every learning rate along a cosine to this")
    parser.add_argument("--beta-1", type=float, default=0.5)
    parser.add_argument("--beta-2", type=float, default=0.9)
    parser.add_argument("--lambdas", type=float, default=0.005,
                        help="Reg-GAN lambda1 = lambda2 (Appendix C: 0.005)")
    parser.add_argument("--mdgan-lambda", type=float, default=1e-2)
    parser.add_argument("--data", nargs="+", default=["circle6", "grid25"])
    parser.add_argument("--generator-units", type=_widths, default=(128, 128),
                        help="hidden widths of G (and of E, which mirrors it)")
    parser.add_argument("--discriminator-units", type=_widths, default=(128,),
                        help="hidden widths of D (and of MDGAN's D2)")
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument(
        "--settings", type=_settings, default=["new"],
        help="MDGAN settings run side by side, comma-separated: "
        + ", ".join(SETTINGS),
    )
    parser.add_argument("--workers", type=positive_arg(int), default=1,
                        help="runs at once, one CPU core each")
    parser.add_argument("--output", default=os.path.join(
        os.path.dirname(__file__), "results", "mode_regularized_gans.md"))
    args = parser.parse_args(argv)

    lam = args.lambdas
    runs = []
    for data in args.data:
        runs += [
            ("vanilla_gan", data, "vanilla_gan", {}),
            ("regularized_gan", data, "regularized_gan",
             dict(lambda1=lam, lambda2=lam)),
        ]
        runs += [
            (f"manifold_diffusion_gan@{setting}", data, "manifold_diffusion_gan",
             dict(lambda_=args.mdgan_lambda, **SETTINGS[setting]))
            for setting in args.settings
        ]
    if not args.no_ablation and "grid25" in args.data:
        runs += [
            ("regularized_gan (lambda2=0)", "grid25", "regularized_gan",
             dict(lambda1=lam, lambda2=0.0)),
            ("regularized_gan (lambda1=0)", "grid25", "regularized_gan",
             dict(lambda1=0.0, lambda2=lam)),
            ("regularized_gan (lambda1=lambda2=0)", "grid25", "regularized_gan",
             dict(lambda1=0.0, lambda2=0.0)),
        ]

    start = time.perf_counter()
    optim = dict(lr=args.lr, beta_1=args.beta_1, beta_2=args.beta_2,
                 lr_end=args.lr_end, steps=args.steps)
    units = {
        "generator_units": args.generator_units,
        "discriminator_units": args.discriminator_units,
    }
    rows = run_experiments(
        [
            (label, functools.partial(build, method=method, units=units, **optim,
                                     **options),
             data)
            for label, data, method, options in runs
        ],
        range(args.seeds),
        workers=args.workers,
        on_result=lambda row: _print_row(_add_modes20(row)),
        steps=args.steps,
        batch_size=args.batch_size,
    )
    for row in rows:
        row.pop("history")
        row["method"], _, setting = row["method"].partition("@")
        row["setting"] = setting or "-"
    total = time.perf_counter() - start
    columns = ["modes", "modes20"] + [c for c in TABLE_COLUMNS if c != "modes"]
    table = format_table(rows, group_by=("method", "setting", "data"),
                         columns=columns)
    command = (
        f"KERAS_BACKEND={keras.backend.backend()} python "
        + " ".join(["benchmarks/mode_regularized_gans.py"] + sys.argv[1:])
    )
    settings = (
        f"steps {args.steps}, batch {args.batch_size}, seeds 0-{args.seeds - 1}, "
        f"Adam lr {args.lr}"
        + (f" decayed along a cosine to {args.lr_end}" if args.lr_end else "")
        + f" betas ({args.beta_1}, {args.beta_2}) for every "
        f"player of every method, hidden widths G/E {units['generator_units']}"
        f" D/D2 {units['discriminator_units']}, {args.workers} run(s) at once, "
        "Reg-GAN "
        f"lambda1 = lambda2 = {lam}, MDGAN lambda = {args.mdgan_lambda}; "
        f"total wall time {total:.0f} s. MDGAN settings: "
        + "; ".join(f"`{s}` {SETTINGS[s]}" for s in args.settings)
    )
    print(table)
    print(settings)
    write_text(
        args.output,
        "# Mode-regularized GANs (Che et al. 2017) on 2-D mixtures\n\n"
        f"Command:\n\n```\n{command}\n```\n\n{settings}.\n\n{table}\n",
    )
    return rows


if __name__ == "__main__":
    main()
