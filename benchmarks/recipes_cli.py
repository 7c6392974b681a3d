"""Every measured recipe, trained as a user would: `keras-modegan train
METHOD --data DATA` with no budget flags.

For each (method, data, budget) of `keras_modegan.recipes`, runs the
command in a child process (`--budget BUDGET`, seed 0, into a scratch
folder), reads the `metrics.json` it wrote and puts what it printed (modes,
high-quality fraction, JSD) beside what the recipe says it reached, with
the command's wall-clock and `fit`'s seconds.

    KERAS_BACKEND=jax python benchmarks/recipes_cli.py --workers 2 \
        --output benchmarks/results/recipes_cli.md

Every finished run is appended to `<output stem>_runs.jsonl` and the table
is rewritten after each, so a killed run keeps what it measured;
`--resume` skips the runs that file already holds. `--only METHOD:DATA`
(repeatable) restricts the runs.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from keras_modegan import recipes
from keras_modegan.benchmark import run_resumable
from keras_modegan.utils.atomic_write import write_text
from keras_modegan.utils.validation import positive_arg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command(method, data, budget, out, backend):
    """The `keras-modegan train` command line of one recipe."""
    return [
        sys.executable, "-m", "keras_modegan_cli", "train", method,
        "--data", data, "--budget", budget, "--backend", backend,
        "--out", out, "--quiet",
    ]


def run_recipe(job):
    """Runs one recipe's command; returns its row (or raises with the
    command's last output lines)."""
    method, data, budget, backend, scratch = job
    out = os.path.join(scratch, f"{method}-{data}-{budget}")
    argv = command(method, data, budget, out, backend)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise RuntimeError(f"{' '.join(argv[2:])} exited {done.returncode}:\n{tail}")
    with open(os.path.join(out, "metrics.json")) as f:
        metrics = json.load(f)
    reached = recipes.get_recipe(method, data, budget)["reached"]
    return dict(
        method=method, data=data, budget=budget, backend=backend,
        modes=metrics["modes"], num_modes=reached["num_modes"],
        hq=metrics["hq"], jsd=metrics["jsd"], steps=metrics["steps"],
        batch_size=metrics["batch_size"], fit_seconds=metrics["seconds"],
        wall_seconds=wall, recipe_modes=reached["modes"],
        recipe_hq=reached["hq"], recipe_seeds=reached["seeds"],
        command=f"keras-modegan train {method} --data {data} --budget {budget}",
    )


def _key(item):
    """`(method, data, budget)` of a job (a tuple) or of its row."""
    if isinstance(item, tuple):
        return item[:3]
    return (item["method"], item["data"], item["budget"])




def report(rows, jobs, argv_text, start):
    """The Markdown table of the finished `rows` of `jobs`."""
    order = {(m, d, b): i for i, (m, d, b, *_) in enumerate(jobs)}
    rows = sorted(rows, key=lambda r: order.get(_key(r), len(order)))
    lines = [
        "# `keras-modegan train METHOD --data DATA`, no budget flags",
        "",
        "Each measured recipe of `keras_modegan.recipes`, trained by the CLI "
        "as a user types it (seed 0, `--budget` as listed), one core per "
        "run. `recipe reached` is what the recipe's own result file measured "
        "(a mean over its seeds where `seeds` > 1). `wall` is the whole "
        "command (start, training, scoring, files); `fit` is training alone.",
        "",
    ]
    if len(rows) < len(jobs):
        lines += [f"Partial: {len(rows)} of {len(jobs)} runs.", ""]
    lines += [
        "| method | data | budget | steps x batch | modes | high-quality | JSD "
        "| recipe reached (seeds) | fit s | wall s |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        seeds = r["recipe_seeds"]
        lines.append(
            f"| {r['method']} | {r['data']} | {r['budget']} | "
            f"{r['steps']} x {r['batch_size']} | {r['modes']}/{r['num_modes']} | "
            f"{100 * r['hq']:.1f}% | {r['jsd']:.3f} | "
            f"{r['recipe_modes']:g}/{r['num_modes']}, {100 * r['recipe_hq']:.1f}% "
            f"({seeds}) | {r['fit_seconds']:.0f} | {r['wall_seconds']:.0f} |"
        )
    total = sum(r["wall_seconds"] for r in rows)
    lines += [
        "",
        f"Command: `{argv_text}`; backend {rows[0]['backend'] if rows else '-'}; "
        f"sum of wall-clocks {total:.0f} s, this invocation "
        f"{time.perf_counter() - start:.0f} s. Every run: "
        "`<stem>_runs.jsonl`.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=positive_arg(int), default=1)
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "jax"),
                        choices=("jax", "tensorflow", "torch"))
    parser.add_argument("--budget", choices=recipes.BUDGETS, default=None,
                        help="only this budget's recipes (default: all)")
    parser.add_argument("--only", action="append", default=[],
                        metavar="METHOD:DATA", help="only these pairs")
    parser.add_argument("--output", default="benchmarks/results/recipes_cli.md")
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs `<output stem>_runs.jsonl` holds")
    args = parser.parse_args(argv)
    only = set()
    for pair in args.only:
        if pair.count(":") != 1:
            parser.error(f"--only {pair!r}: expected METHOD:DATA")
        only.add(tuple(pair.split(":")))
    scratch = tempfile.mkdtemp(prefix="recipes_cli_")
    jobs = [
        (m, d, b, args.backend, scratch)
        for m, d, b, _ in recipes.list_recipes(budget=args.budget)
        # The mixtures; the Stacked MNIST recipes are
        # benchmarks/stacked_mnist.py's runs.
        if d not in recipes.IMAGE_DATA_SETS and (not only or (m, d) in only)
    ]
    if not jobs:
        parser.error("no recipe matches --budget/--only")
    argv_text = "python benchmarks/recipes_cli.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    start = time.perf_counter()

    def progress(row, rows):
        print(f"{row['method']} {row['data']} ({row['budget']}): "
              f"{row['modes']}/{row['num_modes']} modes, {100 * row['hq']:.1f}% "
              f"HQ, {row['wall_seconds']:.0f} s", flush=True)
        write_text(args.output, report(rows, jobs, argv_text, start))

    # The longest recipes first, so the workers finish together.
    order = sorted(jobs, key=lambda j: -recipes.get_recipe(*_key(j))["steps"])
    runs_path = os.path.splitext(args.output)[0] + "_runs.jsonl"
    rows = run_resumable(run_recipe, order, runs_path, _key, progress,
                         args.workers, args.resume)
    text = report(rows, jobs, argv_text, start)
    write_text(args.output, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
