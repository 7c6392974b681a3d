import os

import pytest

from keras_modegan.utils.atomic_write import atomic_write, write_text

# NumPy, tf.data and argparse only: no Keras backend is called.
pytestmark = pytest.mark.backend_independent


def test_write_text_creates_directories_and_writes(tmp_path):
    path = tmp_path / "results" / "table.md"
    assert write_text(path, "| a |\n") == path
    assert path.read_text() == "| a |\n"
    # Only the file itself is left: no temporary files beside it.
    assert os.listdir(tmp_path / "results") == ["table.md"]


def test_file_gets_the_usual_mode_not_mkstemps_private_one(tmp_path):
    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(umask)
    assert (os.stat(tmp_path / "a.txt").st_mode & 0o777) == 0o644


def test_failure_keeps_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "table.md"
    path.write_text("old table\n")
    with pytest.raises(RuntimeError, match="crashed"):
        with atomic_write(path) as f:
            f.write("half of a new ta")
            raise RuntimeError("crashed mid-write")
    assert path.read_text() == "old table\n"
    assert os.listdir(tmp_path) == ["table.md"]


def test_binary_mode(tmp_path):
    with atomic_write(tmp_path / "a.bin", "wb") as f:
        f.write(b"\x00\x01")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"


def test_bad_mode_names_the_argument(tmp_path):
    with pytest.raises(ValueError, match="`mode` must be 'w' or 'wb'"):
        with atomic_write(tmp_path / "a", "a"):
            pass
