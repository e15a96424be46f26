"""``files.write_atomic``, the reports' writer, on ``atomic_file``: a whole file or none, written
through a link, with the permissions the user gave it."""

from __future__ import annotations

import errno
import os
import re
import struct
from pathlib import Path

import pytest

from capacity import files
from capacity.errors import UserError
from capacity.files import write_atomic


def test_a_new_file_and_its_folder_are_made(tmp_path):
    path = write_atomic(tmp_path / "out" / "kort.html", "<p>æøå</p>")
    assert path.read_bytes() == "<p>æøå</p>".encode()
    assert os.listdir(tmp_path / "out") == ["kort.html"]


def test_a_link_is_written_through_and_the_permissions_kept(tmp_path):
    real = tmp_path / "shared" / "report.html"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o664)
    link = tmp_path / "report.html"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert real.stat().st_mode & 0o777 == 0o664


def test_a_full_disk_keeps_the_old_file_and_leaves_no_copy(tmp_path, monkeypatch):
    path = tmp_path / "report.html"
    path.write_text("old")

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(UserError, match="ingen plads tilbage på disken"):
        write_atomic(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.html"]


def test_a_folder_where_the_file_goes_is_refused(tmp_path):
    (tmp_path / "report.html").mkdir()
    with pytest.raises(UserError, match="report.html er en mappe"):
        write_atomic(tmp_path / "report.html", "x")


@pytest.mark.parametrize("inside", ["", "sub"])
def test_an_output_folder_that_is_a_file_is_named_as_a_file(tmp_path, inside):
    # `review --out README.md` said "kan ikke skrives (findes allerede); tjek ... rettigheder".
    (tmp_path / "README.md").write_text("x", encoding="utf-8")
    folder = tmp_path / "README.md" / inside if inside else tmp_path / "README.md"
    message = f"{tmp_path / 'README.md'} er en fil, ikke en mappe; giv en mappe"
    with pytest.raises(UserError, match=re.escape(message)):
        files.atomic_file(folder / "review.html", lambda p: p.write_text("y"))
    with pytest.raises(UserError, match=re.escape(message)):
        files.atomic_folder(folder / "plan", lambda p: None)
    with pytest.raises(UserError, match=re.escape(message)):  # plan --out README.md
        files.atomic_folder(tmp_path / "README.md", lambda p: None)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "x"


def test_an_output_path_the_system_refuses_is_a_message_not_a_traceback(tmp_path):
    # A name too long for the file system: Path.exists() raises, outside the error handler it
    # ended the command with a traceback and exit 1.
    folder = tmp_path / ("a" * 300) / "rev"
    with pytest.raises(UserError, match="kan ikke skrives"):
        files.atomic_file(folder / "review.html", lambda p: p.write_text("y"))


def _record_syncs(monkeypatch) -> list[str]:
    """Record each fsync (the path of its descriptor) and each rename into place, in order."""
    events: list[str] = []
    real_fsync, real_replace, real_swap = os.fsync, os.replace, files.swap_in

    def fsync(fd: int) -> None:
        events.append("sync " + os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(f"rename {dst}")
        real_replace(src, dst)

    def swap_in(new: Path, path: Path) -> None:
        events.append(f"rename {path}")
        real_swap(new, path)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "swap_in", swap_in)
    return events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name descriptors")
def test_a_file_is_on_the_disk_before_it_is_renamed_in(tmp_path, monkeypatch):
    """The new file is flushed before the rename and the folder after it: else a power cut can
    leave the rename on the disk without the data it names (an empty registry)."""
    path = tmp_path / "reg.xlsx"
    path.write_bytes(b"old")
    events = _record_syncs(monkeypatch)
    files.atomic_file(path, lambda tmp: tmp.write_bytes(b"new"))
    assert path.read_bytes() == b"new"
    rename = events.index(f"rename {path}")
    before = [e for e in events[:rename] if e.startswith("sync ")]
    assert len(before) == 1 and Path(before[0][5:]).name.startswith(".reg.xlsx.")
    assert events[rename + 1 :] == [f"sync {tmp_path}"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name descriptors")
def test_a_folder_is_on_the_disk_before_it_is_swapped_in(tmp_path, monkeypatch):
    """Every file and folder of the new folder (the user's files copied in too) is flushed
    before the swap, and the folder holding it after."""
    path = tmp_path / "reg"
    (path / "mine").mkdir(parents=True)
    (path / "mine" / "notes.txt").write_text("user", encoding="utf-8")
    events = _record_syncs(monkeypatch)

    def write(tmp: Path) -> None:
        (tmp / "units.csv").write_text("id\n", encoding="utf-8")

    files.atomic_folder(path, write)
    rename = events.index(f"rename {path}")
    synced = {Path(e[5:]).name for e in events[:rename] if e.startswith("sync ")}
    assert {"units.csv", "mine", "notes.txt"} <= synced
    assert events[rename + 1 :] == [f"sync {tmp_path}"]
    assert (path / "mine" / "notes.txt").read_text(encoding="utf-8") == "user"


def _acl(entries: list[tuple[int, int, int]]) -> bytes:
    """A POSIX access control list as Linux stores it (version 2, then tag, permissions, id)."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


ANY = 0xFFFFFFFF
# owner rw, user 1001 rw, group r, mask rw, others r
ACL = _acl([(1, 6, ANY), (2, 6, 1001), (4, 4, ANY), (0x10, 6, ANY), (0x20, 4, ANY)])


def _with_access(path: Path) -> None:
    try:
        os.setxattr(path, "user.note", b"kommunens")
        os.setxattr(path, "system.posix_acl_access", ACL)
    except OSError as exc:
        pytest.skip(f"this file system keeps no access lists ({exc})")


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="extended attributes are Linux's")
def test_a_replaced_file_or_folder_keeps_its_access_list(tmp_path):
    """A colleague given access to the registry by an ACL keeps it after a write (audit M1: the
    workbook and the folder lost their lists, and their user attributes)."""
    book, folder = tmp_path / "reg.xlsx", tmp_path / "reg"
    book.write_bytes(b"old")
    folder.mkdir()
    for path in (book, folder):
        _with_access(path)
    files.atomic_file(book, lambda tmp: tmp.write_bytes(b"new"))
    files.atomic_folder(folder, lambda tmp: (tmp / "units.csv").write_text("id\n"))
    for path in (book, folder):
        assert os.getxattr(path, "user.note") == b"kommunens"
        assert os.getxattr(path, "system.posix_acl_access") == ACL
    assert book.read_bytes() == b"new" and (folder / "units.csv").exists()
