"""Where the mode penalty's pairs come from on grid25, while it is on.

Trains one `ModePenaltyGAN` on `grid25_mp` with the protocol of
`benchmarks/mode_penalty_gan.py` (Adam 1e-3, beta_1 0.5, cosine to 1e-5,
batch 256, lambda_p 3) and, every `--every` steps, prints the 5 x 5 grid of
generated samples per mode (of 5,000, within 3 std) and the penalty weight
w_p of Eq. 3 per mode (mean over the mode's target codes). At the end it
draws the penalty's 500 samples a few times, matches them as the model
does (`ModePenaltyGAN.match_modes`), and lists, for every mode with no
sample, where the generated samples paired with its target codes lie (the
mode they are nearest to; `~` marks samples more than 3 std from it) and
their rank in the greedy visiting order (0 = visited first).

A target code is labelled with the mixture component of the nearest
encoded real sample.

Usage (the command that wrote
benchmarks/results/mode_penalty_gan_pairs.md):

    KERAS_BACKEND=jax python benchmarks/mode_penalty_gan_pairs.py
"""

import argparse
import collections
import os
import sys

import keras
import numpy as np
from keras import ops

from keras_modegan.datasets import load_mixture
from keras_modegan.metrics import mode_counts, nearest_mode
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import non_negative_int_arg, positive_arg

sys.path.insert(0, os.path.dirname(__file__))
import mode_penalty_gan as benchmark  # noqa: E402


def cell_grid(values, fmt):
    rows = np.asarray(values).reshape(5, 5)
    return ["    " + " ".join(fmt(v) for v in row) for row in rows]


def name(k):
    return f"({k // 5},{k % 5})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=positive_arg(int), default=8000)
    parser.add_argument("--schedule-steps", type=positive_arg(int), default=12000)
    parser.add_argument("--every", type=positive_arg(int), default=2000)
    parser.add_argument("--seed", type=non_negative_int_arg, default=1)
    parser.add_argument("--draws", type=positive_arg(int), default=3)
    parser.add_argument(
        "--out",
        default=os.path.join(
            os.path.dirname(__file__), "results", "mode_penalty_gan_pairs.md"
        ),
    )
    args = parser.parse_args(argv)

    data = "grid25_mp"
    keras.utils.set_random_seed(args.seed)
    model = benchmark.build_mode_penalty(
        dim=2,
        seed=args.seed,
        data=data,
        lr=1e-3,
        beta_1=0.5,
        latent_dim=2,
        ae_epochs=3,
        lr_end=1e-5,
        steps=args.schedule_steps,
    )
    x, spec = load_mixture(data, seed=args.seed)
    x_labels = nearest_mode(x, spec.centers)[0]
    modes = ops.convert_to_numpy(model.target_modes)
    codes = ops.convert_to_numpy(model.encode(x))
    target_labels = x_labels[nearest_mode(modes, codes)[0]]
    rng = np.random.default_rng(args.seed)

    def per_mode(samples):
        index, distance = nearest_mode(samples, spec.centers)
        return index, distance <= spec.radius

    lines = [
        "# Mode-penalty GAN on grid25: where the penalty's pairs come from",
        "",
        "Command: `KERAS_BACKEND=jax python benchmarks/mode_penalty_gan_pairs.py"
        + (" " + " ".join(sys.argv[1:]) if argv is None and sys.argv[1:] else "")
        + "`",
        "",
        f"Seed {args.seed}, {args.steps} steps of batch 256 (cosine schedule "
        f"over {args.schedule_steps}), Adam 1e-3, beta_1 0.5, lambda_p 3, "
        f"backend {keras.backend.backend()}. Grids: row i, column j is the "
        "mode at (x, y) = (2i - 4, 2j - 4); (i,j) below names the mode so.",
        "",
        "```",
    ]
    done = 0
    while done < args.steps:
        steps = min(args.every, args.steps - done)
        repeats = -(-steps * 256 // len(x))
        batches = rng.permutation(np.tile(x, (repeats, 1)))[: steps * 256]
        history = model.fit(batches, batch_size=256, shuffle=False, verbose=0)
        done += steps
        counts = mode_counts(ops.convert_to_numpy(model.generate(5000, seed=123)), spec)
        weights = ops.convert_to_numpy(model.distance_history).mean(0)
        per_mode_w = [weights[target_labels == k].mean() for k in range(25)]
        lines += [
            f"step {done}: modes {int((counts > 0).sum())}, HQS "
            f"{counts.sum() / 5000:.2f}, penalty on "
            f"{history.history['penalty_active'][-1]:.0f}, coverage "
            f"{history.history['coverage'][-1]:.2f}",
            "  samples per mode (of 5,000):",
            *cell_grid(counts, lambda v: f"{v:4d}"),
            "  w_p per mode (x100):",
            *cell_grid(per_mode_w, lambda v: f"{100 * v:4.0f}"),
        ]
    missing = [k for k in range(25) if counts[k] == 0]
    centroid = modes.mean(0)
    for draw in range(args.draws):
        z = model.sample_latent(model.num_modes)
        fake = model.generator(z)
        fake_codes = model.encode(fake)
        assignment = ops.convert_to_numpy(model.match_modes(fake_codes)[0])
        fake = ops.convert_to_numpy(fake)
        visit = np.argsort(
            np.argsort(-np.sum((ops.convert_to_numpy(fake_codes) - centroid) ** 2, 1))
        )
        index, ok = per_mode(fake)
        lines.append(
            f"draw {draw}: {int((~ok).sum())} of {model.num_modes} penalty "
            "samples more than 3 std from every mode"
        )
        for k in missing:
            paired = np.where(target_labels[assignment] == k)[0]
            sources = collections.Counter(
                name(index[i]) + ("" if ok[i] else "~") for i in paired
            )
            lines.append(
                f"  missing {name(k)}: {len(paired)} pairs from "
                + ", ".join(f"{s} x{n}" for s, n in sources.most_common(5))
                + f"; visit rank median {int(np.median(visit[paired]))}"
            )
    lines += ["```", ""]
    text = "\n".join(lines)
    print(text, flush=True)
    write_text(args.out, text)


if __name__ == "__main__":
    main()
