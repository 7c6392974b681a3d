"""Inception FID on this CPU: keras-modegan per backend against pytorch-fid.

Both sides run the same network with the same random weights (pytorch-fid's
own `InceptionV3` built from its `FIDInception*` blocks without the
download, `tests/torch_references.py`; its state dict saved as a `.pth`
file and converted by `keras_modegan.metrics.load_pytorch_fid_weights`) on
the same images: two sets of `--num-samples` random uint8 RGB images of
`--image-size` pixels, resized to 299x299 with pytorch-fid's resize and
scaling (`preprocessing="pytorch_fid"`) so that the features can be
compared number for number. Per backend it reports the time to extract the
features of both sets (wall clock and process CPU time; the first batch,
which compiles, is timed apart), the max relative feature difference
against pytorch-fid (`max |ours - theirs| / max |theirs|`). (No FID: with
fewer samples than the 2048 dimensions the covariances are singular and
pytorch-fid's `calculate_frechet_distance` rejects them.) Each backend
runs in its own process, one after the other; `--workers` is accepted
for the benchmark convention, but only 1 is meaningful (every run uses
all cores).

Example (the table in benchmarks/results/fid_timing.md):

```bash
python benchmarks/fid_timing.py --num-samples 25 --batch-size 25 \
    --out benchmarks/results/fid_timing.md
```
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from keras_modegan.utils.validation import positive_arg  # noqa: E402

BACKENDS = ("jax", "tensorflow", "torch")


def _reference(args, work):
    import torch

    from tests import torch_references

    # `full`: the Inception3 whose state dict has the release file's layout;
    # `blocks`: pytorch-fid's InceptionV3 on the same modules.
    full, blocks = torch_references.build_pytorch_fid_inception(seed=0)
    blocks.resize_input = True
    weights = os.path.join(work, "pt_inception-random.pth")
    torch.save(full.state_dict(), weights)
    rng = np.random.default_rng(0)
    shape = (args.num_samples, args.image_size, args.image_size, 3)
    sets = [rng.integers(0, 256, shape).astype("uint8") for _ in range(2)]

    def features(images):
        out = []
        for i in range(0, len(images), args.batch_size):
            x = torch.from_numpy(images[i:i + args.batch_size] / 255.0)
            x = x.permute(0, 3, 1, 2).float()
            with torch.no_grad():
                out.append(blocks(x)[0][:, :, 0, 0].numpy())
        return np.concatenate(out)

    features(sets[0][:1])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    feats = [features(s) for s in sets]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.savez(os.path.join(work, "data.npz"), a=sets[0], b=sets[1],
             fa=feats[0], fb=feats[1])
    return weights, {"backend": "pytorch-fid 0.3.0 (torch 2.13.0)", "wall": wall,
                     "cpu": cpu, "compile": None, "max_rel": 0.0}


def _keras_run(args):
    # Runs in a child process with KERAS_BACKEND set.
    import keras

    from keras_modegan.metrics import inception_feature_extractor

    data = np.load(os.path.join(args.work, "data.npz"))
    start = time.perf_counter()
    extractor = inception_feature_extractor(
        weights=args.weights, preprocessing="pytorch_fid", value_range=(0, 255),
        batch_size=args.batch_size,
    )
    build = time.perf_counter() - start
    start = time.perf_counter()
    extractor(data["a"][: args.batch_size].astype("float32"))  # compiles
    compile_s = time.perf_counter() - start

    def features(images):
        return np.concatenate([
            extractor(images[i:i + args.batch_size].astype("float32"))
            for i in range(0, len(images), args.batch_size)
        ])

    wall, cpu = time.perf_counter(), time.process_time()
    feats = [features(data["a"]), features(data["b"])]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ref = [data["fa"], data["fb"]]
    max_rel = max(float(np.abs(f - r).max() / np.abs(r).max())
                  for f, r in zip(feats, ref))
    print(json.dumps({"backend": f"keras {keras.__version__} / "
                      f"{keras.backend.backend()}", "wall": wall, "cpu": cpu,
                      "compile": compile_s, "build": build,
                      "max_rel": max_rel}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=positive_arg(int), default=25,
                        help="images per set (two sets)")
    parser.add_argument("--batch-size", type=positive_arg(int), default=25)
    parser.add_argument("--image-size", type=positive_arg(int), default=32)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=BACKENDS)
    parser.add_argument("--workers", type=positive_arg(int), default=1)
    parser.add_argument("--out", default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--weights", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _keras_run(args)
    with tempfile.TemporaryDirectory() as work:
        weights, reference = _reference(args, work)
        print(json.dumps(reference), flush=True)
        rows = [reference]
        for backend in args.backends:
            command = [sys.executable, os.path.abspath(__file__), "--child",
                       "--work", work, "--weights", weights,
                       "--num-samples", str(args.num_samples),
                       "--batch-size", str(args.batch_size)]
            env = dict(os.environ, KERAS_BACKEND=backend)
            out = subprocess.run(command, env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.stderr.write(out.stderr[-3000:])
                raise SystemExit(f"{backend} failed")
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            rows.append(row)
    table = format_table(rows, args)
    print(table)
    if args.out:
        from keras_modegan.utils.atomic_write import write_text

        write_text(args.out, table + "\n")
    return 0


def format_table(rows, args):
    n = 2 * args.num_samples
    lines = [
        f"Features of {n} images ({args.image_size}x{args.image_size} uint8 RGB, "
        f"resized to 299x299), batch {args.batch_size}, random weights, "
        f"{os.cpu_count()} CPU cores (shared).",
        "",
        "| implementation | first batch (compile) s | wall s / image | CPU s / image "
        "| 10,000 images, wall (extrapolated) | 10,000 images, CPU (extrapolated) "
        "| max relative feature difference |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        per = r["wall"] / n
        compile_s = "-" if r["compile"] is None else f"{r['compile']:.1f}"
        lines.append(
            f"| {r['backend']} | {compile_s} | {per:.3f} | {r['cpu'] / n:.3f} | "
            f"{per * 10000 / 60:.0f} min | {r['cpu'] / n * 10000 / 60:.0f} CPU-min | "
            f"{r['max_rel']:.1e} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
