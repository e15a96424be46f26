"""Atomic writes: a temporary file or folder beside the target, renamed into place at the end.

Every output of ``capacity`` goes through these, so an interrupted or failed run never leaves a
half-written file and never damages what was there before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from capacity.errors import UserError

__all__ = ["atomic_file", "atomic_folder", "write_atomic"]


def atomic_file(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name ending in {path.suffix or '.gpkg'}")
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_folder(path: Path, write: Callable[[Path], None]) -> None:
    """Write a folder beside ``path`` and swap it in; other files already in ``path`` are kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not path.is_dir():
        raise UserError(f"{path} is a file; give a folder name, or a name ending in .gpkg/.xlsx")
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
    old = None
    try:
        write(tmp)
        if path.exists():
            for item in path.iterdir():
                if not (tmp / item.name).exists():
                    copy = shutil.copytree if item.is_dir() else shutil.copy2
                    copy(item, tmp / item.name)
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.old-"))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The folder is created when missing. A file already at ``path`` is replaced only once the new
    one is complete, so an interrupted run never leaves a half-written report.

    Raises
    ------
    UserError
        When the folder cannot be created or written, naming it.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UserError(
            f"{path.parent}: cannot write here ({exc.strerror}); choose another --out."
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a report is for others to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
