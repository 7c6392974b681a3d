"""Writing result files so that a crash never leaves one half-written."""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode="w"):
    """Opens a temporary file next to `path`; on success it replaces `path`.

    The file is written in the same directory (created if missing) and
    moved onto `path` with `os.replace` only when the `with` block ends
    without an exception, so readers see either the old file or the whole
    new one. On an exception the temporary file is removed, `path` is left
    as it was, and the exception propagates.

    Args:
        path: the file to write (str or path-like).
        mode: `"w"` (text, UTF-8) or `"wb"` (bytes).

    Yields:
        The open temporary file.

    Example:

    ```python
    with atomic_write("results/table.md") as f:
        f.write(table)
    ```
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"`mode` must be 'w' or 'wb'. Received: mode={mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp"
    )
    try:
        encoding = "utf-8" if mode == "w" else None
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
        # mkstemp makes the file private (0600); give it the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_text(path, text):
    """Writes `text` to `path` atomically (see `atomic_write`).

    Returns:
        `path`.
    """
    with atomic_write(path) as f:
        f.write(text)
    return path
