"""How far section 2.2's greedy matching pulls a generator that is perfect.

The mode penalty of the mode-penalty GAN (seed 000, arXiv 2011.07706,
Eq. 2) pairs the N generated samples of a step one-to-one with N fixed
target modes and pulls each sample towards its partner. This script asks
what the penalty does at the optimum: the "generated" samples are fresh
real samples (a generator equal to the data distribution), the targets are
extracted from other real samples as `ModePenaltyGAN` extracts them
(k-means centroids or random samples), and each pairing is scored by

- `mean`: the mean matched distance (Eq. 2 with w_p = 1), in units of the
  data's RMS spread (the model's `normalize_codes` units);
- `cross`: the share of pairs whose sample and target belong to different
  mixture components, i.e. samples the penalty pulls towards another mode.

Greedy is `keras_modegan.losses.mode_matching.greedy_mode_matching` (the paper's);
optimal is the minimum-cost one-to-one matching of the same pairs
(`scipy.optimize.linear_sum_assignment`), for reference. The codes here
are the data themselves divided by their RMS spread (an ideal linear
encoder), so the numbers isolate the matching from the autoencoder.

Usage (the command that wrote benchmarks/results/mode_matching_at_data.md):

    KERAS_BACKEND=jax python benchmarks/mode_matching_at_data.py
"""

import argparse
import os
import sys

import numpy as np
from keras import ops
from scipy.optimize import linear_sum_assignment

from keras_modegan.datasets import load_mixture
from keras_modegan.losses import mode_matching
from keras_modegan.metrics import nearest_mode
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import non_negative_int_arg, positive_arg


def score(samples, targets, labels, target_labels, assignment):
    distances = np.sqrt(np.sum((samples - targets[assignment]) ** 2, axis=-1))
    cross = labels != target_labels[assignment]
    return distances.mean(), cross.mean()


def measure(data, extraction, num_modes, repeats, seed):
    raw, spec = load_mixture(data, seed=seed)
    labels = nearest_mode(raw, spec.centers)[0]
    x = raw.astype("float64") - raw.mean(0)
    x = x / np.sqrt(np.mean(np.sum(x**2, axis=-1)))
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(x))
    half = len(x) // 2
    pool, rest = perm[:half], perm[half:]
    targets = mode_matching.extract_modes(x[pool], num_modes, extraction, seed=seed)
    # Each target's component: that of its nearest real sample.
    target_labels = labels[pool][nearest_mode(targets, x[pool])[0]]
    rows = []
    for _ in range(repeats):
        pick = rng.choice(rest, num_modes, replace=False)
        samples = x[pick]
        greedy = ops.convert_to_numpy(
            mode_matching.greedy_mode_matching(
                samples.astype("float32"), targets.astype("float32")
            )
        )
        cost = np.sqrt(((samples[:, None, :] - targets[None]) ** 2).sum(-1))
        optimal = linear_sum_assignment(cost)[1]
        rows.append(
            score(samples, targets, labels[pick], target_labels, greedy)
            + score(samples, targets, labels[pick], target_labels, optimal)
        )
    return np.mean(rows, axis=0), np.std(rows, axis=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=["ring8_mp", "grid25_mp", "random25_mp", "cube27_mp"],
    )
    parser.add_argument("--num-modes", type=positive_arg(int), default=500)
    parser.add_argument("--repeats", type=positive_arg(int), default=20)
    parser.add_argument("--seed", type=non_negative_int_arg, default=0)
    parser.add_argument(
        "--out",
        default=os.path.join(
            os.path.dirname(__file__), "results", "mode_matching_at_data.md"
        ),
    )
    args = parser.parse_args(argv)
    lines = [
        "| data | targets | greedy mean | greedy cross | optimal mean "
        "| optimal cross |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for data in args.data:
        for extraction in mode_matching.MODE_EXTRACTIONS:
            mean, std = measure(
                data, extraction, args.num_modes, args.repeats, args.seed
            )
            cells = [f"{m:.3f} ± {s:.3f}" for m, s in zip(mean[::2], std[::2])]
            cross = [
                f"{100 * m:.1f}% ± {100 * s:.1f}" for m, s in zip(mean[1::2], std[1::2])
            ]
            lines.append(
                f"| {data} | {extraction} | {cells[0]} | {cross[0]} | "
                f"{cells[1]} | {cross[1]} |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(
        [
            "# Section 2.2's matching at the data distribution",
            "",
            "Command: `KERAS_BACKEND=jax python benchmarks/mode_matching_at_data.py"
            + "".join(" " + a for a in (sys.argv[1:] if argv is None else argv))
            + "`",
            "",
            f"{args.num_modes} samples of the data matched to {args.num_modes} "
            f"targets, {args.repeats} draws (mean ± std), seed {args.seed}. "
            "`mean`: mean matched distance in units of the data's RMS spread; "
            "`cross`: share of pairs across mixture components.",
            "",
            *lines,
            "",
        ]
    )
    write_text(args.out, text)
    return lines


if __name__ == "__main__":
    main()
