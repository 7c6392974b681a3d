import keras
import numpy as np
import pytest

from keras_modegan.benchmark import (
    format_table,
    load_runs,
    run_experiments,
    train_and_score,
    training_stream,
)
from keras_modegan.models import VanillaGAN

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration


def build(data_dim, seed):
    model = VanillaGAN.from_mlp(data_dim, hidden_units=(16,), seed=seed)
    model.compile()
    return model


def test_train_and_score_runs_exact_steps():
    built = []

    def counting_build(data_dim, seed):
        built.append((data_dim, seed))
        model = build(data_dim, seed)
        built.append(model)
        return model

    result = train_and_score(
        counting_build, data="cube27", steps=6, batch_size=32, seed=3,
        fit_kwargs={"epochs": 2},
    )
    assert built[0] == (3, 3)
    model = built[1]
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 6
    for key in ("modes", "hq", "registered", "jsd", "kl", "tv", "seconds"):
        assert key in result
    assert result["steps"] == 6 and result["seed"] == 3
    assert result["data"] == "cube27"
    assert len(result["history"]["d_loss"]) == 2
    assert 0 <= result["modes"] <= 27 and 0.0 <= result["hq"] <= 1.0
    counts = result["counts"]
    assert len(counts) == 27 and sum(counts) == result["registered"]
    assert sum(c >= 1 for c in counts) == result["modes"]
    assert result["seconds"] > 0


def test_train_and_score_records_learning_curves():
    result = train_and_score(
        build, data="ring8", steps=6, batch_size=16, seed=2,
        fit_kwargs={"epochs": 3}, coverage_every=2,
    )
    curves = result["history"]
    assert len(curves["modes"]) == len(curves["hq"]) == 3
    # Scored after epochs 1 and 2 (every 2nd) and 3 (the last); the final
    # point is the score of the model's own final samples.
    assert curves["modes"][-1] == result["modes"]
    assert curves["jsd"][-1] == pytest.approx(result["jsd"], abs=1e-6)
    with pytest.raises(ValueError, match="coverage_every"):
        train_and_score(build, steps=2, coverage_every=0)


def test_train_and_score_is_reproducible():
    a = train_and_score(build, data="ring8", steps=4, batch_size=16, seed=1)
    b = train_and_score(build, data="ring8", steps=4, batch_size=16, seed=1)
    for key in ("modes", "registered", "jsd", "tv"):
        assert a[key] == pytest.approx(b[key], abs=1e-6), key


def test_training_stream_is_reshuffled_passes():
    x = np.arange(10, dtype="float32")[:, None] * np.ones((1, 2), "float32")
    stream = training_stream(x, 25, seed=4)
    assert stream.shape == (25, 2) and stream.dtype == np.float32
    # Each full pass holds every sample once; the passes differ in order.
    first, second = stream[:10, 0], stream[10:20, 0]
    np.testing.assert_array_equal(np.sort(first), np.arange(10))
    np.testing.assert_array_equal(np.sort(second), np.arange(10))
    assert not np.array_equal(first, second)
    assert len(set(stream[20:, 0])) == 5
    np.testing.assert_array_equal(stream, training_stream(x, 25, seed=4))
    assert not np.array_equal(stream, training_stream(x, 25, seed=5))
    with pytest.raises(ValueError, match="num_samples"):
        training_stream(x, 0)


def test_run_experiments_in_workers_equals_in_process():
    runs = [("v", build, "ring8"), ("w", build, "cube27")]
    seen = []
    kwargs = dict(steps=3, batch_size=16)
    here = run_experiments(runs, [0, 1], workers=1, on_result=seen.append, **kwargs)
    there = run_experiments(runs, [0, 1], workers=2, **kwargs)
    order = [("v", "ring8", 0), ("v", "ring8", 1), ("w", "cube27", 0),
             ("w", "cube27", 1)]
    for rows in (here, there):
        assert [(r["method"], r["data"], r["seed"]) for r in rows] == order
    assert len(seen) == 4
    for a, b in zip(here, there):
        for key in ("modes", "registered", "jsd", "tv"):
            assert a[key] == pytest.approx(b[key], abs=1e-6), key
        np.testing.assert_allclose(
            a["history"]["d_loss"], b["history"]["d_loss"], rtol=1e-5
        )
    with pytest.raises(ValueError, match="workers"):
        run_experiments(runs, [0], workers=0)


def test_train_and_score_bad_arguments():
    with pytest.raises(ValueError, match="steps"):
        train_and_score(build, steps=0)
    with pytest.raises(ValueError, match="divisible"):
        train_and_score(build, steps=5, fit_kwargs={"epochs": 2})
    with pytest.raises(ValueError, match="steps_per_epoch"):
        train_and_score(build, steps=5, fit_kwargs={"steps_per_epoch": 2})
    with pytest.raises(ValueError, match="name"):
        train_and_score(build, data="grid26", steps=5)


def test_format_table_means_and_stds():
    rows = [
        {"method": "a", "data": "ring8", "modes": 8, "hq": 0.5, "jsd": 0.1,
         "seconds": 1.0},
        {"method": "a", "data": "ring8", "modes": 6, "hq": 0.7, "jsd": 0.3,
         "seconds": 3.0},
        {"method": "b", "data": "ring8", "modes": 1, "hq": 0.9, "jsd": 0.9,
         "seconds": 2.0},
    ]
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0] == "| method | data | n | modes | hq | jsd | seconds |"
    assert len(lines) == 4
    assert lines[2] == (
        "| a | ring8 | 2 | 7.0 ± 1.0 | 60.0% ± 10.0 | 0.200 ± 0.100 | 2.0 ± 1.0 |"
    )
    assert lines[3].startswith("| b | ring8 | 1 | 1.0 ± 0.0 |")
    by_data = format_table(rows, group_by=("data",), columns=("modes",))
    assert by_data.splitlines()[2] == "| ring8 | 3 | 5.0 ± 2.9 |"
    inf_row = [{"method": "c", "data": "x", "kl": np.inf}]
    assert "inf" in format_table(inf_row)
    with pytest.raises(ValueError, match="group_by"):
        format_table([{"data": "x"}])
    with pytest.raises(ValueError, match="empty"):
        format_table([])


def _stacked_mnist_benchmark():
    import importlib.util
    import os

    path = os.path.join(
        os.path.dirname(__file__), os.pardir, "benchmarks", "stacked_mnist.py"
    )
    spec = importlib.util.spec_from_file_location("stacked_mnist_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stacked_mnist_benchmark_keeps_and_resumes_finished_runs(
    tmp_path, monkeypatch
):
    bench = _stacked_mnist_benchmark()
    trained = []

    def fake_train(job, fail_at=None):
        if job["seed"] == fail_at:
            raise RuntimeError("killed")
        trained.append(job["seed"])
        return dict(job, modes=100 + job["seed"], kl=1.0, kl_train=1.0,
                    seconds=1.0, curve=[(job["steps"], 100 + job["seed"])])

    out = tmp_path / "table.md"
    argv = ["--methods", "vanilla_gan", "--seeds", "3", "--steps", "10",
            "--eval-every", "10", "--output", str(out)]
    monkeypatch.setattr(bench, "train_and_score", lambda j: fake_train(j, 1))
    with pytest.raises(RuntimeError, match="killed"):
        bench.main(argv)
    # The run before the failure is kept, in the rows file and the table.
    rows = load_runs(str(tmp_path / "table_runs.jsonl"))
    assert [r["seed"] for r in rows] == [0]
    assert "Partial: 1 of 3 runs finished" in out.read_text()
    assert "| vanilla_gan | quarter | 100.0 ± 0.0 |" in out.read_text()

    monkeypatch.setattr(bench, "train_and_score", fake_train)
    trained.clear()
    bench.main(argv + ["--resume"])
    assert trained == [1, 2]  # seed 0 is not trained again
    text = out.read_text()
    assert "Partial" not in text and "| 100, 101, 102 |" in text
    assert (tmp_path / "table_curves.png").exists()

    trained.clear()
    bench.main(argv)  # without --resume every run is trained again
    assert trained == [0, 1, 2]


def _square(job):
    return {"n": job["n"], "square": job["n"] ** 2}


def test_run_resumable_keeps_rows_and_skips_finished_jobs(tmp_path):
    from keras_modegan.benchmark import run_resumable

    path = str(tmp_path / "runs.jsonl")
    jobs = [{"n": n} for n in range(3)]
    seen = []

    def on_row(row, rows):
        seen.append((row["n"], len(rows)))

    rows = run_resumable(_square, jobs, path, lambda x: x["n"], on_row)
    assert [r["square"] for r in rows] == [0, 1, 4]
    assert seen == [(0, 1), (1, 2), (2, 3)]
    assert load_runs(path) == rows
    # A kill cut the last line short: it is dropped, that job runs again,
    # and the others are not rerun.
    text = open(path).read().splitlines()
    with open(path, "w") as f:
        f.write("\n".join(text[:2]) + "\n" + text[2][:5])
    seen.clear()
    rows = run_resumable(_square, jobs, path, lambda x: x["n"], on_row,
                         resume=True)
    assert seen == [(2, 3)] and [r["n"] for r in rows] == [0, 1, 2]
    assert load_runs(path) == rows
    # Without resume the file starts empty.
    rows = run_resumable(_square, jobs[:1], path, lambda x: x["n"], on_row)
    assert load_runs(path) == rows == [{"n": 0, "square": 0}]
