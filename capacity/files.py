"""Atomic writes: a temporary file or folder beside the target, renamed into place at the end.

Every output of ``capacity`` goes through these, so an interrupted or failed run never leaves a
half-written file and never damages what was there before.

Files are swapped in with ``os.replace`` (atomic on POSIX). Folders are swapped in with Linux's
``renameat2(..., RENAME_EXCHANGE)``, which exchanges two directories in one step: at every moment
the path holds either the old or the new folder. Where it is missing (other systems, a file
system that does not support it) the fallback is two renames (old folder aside, new one in); a
crash between them leaves the old folder whole at ``.<name>.capacity-old-*`` beside the path,
but nothing at the path itself.

What is written is flushed to the disk (``fsync``) before it is renamed into place, and the
folder holding it after: a rename can otherwise reach the disk before the data it names, and a
power cut would leave an empty or cut file where the registry was (``sync_tree``).

A target that is a symbolic link is written through: the link's target is replaced, the link
stays. An existing target's permission bits are kept; a new one gets the usual ``0666``/``0777``
less the umask (``mkstemp``/``mkdtemp`` would make it private). An existing target's owner and
group are kept as far as the system allows (``keep_owners``): the new copy is made by whoever
runs the command, and colleagues who write to it through its group would lose that otherwise.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from capacity.errors import UserError, os_reason

__all__ = [
    "atomic_file",
    "atomic_folder",
    "exchange",
    "file_lock",
    "os_errors",
    "outside_registry",
    "sqlite_lock",
    "target_of",
    "write_atomic",
]


MARK = "capacity-"  # begins the name of every temporary copy beside a target (``leftovers``)


def target_of(path: Path) -> Path:
    """``path`` with symbolic links resolved (the file or folder that is really written)."""
    return Path(os.path.realpath(Path(path)))


@contextlib.contextmanager
def os_errors(path: Path, what: str = "kan ikke skrives") -> Iterator[None]:
    """Turn an ``OSError`` (permission denied, exists, not a folder, disk full) into a
    ``UserError`` that names ``path``; ``what`` is the Danish for what failed."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise UserError(
            f"{where}: {what} ({os_reason(exc)}); tjek stien, dens mappe og deres rettigheder"
        ) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode(path: Path, default: int) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return default & ~_umask()


def _make_folder(folder: Path) -> None:
    """Make ``folder`` (and its parents) for an output to be written into.

    Raises
    ------
    UserError
        When it is a file (an output folder named as an existing file: ``--out README.md``), or
        cannot be made.
    """
    with os_errors(folder):
        there = next((p for p in (folder, *folder.parents) if p.exists()), folder)
        if not there.is_dir():
            raise UserError(f"{there} er en fil, ikke en mappe; giv en mappe (eller et nyt navn)")
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))


def atomic_file(path: Path, write: Callable[[Path], None], mode: int | None = None) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    A symbolic link at ``path`` is written through; the file's permission bits are kept, or set
    to ``mode`` when given. ``write`` may check the file it wrote (read it back, compare) and
    raise: then ``path`` is left as it was.
    """
    path = target_of(path)
    _make_folder(path.parent)
    if path.is_dir():
        raise UserError(
            f"{path} er en mappe; giv et filnavn, der ender på {path.suffix or '.gpkg'}"
        )
    if mode is None:
        with os_errors(path):
            mode = _mode(path, 0o666)
    with os_errors(path.parent):
        fd, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{MARK}", suffix=path.suffix
        )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        write(tmp)  # the writer's own errors pass as they are
        with os_errors(path):
            keep_access(path, tmp)
            keep_owners(path, tmp)
            os.chmod(tmp, mode)
            sync_tree(tmp)
            os.replace(tmp, path)
        _sync_after(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_folder(
    path: Path,
    write: Callable[[Path], None],
    mode: int | None = None,
    replaces: Collection[str] = (),
) -> None:
    """Write a folder beside ``path`` and swap it in; other files already in ``path`` are kept,
    but for those named in ``replaces``: these belong to what is written, and one the writer did
    not write this time is left out.

    The swap is one ``exchange`` (see the module docstring); the folder's mode is kept, or set
    to ``mode`` when given. ``write`` fills the empty temporary folder it is given; it may check
    what it wrote and raise: then ``path`` is left as it was.
    """
    path = target_of(path)
    _make_folder(path.parent)
    if path.exists() and not path.is_dir():
        raise UserError(f"{path} er en fil, ikke en mappe; giv en mappe (eller et nyt navn)")
    if mode is None:
        with os_errors(path):
            mode = _mode(path, 0o777)
    with os_errors(path.parent):
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.{MARK}tmp-"))
    try:
        with os_errors(path):
            keep_access(path, tmp)  # before the files: they inherit its default access list
        write(tmp)  # the writer's own errors pass as they are
        with os_errors(path):
            if path.exists():
                for item in path.iterdir():
                    if item.name in replaces:
                        continue
                    if not (tmp / item.name).exists() and not (tmp / item.name).is_symlink():
                        copy_item(item, tmp / item.name)
            keep_owners(path, tmp)
            os.chmod(tmp, mode)
            sync_tree(tmp)
            swap_in(tmp, path)
        _sync_after(path.parent)
    finally:
        with contextlib.suppress(OSError):  # what is left is a leftover the next apply removes
            remove_tree(tmp)


def sync_tree(path: Path, deep: bool = True) -> None:
    """Flush ``path`` to the disk (``fsync``): a file, or a folder with (``deep``) every file and
    folder in it; symbolic links are not followed. A file system that cannot flush a folder
    (some network ones) is let be: its files are still flushed.

    Raises
    ------
    OSError
        When a file cannot be flushed (its data may not be on the disk).
    """
    if not (path.is_dir() and not path.is_symlink()):
        _fsync(path, os.O_RDONLY)
        return
    if deep:
        for root, dirs, names in os.walk(path):
            for name in names:
                item = Path(root, name)
                if not item.is_symlink() and item.is_file():
                    _fsync(item, os.O_RDONLY)
            for name in dirs:
                if not Path(root, name).is_symlink():
                    _fsync_folder(Path(root, name))
    _fsync_folder(path)


def _sync_after(folder: Path) -> None:
    """Flush the folder a rename was made in; the rename is done, so a folder that cannot be
    flushed is no reason to say the write failed."""
    with contextlib.suppress(OSError):
        sync_tree(folder, deep=False)


def _fsync(path: Path, flags: int) -> None:
    try:
        fd = os.open(path, flags)
    except PermissionError:  # a file its owner may write but not read
        fd = os.open(path, os.O_WRONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(path: Path) -> None:
    try:
        _fsync(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise


def outside_registry(out: Path, registry: Path) -> None:
    """Refuse an output folder that is the registry (a folder registry), lies inside it, or
    holds it (``--out .`` beside ``reg.gpkg``).

    Such outputs are written as a whole folder swapped in at once (``atomic_folder``): the
    registry would be copied into the new folder and the copy put in its place, so what another
    program writes to it meanwhile (an apply, QGIS) would be lost with the old folder.

    Raises
    ------
    UserError
        Naming both paths.
    """
    o, r = target_of(out), target_of(registry)
    if o == r or r.is_relative_to(o) or (r.is_dir() and o.is_relative_to(r)):
        raise UserError(
            f"--out {out} rummer registret {registry} eller ligger i det; resultaterne skrives "
            "som en hel mappe, der erstatter den gamle, så giv en mappe uden for registret "
            "(fx out/place)"
        )


# extended attributes kept when a file or folder is replaced: access control lists (who else
# may read and write the registry) and the user's own; security labels are the system's to set
KEPT_ATTRIBUTES = ("system.posix_acl_access", "system.posix_acl_default", "user.")


def keep_access(old: Path, new: Path) -> None:
    """Give ``new`` (about to replace ``old``) ``old``'s access control lists and user
    attributes (``KEPT_ATTRIBUTES``): a colleague given access to the registry by an ACL would
    else be locked out by the first write. Files copied into a new folder keep theirs already
    (``copy_item``); this is for the replaced file or folder itself. Set before ``keep_owners``,
    while the copy is still its writer's own.

    Raises
    ------
    UserError
        When an attribute cannot be given to the copy (then nothing is replaced).
    """
    if not hasattr(os, "listxattr") or not old.exists():
        return
    try:
        names = os.listxattr(old, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.ENODATA):
            return
        raise
    for name in names:
        if not name.startswith(KEPT_ATTRIBUTES):
            continue
        try:
            os.setxattr(new, name, os.getxattr(old, name, follow_symlinks=False))
        except OSError as exc:
            raise UserError(
                f"{old}: adgangslisten eller attributten {name} kan ikke overføres til den nye "
                f"udgave ({os_reason(exc)}), så andre kunne miste adgangen; intet blev skrevet. "
                "Kør kommandoen som filens ejer"
            ) from None


def keep_owners(old: Path, new: Path) -> None:
    """Give ``new`` (a file or folder about to replace ``old``) and everything in it the owner
    and group of what it replaces in ``old``, where that exists; what is new keeps its own.

    Only root may give a file to another user, and a user may give it only a group of their own:
    where the owner cannot be set, the group is tried alone, and where neither can, the copy
    stays as it is (its permission bits are still kept). Symbolic links are not followed.
    """
    for root, dirs, names in os.walk(new) if new.is_dir() and not new.is_symlink() else ():
        for name in [*dirs, *names]:
            item = Path(root, name)
            _same_owner(old / item.relative_to(new), item)
    _same_owner(old, new)


def copy_mode(original: Path) -> int:
    """The permission bits for a copy of ``original`` (a backup of the registry): its own, unless
    the copy cannot be given its group (``keep_owners``: only root, or a member of that group,
    may), when the group's and others' bits are dropped: the copy would else be open to the
    group of whoever made it, not to the registry's."""
    st = os.stat(original)
    mode = stat.S_IMODE(st.st_mode)
    if os.geteuid() == 0 or st.st_gid in {os.getegid(), *os.getgroups()}:
        return mode
    return mode & 0o700


def _same_owner(old: Path, new: Path) -> None:
    """``new`` given ``old``'s owner and group, or its group alone, or left as it is."""
    try:
        was, now = os.lstat(old), os.lstat(new)
    except FileNotFoundError:
        return
    if (now.st_uid, now.st_gid) == (was.st_uid, was.st_gid):
        return
    for uid in (was.st_uid, -1):
        try:
            os.chown(new, uid, was.st_gid, follow_symlinks=False)
            return
        except OSError:  # not permitted (or not supported here): never a reason to fail
            continue


def leftovers(path: Path) -> list[Path]:
    """Temporary copies that ``atomic_file`` and ``atomic_folder`` left beside ``path`` when a
    run was killed before its rename, for ``path`` and for its backups (``<stem>.backup-*``):
    ``.<name>.capacity-<8 characters><suffix>`` and ``.<name>.capacity-tmp-<8 characters>``,
    named with ``MARK`` so that no file of the user's is taken for one. A copy of a registry
    holds personal data. Only its writer (holding the registry's lock) may remove them;
    ``.<name>.capacity-old-*`` (the old folder after an interrupted fallback swap) is not one."""
    path = target_of(path)
    mark = re.escape(MARK)
    names = re.compile(
        rf"\.({re.escape(path.stem)}(\.backup-[^/]*)?{re.escape(path.suffix)})"
        rf"\.{mark}([a-z0-9_]{{8}}{re.escape(path.suffix)}|tmp-[a-z0-9_]{{8}})"
    )
    if not path.parent.is_dir():
        return []
    return sorted(p for p in path.parent.iterdir() if names.fullmatch(p.name))


def remove_item(path: Path) -> None:
    """Remove a file, a link or a folder of ours (a temporary copy, a backup) with what it holds
    (``remove_tree``); nothing when there is none."""
    if path.is_dir() and not path.is_symlink():
        remove_tree(path)
    else:
        path.unlink(missing_ok=True)


def remove_tree(path: Path) -> None:
    """Remove the folder ``path``, which is ours (a temporary copy, the old folder a swap put
    there), with everything in it, folders marked read-only in it too.

    A folder the user marked read-only (``chmod 555``) is copied with its mode, and nothing in it
    can be removed as it is: where a removal fails, the folder it is in (and the part itself when
    it is a folder, which may not be readable) is given ``u+rwx``, inside ``path`` only, and the
    part is removed again, once. The rest is removed even when one part cannot be.

    Raises
    ------
    OSError
        For the first part that could not be removed, named by its full path.
    """
    path = Path(os.path.abspath(path))
    tried: set[str] = set()
    failed: list[OSError] = []

    def retry(func: object, name: str, exc: BaseException) -> None:
        if name in tried or not isinstance(exc, OSError):
            failed.append(_named(exc, name))
            return
        tried.add(name)
        try:
            for folder in (os.path.dirname(name), name):
                mine = os.path.commonpath([path, folder]) == str(path)
                if mine and os.path.isdir(folder) and not os.path.islink(folder):
                    os.chmod(folder, stat.S_IMODE(os.lstat(folder).st_mode) | stat.S_IRWXU)
            if os.path.isdir(name) and not os.path.islink(name):
                _rmtree(name, retry)
            elif os.path.lexists(name):
                os.unlink(name)
        except OSError:
            failed.append(_named(exc, name))  # why it could not be removed, not the chmod's

    _rmtree(path, retry)
    if failed:
        raise failed[0]


def _rmtree(path: Path | str, retry: Callable[[object, str, BaseException], None]) -> None:
    """``shutil.rmtree`` calling ``retry(function, full path, exception)`` on each error."""
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=lambda func, name, info: retry(func, name, info[1]))


def _named(exc: BaseException, name: str) -> OSError:
    """``exc`` as an ``OSError`` naming the full path ``name`` (``rmtree`` gives the name inside
    its folder)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return OSError(exc.errno, exc.strerror, name)
    return OSError(errno.EIO, str(exc), name)


def copy_item(src: Path, dst: Path) -> None:
    """Copy a file or folder with its mode and times; symbolic links stay links."""
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True)
    else:
        shutil.copy2(src, dst, follow_symlinks=False)


def swap_in(new: Path, path: Path) -> None:
    """Put the folder ``new`` at ``path``; afterwards ``new`` holds the old folder (if any).

    With ``exchange`` when ``path`` exists (atomic), else a plain rename. When the exchange is not
    supported: ``path`` renamed aside to ``.<name>.capacity-old-*``, then ``new`` renamed to
    ``path``, then the old folder moved to ``new`` (so the caller removes it as before).
    """
    if not path.exists():
        os.rename(new, path)
        return
    try:
        exchange(new, path)
        return
    except NotImplementedError:
        pass
    aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.{MARK}old-"))
    os.rename(path, aside / path.name)
    os.rename(new, path)
    os.rename(aside / path.name, new)
    aside.rmdir()


RENAME_EXCHANGE = 2
AT_FDCWD = -100
_libc: ctypes.CDLL | None = None


def exchange(a: Path, b: Path) -> None:
    """Exchange the paths ``a`` and ``b`` in one atomic step (Linux ``renameat2``).

    Raises
    ------
    NotImplementedError
        When the system or the file system has no ``RENAME_EXCHANGE``.
    OSError
        For any other failure (the paths are unchanged).
    """
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        raise NotImplementedError("renameat2 is not available")
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise NotImplementedError(os.strerror(err))
        raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[Path]:
    """Hold an exclusive ``flock`` on ``.<name>.lock`` beside ``path`` (the resolved path).

    Raises
    ------
    UserError
        At once when another process holds the lock (nobody waits for a long apply).
    """
    import fcntl

    path = target_of(path)
    lock = path.with_name(f".{path.name}.lock")
    fd = _open_lock(lock, path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"{path} er låst af en anden capacity-proces (låsefil {lock}); vent, til den er "
                "færdig, og kør så kommandoen igen"
            ) from None
        yield lock
    finally:
        os.close(fd)  # closing releases the lock; the file stays (removing it would race)


LOCK_MODE = 0o644  # read access is all flock needs: every user's apply opens the same file


def _open_lock(lock: Path, path: Path) -> int:
    """Open the lock file ``lock`` of ``path`` for reading, creating it readable by all
    (``LOCK_MODE``, whatever the umask: a lock file only its creator can open would keep every
    other user out for good). A lock file another user created (and owns) serves as well.

    Raises
    ------
    UserError
        When it cannot be created, or it exists and cannot be opened (naming it, and saying it
        may be removed while no other process writes the registry).
    """
    with os_errors(lock, "kan ikke oprette låsefilen"):
        try:
            fd: int | None = os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_EXCL, LOCK_MODE)
        except FileExistsError:
            fd = None
    if fd is not None:
        with contextlib.suppress(OSError):  # a file system without modes locks all the same
            os.fchmod(fd, LOCK_MODE)
        return fd
    try:  # O_CREAT for a lock file removed meanwhile, or a link to one not there yet
        return os.open(lock, os.O_RDONLY | os.O_CREAT, LOCK_MODE)
    except OSError as exc:
        raise UserError(
            f"{lock}: låsefilen kan ikke åbnes ({os_reason(exc)}); den må gerne slettes, når "
            f"ingen anden capacity-proces skriver til {path} (den oprettes igen), og kør så "
            "kommandoen igen"
        ) from None


@contextlib.contextmanager
def sqlite_lock(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock (``BEGIN IMMEDIATE``) on the database at ``path`` while the caller
    puts another file in its place, so that no other program (an apply, QGIS) is inside a
    transaction on it then. A file that is not an SQLite database has no such lock to take.

    Raises
    ------
    UserError
        At once when another program holds the lock.
    """
    conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):  # else it cannot be opened: the write that follows says why
                raise UserError(
                    f"{path} er låst af et andet program ({exc}); vent, til det er færdigt "
                    "(eller stop redigeringen i QGIS), og kør så kommandoen igen"
                ) from None
        except sqlite3.DatabaseError:
            pass  # not a database: nobody holds a transaction on it
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` by ``atomic_file``: a file already at ``path``
    is replaced only once the new one is complete, so an interrupted run never leaves a
    half-written report. The folder is created when missing.

    Raises
    ------
    UserError
        When the folder cannot be created or written (read-only, a file where the folder should
        be, a folder where the file should be, disk full), naming the path; nothing is left behind.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data

    def write(tmp: Path) -> None:
        with os_errors(path):
            tmp.write_bytes(raw)

    atomic_file(Path(path), write)
    return Path(path)
