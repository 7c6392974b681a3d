"""The output folder of a training run, kept sound through kills.

`RunDir` is what `keras-modegan train` writes through: a lock file that
keeps a second run out of the folder, a `run.json` that says whether the
run is complete, a per-epoch backup to resume from (Keras's
`BackupAndRestore` files, written through public callback API), and a
`model.keras` replaced only by a whole, finite model. Every file is written
to a temporary name and renamed, so a kill at any moment leaves the
previous version of each file or the new one, never a part.

This module imports Keras; `keras_modegan.utils` does not import it (the
command line parses its arguments before Keras is loaded).
"""

import contextlib
import csv
import io
import json
import math
import os
import tempfile
import time

import keras
import numpy as np

from keras_modegan.utils.atomic_write import write_text

try:
    import fcntl
except ImportError:  # Windows: a PID file without a kernel lock
    fcntl = None

LOCK_FILE = ".lock"
STATUS_FILE = "run.json"
BACKUP_DIR = "backup"
_METADATA = "training_metadata.json"


class RunInUseError(RuntimeError):
    """Another live process holds the run folder."""


class NonFiniteLossError(RuntimeError):
    """A training loss became NaN or infinite."""

    def __init__(self, epoch, step, name, value):
        self.epoch, self.step, self.name, self.value = epoch, step, name, value
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: {name} = {value}"
        )


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class RunDir:
    """The output folder of one training run.

    Args:
        path: the folder (created by `lock()` if missing).

    Example:

    ```python
    run = RunDir("runs/wgan_gp-ring8")
    with run.lock():
        run.write_status("incomplete", epochs=10)
        model.fit(data, epochs=10, initial_epoch=run.backup_epoch(),
                  callbacks=run.callbacks(steps_per_epoch=100))
        run.save_model(model)
        run.write_status("complete", epochs=10)
    ```
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self.backup_dir = os.path.join(self.path, BACKUP_DIR)

    def file(self, name):
        """The path of `name` inside the folder."""
        return os.path.join(self.path, name)

    # ------------------------------------------------------------------
    # One run at a time.

    @contextlib.contextmanager
    def lock(self):
        """Holds the folder for this process; raises `RunInUseError` if a
        live process holds it. A lock left by a dead process is taken over
        (with `fcntl`, the kernel releases a dead holder's lock)."""
        os.makedirs(self.path, exist_ok=True)
        path = self.file(LOCK_FILE)
        fd = self._acquire(path)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield self
        finally:
            with contextlib.suppress(OSError):
                os.remove(path)  # while still holding it
            os.close(fd)

    def _holder(self, path):
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def _refuse(self, path):
        pid = self._holder(path)
        raise RunInUseError(
            f"{self.path} is in use by another run (PID {pid if pid else '?'}); "
            "wait for it to end or choose another folder"
        )

    def _acquire(self, path):
        for _ in range(100):
            if fcntl is None:
                try:
                    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                except FileExistsError:
                    pid = self._holder(path)
                    if pid is not None and pid != os.getpid() and _pid_alive(pid):
                        self._refuse(path)
                    with contextlib.suppress(OSError):
                        os.remove(path)  # stale: its process is gone
                    continue
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                self._refuse(path)
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)  # its holder removed the file as we opened it: again
        raise RunInUseError(f"cannot lock {path}")

    # ------------------------------------------------------------------
    # Status.

    def read_status(self):
        """The `run.json` dict, or None if there is none (or it is not
        readable JSON)."""
        try:
            with open(self.file(STATUS_FILE)) as f:
                status = json.load(f)
        except (OSError, ValueError):
            return None
        return status if isinstance(status, dict) else None

    def write_status(self, status, fresh=False, **info):
        """Writes `run.json`: `{"status": status, ...info, "updated": ...}`.
        `"incomplete"` is written when a run starts, so a run killed at any
        point reads as incomplete; `"complete"` when all its files are
        written. The record is updated, or started anew if `fresh`."""
        record = {} if fresh else dict(self.read_status() or {})
        record.update(info, status=status, updated=time.strftime(
            "%Y-%m-%dT%H:%M:%S%z"))
        write_text(self.file(STATUS_FILE), json.dumps(record, indent=2) + "\n")
        return record

    # ------------------------------------------------------------------
    # Resuming.

    def backup_epoch(self):
        """The number of epochs the backup holds (0 if there is none)."""
        try:
            with open(os.path.join(self.backup_dir, _METADATA)) as f:
                return int(json.load(f)["epoch"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def remove_backup(self):
        import shutil

        shutil.rmtree(self.backup_dir, ignore_errors=True)

    def truncate_history(self, name, epochs):
        """Keeps the header and the rows of epochs `< epochs` of the CSV
        file `name` (a `CSVLogger` file), so that a resumed run appends
        after the epoch its backup holds. Returns the rows kept."""
        path = self.file(name)
        if not os.path.isfile(path):
            return 0
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            return 0
        header, kept = rows[0], []
        for row in rows[1:]:
            try:
                if int(row[header.index("epoch")]) < epochs:
                    kept.append(row)
            except (ValueError, IndexError):
                break  # a row cut by a kill: drop it and what follows
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([header] + kept)
        write_text(path, text.getvalue())
        return len(kept)

    def callbacks(self, steps_per_epoch, epochs):
        """The callbacks that keep the folder resumable: a stop on the first
        non-finite loss (`NonFiniteLossError`), the backup, and `run.json`'s
        epoch count. Put them after the callbacks that write per-epoch
        files."""
        return [
            _StopOnNonFiniteLoss(steps_per_epoch),
            _EpochBackup(self.backup_dir),
            _EpochStatus(self, epochs),
        ]

    # ------------------------------------------------------------------
    # The model.

    def save_model(self, model, name="model.keras"):
        """Saves `model` to `name` through a temporary file: the previous
        file stays until the new one is whole. Refuses a model with NaN or
        infinite weights (`NonFiniteLossError`'s sibling: `ValueError`)."""
        for weight in model.weights:
            value = keras.ops.convert_to_numpy(weight)
            if np.issubdtype(value.dtype, np.inexact) and not np.isfinite(value).all():
                raise ValueError(
                    f"not saving {self.file(name)}: the weight {weight.path} "
                    "holds NaN or infinite values"
                )
        path = self.file(name)
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}.", suffix=".keras")
        os.close(fd)
        try:
            model.save(tmp)
            umask = os.umask(0)  # mkstemp made it private (0600)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        return path


class _StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `NonFiniteLossError` at the first batch whose logged losses
    (`loss` and every `*_loss`) are not all finite, before the epoch ends:
    no backup, plot or model of a diverged state is written."""

    def __init__(self, steps_per_epoch):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            if name == "loss" or name.endswith("_loss"):
                value = float(np.asarray(keras.ops.convert_to_numpy(value)))
                if not math.isfinite(value):
                    raise NonFiniteLossError(
                        self.epoch + 1,
                        self.epoch * self.steps_per_epoch + batch + 1,
                        name,
                        value,
                    )


class _EpochBackup(keras.callbacks.Callback):
    """A per-epoch backup a kill cannot tear, on public Keras API only: the
    state of epoch E (`save_weights`: weights and optimizer state) goes to a
    new file `epoch-E.weights.h5` (written under a temporary name and
    renamed), then the metadata, renamed over the old, points at it; older
    weights are removed last. At the start of training the backup, if any,
    is loaded; the caller passes `initial_epoch=RunDir.backup_epoch()` to
    `fit`. The backup is kept after training (`RunDir.remove_backup`
    removes it once the run's files are written). The files are those of
    Keras's `BackupAndRestore` (`training_metadata.json` names the epochs
    done)."""

    def __init__(self, backup_dir):
        super().__init__()
        self.backup_dir = backup_dir

    def _metadata(self):
        try:
            with open(os.path.join(self.backup_dir, _METADATA)) as f:
                metadata = json.load(f)
            return int(metadata["epoch"]), metadata.get("weights")
        except (OSError, ValueError, KeyError, TypeError):
            return 0, None

    def on_train_begin(self, logs=None):
        epoch, weights = self._metadata()
        if epoch:
            self.model.load_weights(
                os.path.join(self.backup_dir, weights or f"epoch-{epoch}.weights.h5")
            )

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        os.makedirs(self.backup_dir, exist_ok=True)
        name = f"epoch-{done}.weights.h5"
        path = os.path.join(self.backup_dir, name)
        tmp = os.path.join(self.backup_dir, f".epoch-{done}.{os.getpid()}.weights.h5")
        self.model.save_weights(tmp, overwrite=True)
        os.replace(tmp, path)
        write_text(
            os.path.join(self.backup_dir, _METADATA),
            json.dumps({"epoch": done, "batch": 0, "weights": name}),
        )
        for entry in os.listdir(self.backup_dir):
            if entry.endswith(".weights.h5") and entry != name:
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.backup_dir, entry))


class _EpochStatus(keras.callbacks.Callback):
    """Records the epochs done in `run.json` after each epoch's backup."""

    def __init__(self, run, epochs):
        super().__init__()
        self.run = run
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        self.run.write_status("incomplete", epochs_done=epoch + 1,
                              epochs=self.epochs)
