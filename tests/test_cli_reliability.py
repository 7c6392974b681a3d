"""The command line under faults: start-up without Keras, kills and Ctrl-C
during training, resuming, diverging losses, bad paths and sizes."""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import keras
import numpy as np
import pytest

import keras_modegan_cli
from keras_modegan import cli
from keras_modegan.utils.run_dir import RunDir
from tests.helpers import assert_weights_equal

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration

# The fastest run there is: 3 epochs of 2 steps, scored only at the end.
TINY = ["vanilla_gan", "--data", "ring8", "--epochs", "3", "--steps-per-epoch",
        "2", "--batch-size", "16", "--eval-every", "3", "--quiet"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND=keras.backend.backend(),
           PYTHONPATH=ROOT)


def _run(argv, **kwargs):
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                          env=ENV, timeout=300, cwd=ROOT, **kwargs)


# ----------------------------------------------------------------------
# Start-up.


def test_help_and_bad_flags_answer_without_keras():
    script = textwrap.dedent("""
        import sys
        import keras_modegan_cli
        try:
            keras_modegan_cli.main(sys.argv[1:])
        except SystemExit as exit:
            code = exit.code
        loaded = sorted({m.split(".")[0] for m in sys.modules} & {"keras", "numpy"})
        print("code", code, "loaded", loaded)
    """)
    for argv, code in ((["--help"], 0), (["train", "--help"], 0),
                       (["train", "wgan_gp", "--seed", "-1"], 2)):
        proc = _run(["-c", script, *argv])
        assert proc.stdout.strip().splitlines()[-1] == f"code {code} loaded []", (
            proc.stdout, proc.stderr)
    proc = _run(["-c", script, "train", "wgan_gp", "--seed", str(2**32)])
    assert "--seed: must be an integer in [0, 2**32), got '4294967296'" in proc.stderr


@pytest.mark.every_backend  # the backend's own path
def test_backend_is_read_before_keras_loads():
    assert keras_modegan_cli._backend(["list", "--backend", "jax"]) == "jax"
    assert keras_modegan_cli._backend(["list", "--backend=torch"]) == "torch"
    assert keras_modegan_cli._backend(["train", "x", "--back", "tensorflow"]) == (
        "tensorflow")
    assert keras_modegan_cli._backend(["train", "x", "--batch-size", "8"]) is None
    assert keras_modegan_cli._backend(["list", "--", "--backend", "jax"]) is None
    other = "torch" if keras.backend.backend() != "torch" else "jax"
    # One process: the backend asked for is the one Keras loads.
    proc = _run(["-c", "import os, sys, keras_modegan_cli; "
                 "code = keras_modegan_cli.main(sys.argv[1:]); import keras; "
                 "print(keras.backend.backend(), code)",
                 "list", "--backend", other])
    assert proc.stdout.strip().splitlines()[-1] == f"{other} 0", proc.stderr


# ----------------------------------------------------------------------
# Kills, Ctrl-C and --resume.

# A training run that stops after its 2nd epoch (after the epoch's files,
# backup and run.json are written) until a signal comes.
_PAUSED = textwrap.dedent("""
    import os, sys, time
    import keras
    import keras_modegan_cli
    from keras_modegan.utils import run_dir

    class Pause(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                open(os.environ["PAUSE_MARKER"], "w").close()
                time.sleep(300)

    callbacks = run_dir.RunDir.callbacks
    run_dir.RunDir.callbacks = lambda self, *a: callbacks(self, *a) + [Pause()]
    sys.exit(keras_modegan_cli.main(sys.argv[1:]))
""")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A complete run of TINY: its folder and final weights."""
    out = tmp_path_factory.mktemp("uninterrupted") / "run"
    assert cli.main(["train", *TINY, "--out", str(out)]) == 0
    return out, keras.saving.load_model(str(out / "model.keras")).get_weights()


def _processes_mentioning(text):
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
# Ctrl-C lands inside the backend's `fit` loop: every backend; a kill is
# the run folder's atomic writes: once.
@pytest.mark.parametrize("sig", [
    pytest.param(signal.SIGINT, marks=pytest.mark.every_backend),
    signal.SIGKILL,
])
def test_kill_and_interrupt_then_resume(tmp_path, uninterrupted, sig):
    done, weights = uninterrupted
    out = tmp_path / "run"
    shutil.copytree(done, out)  # a complete earlier run: its files must survive
    before = (out / "model.keras").read_bytes()
    marker = tmp_path / "paused"
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSED, "train", *TINY, "--out", str(out)],
        env=dict(ENV, PAUSE_MARKER=str(marker)), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as a shell delivers it: a child inherits an ignored SIGINT
        # (Python then keeps it ignored), and the test worker's disposition
        # is whatever earlier tests and libraries left.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.time() + 280
        while not marker.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert marker.exists(), proc.communicate(timeout=10)
        proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"still running 120 s after {sig!r}; its stderr:\n"
                        f"{err[-4000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        last = err.strip().splitlines()[-1]
        assert last.startswith("keras-modegan train: interrupted after 2 of 3 "
                               "epochs"), err
    else:
        assert proc.returncode == -signal.SIGKILL
    assert _processes_mentioning(str(out)) == []  # nothing left training
    assert (out / "model.keras").read_bytes() == before
    status = RunDir(out).read_status()
    assert status["status"] == "incomplete" and status["epochs_done"] == 2
    assert not (out / ".lock").exists() or sig == signal.SIGKILL
    # A rerun without --resume is refused; --resume finishes the run with
    # the weights of the uninterrupted one.
    assert cli.main(["train", *TINY, "--out", str(out)]) == 2
    assert cli.main(["train", *TINY, "--out", str(out), "--resume"]) == 0
    assert RunDir(out).read_status()["status"] == "complete"
    resumed = keras.saving.load_model(str(out / "model.keras")).get_weights()
    for a, b in zip(resumed, weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    rows = (out / "history.csv").read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows] == ["epoch", "0", "1", "2"]
    assert not (out / "backup").exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_resume_checks_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    os.makedirs(out)
    RunDir(out).write_status("incomplete", method="vanilla_gan", data="ring8",
                             seed=0, batch_size=16, steps_per_epoch=2,
                             epochs=3, epochs_done=1)
    assert cli.main(["train", *TINY, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds an incomplete run (1 of 3 epochs done): pass --resume" in err
    assert cli.main(["train", *TINY, "--seed", "5", "--out", str(out),
                     "--resume"]) == 2
    err = capsys.readouterr().err
    assert "was started with --seed 0; give the same" in err
    assert len(err.splitlines()) == 1


def test_one_run_per_folder(tmp_path, capsys):
    out = tmp_path / "run"
    with RunDir(out).lock():  # a live run holds the folder
        assert cli.main(["train", *TINY, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"is in use by another run (PID {os.getpid()})" in err
    assert sorted(os.listdir(out)) == []
    # A lock left by a process that is gone is taken over.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout
    (out / ".lock").write_text(dead)
    with RunDir(out).lock():
        assert (out / ".lock").read_text().strip() == str(os.getpid())
    assert not (out / ".lock").exists()


def test_diverging_run_stops_and_keeps_the_good_model(tmp_path, uninterrupted,
                                                      capsys):
    done, _ = uninterrupted
    out = tmp_path / "run"
    shutil.copytree(done, out)
    before = (out / "model.keras").read_bytes()
    code = cli.main(["train", *TINY, "--lr", "1e30", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"training diverged at epoch 1, step \d+: \w*loss = -?(nan|inf)",
                     err), err
    assert (out / "model.keras").read_bytes() == before
    assert RunDir(out).read_status()["status"] == "incomplete"


# ----------------------------------------------------------------------
# Bad paths and sizes: one line, exit 2, nothing created.


def test_bad_paths_and_sizes(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [
        (["train", *TINY, "--out", str(a_file)], "is a file, not a directory"),
        (["train", *TINY, "--out", str(a_file / "run")], "which is a file"),
        (["evaluate", "m.keras", "--data", "ring8", "--plot", str(tmp_path)],
         "is a directory, not a file"),
        (["evaluate", "m.keras", "--data", "ring8", "--plot",
          str(tmp_path / "no" / "p.png")], "does not exist"),
        (["evaluate", "m.keras", "--data", "ring8", "--num-samples",
          str(10**15)], f"--num-samples {10**15} needs at least"),
        (["benchmark", "vanilla_gan", "--seeds", str(10**11)],
         "the seeds 0..N-1 must be below 2**32"),
        (["benchmark", "vanilla_gan", "--seeds", str(2**32)],
         "needs at least"),
        (["benchmark", "vanilla_gan", "--out", str(tmp_path / "no" / "t.md")],
         "does not exist"),
    ]
    for argv, message in cases:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and message in err, (argv, err)
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_unwritable_out(tmp_path, monkeypatch, capsys):
    # (As root every path is writable: the check is os.access's.)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert cli.main(["train", *TINY, "--out", str(tmp_path / "run")]) == 2
    assert f"{tmp_path} is not writable" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_invalid_keras_files(tmp_path, uninterrupted, capsys):
    done, _ = uninterrupted
    whole = (done / "model.keras").read_bytes()
    for name, data in (("cut.keras", whole[: len(whole) // 2]),
                       ("text.keras", b"not a model")):
        (tmp_path / name).write_bytes(data)
        assert cli.main(["evaluate", str(tmp_path / name), "--data", "ring8"]) == 2
        err = capsys.readouterr().err
        assert "is not a valid .keras file" in err and len(err.splitlines()) == 1
    # A zip that is not a model: Keras' whole reason, on one line.
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as zf:
        zf.writestr("other.txt", "x")
    assert cli.main(["evaluate", str(tmp_path / "empty.keras"), "--data",
                     "ring8"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot load" in err, err


def test_run_dir_save_model_refuses_nan(tmp_path, uninterrupted):
    done, _ = uninterrupted
    model = keras.saving.load_model(str(done / "model.keras"))
    run = RunDir(tmp_path)
    path = run.save_model(model)
    assert os.stat(path).st_mode & 0o044  # not the temporary file's 0600
    assert_weights_equal(model, keras.saving.load_model(path))
    weights = model.get_weights()
    weights[0][...] = np.nan
    model.set_weights(weights)
    with pytest.raises(ValueError, match="holds NaN or infinite values"):
        run.save_model(model)
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]
