"""MNIST image quality with the classifier features: FID, KID and
precision / recall / density / coverage of trained GANs against the real
test split, beside the floor (real train images against the same split).

Each method is `METHODS[name].from_dcgan((28, 28, 1), ARCHITECTURE)` with
its `compile()` image defaults, trained `--steps` steps at batch
`--batch-size` on the real MNIST training split (scaled to [-1, 1]), then
scored on `--num-samples` generated images. The features are the
`mnist_classifier` preset's penultimate layer (128-D): offline, and named
classifier-FID so nobody mistakes it for Inception FID.

The CPU budget of the image issue (1,000 steps, Unrolled GAN's K/4 nets):

    KERAS_BACKEND=tensorflow python benchmarks/mnist_quality.py --steps 1000 \
        --workers 2 --data-dir ../shared/data \
        --output benchmarks/results/mnist_classifier_fid.md

Every finished run is appended to `<output stem>_runs.jsonl` and the table
rewritten after each; `--resume` skips the runs the file holds.
"""

import argparse
import os
import sys
import time

from keras_modegan.benchmark import run_resumable
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import positive_arg

METHOD_NAMES = ("vanilla_gan", "wgan_gp", "mixture_density_gan", "dist_gan")
FLOOR = "real MNIST train"
COLUMNS = ("fid", "kid", "precision", "recall", "density", "coverage")


def score(job, generated):
    """The metrics of `generated` (a model or images) against the test split."""
    from keras_modegan.datasets import mnist
    from keras_modegan.metrics import image_metrics, reference_statistics

    # Computed once and cached (keyed by dataset, split and extractor).
    reference = reference_statistics(
        "mnist", "test", "mnist_classifier", verbose=0,
        images=mnist("test", data_dir=job["data_dir"], as_numpy=True),
    )
    return image_metrics(
        reference, generated, feature_extractor="mnist_classifier",
        num_generated=job["num_samples"], seed=job["seed"], verbose=0,
    )


def run(job):
    """Trains (or, for the floor, loads) and scores one job; returns its row."""
    import keras

    from keras_modegan.datasets import mnist

    keras.utils.set_random_seed(job["seed"])
    start = time.perf_counter()
    if job["method"] == FLOOR:
        images = mnist(f"train[:{job['num_samples']}]", data_dir=job["data_dir"],
                       as_numpy=True)
        result = score(job, images)
        seconds = 0.0
    else:
        from keras_modegan.models import METHODS

        model = METHODS[job["method"]].from_dcgan(
            (28, 28, 1), job["architecture"], seed=job["seed"]
        )
        model.compile()
        data = mnist("train", data_dir=job["data_dir"], batch_size=job["batch_size"],
                     shuffle_seed=job["seed"])
        model.fit(data.repeat(), epochs=1, steps_per_epoch=job["steps"],
                  callbacks=[keras.callbacks.TerminateOnNaN()], verbose=0)
        seconds = time.perf_counter() - start
        result = score(job, model)
    row = dict(job, seconds=seconds, total_seconds=time.perf_counter() - start)
    for key in COLUMNS + ("kid_std", "feature_extractor", "num_real",
                          "num_generated", "reference"):
        value = result.get(key)
        row[key] = value.item() if hasattr(value, "item") else value
    return row


def _key(row):
    return tuple(row[k] for k in ("method", "architecture", "seed", "steps",
                                  "batch_size", "num_samples"))




def report(rows, jobs, argv_text, start):
    """The Markdown table of the finished `rows` of `jobs`."""
    order = {_key(j): i for i, j in enumerate(jobs)}
    rows = sorted(rows, key=lambda r: order.get(_key(r), len(order)))
    first = jobs[0]
    lines = [
        "# MNIST with the classifier features (classifier-FID, not Inception FID)",
        "",
        f"Generators: `from_dcgan((28, 28, 1), \"{first['architecture']}\")` with "
        f"`compile()`'s image defaults, {first['steps']} steps at batch "
        f"{first['batch_size']} on the real MNIST train split, seed "
        f"{first['seed']}. Scored: {first['num_samples']} generated images "
        "against the real test split (10,000) in the `mnist_classifier` "
        "preset's penultimate-layer features (128-D); KID on 100 subsets of "
        "1,000, PRDC with k = 5. The floor row is real train images in place "
        "of a generator.",
        "",
    ]
    if len(rows) < len(jobs):
        lines += [f"Partial: {len(rows)} of {len(jobs)} runs.", ""]
    lines += [
        "| generated | fid | kid (std) | precision | recall | density | "
        "coverage | train s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['fid']:.2f} | {r['kid']:.4f} ({r['kid_std']:.4f}) "
            f"| {r['precision']:.3f} | {r['recall']:.3f} | {r['density']:.3f} | "
            f"{r['coverage']:.3f} | {r['seconds']:.0f} |"
        )
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    lines += [
        "",
        f"Command: `KERAS_BACKEND={backend} {argv_text}` "
        f"({time.perf_counter() - start:.0f} s this invocation). Every run: "
        "`<stem>_runs.jsonl`.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(METHOD_NAMES))
    parser.add_argument("--architecture", default="quarter",
                        choices=("quarter", "half", "big"))
    parser.add_argument("--steps", type=positive_arg(int), default=1000)
    parser.add_argument("--batch-size", type=positive_arg(int), default=128)
    parser.add_argument("--num-samples", type=positive_arg(int), default=10000,
                        help="generated (and floor) images scored")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=positive_arg(int), default=1)
    parser.add_argument("--data-dir", default=None,
                        help="mnist.npz or its folder (default: TFDS / "
                        "KERAS_MODEGAN_DATA_DIR)")
    parser.add_argument("--output",
                        default="benchmarks/results/mnist_classifier_fid.md")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    from keras_modegan.models import METHODS

    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"--methods {unknown}: accepted {sorted(METHODS)}")
    common = dict(architecture=args.architecture, seed=args.seed, steps=args.steps,
                  batch_size=args.batch_size, num_samples=args.num_samples,
                  data_dir=args.data_dir)
    jobs = [dict(common, method=FLOOR)] + [dict(common, method=m)
                                           for m in args.methods]
    argv_text = "python benchmarks/mnist_quality.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    start = time.perf_counter()

    def progress(row, rows):
        print(f"{row['method']}: FID {row['fid']:.2f}, coverage "
              f"{row['coverage']:.3f} ({row['total_seconds']:.0f} s)", flush=True)
        write_text(args.output, report(rows, jobs, argv_text, start))

    runs_path = os.path.splitext(args.output)[0] + "_runs.jsonl"
    rows = run_resumable(run, jobs, runs_path, _key, progress, args.workers,
                         args.resume)
    text = report(rows, jobs, argv_text, start)
    write_text(args.output, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
