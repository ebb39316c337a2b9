"""Atomic output: files are written into a temporary folder and moved into place when complete.

:class:`OutputFolder` collects every file of one run in ``DIR/.peir-tmp-<pid>-<random>/``; when
the run succeeds it

1. removes the previous run's ``manifest.json`` (so a folder caught half-way never presents one),
2. removes stale files of earlier runs (those listed in their manifest, and peir's own file
   names, e.g. ``brief.md`` left by a run with more formats) that this run does not write,
3. moves each new file into place with :func:`os.replace` (atomic on one file system), and
4. writes ``manifest.json`` last: ``files`` lists each file with its ``bytes`` and ``sha256``.

A folder with a ``manifest.json`` is therefore complete, and every file it lists is exactly the
one written. A killed run leaves the previous output as it was (or, if it died while moving
files, a folder without a manifest) plus a hidden temporary folder, removed by the next run.
A full disk or an unwritable folder raises :class:`OutputError` with one clear message, and
the temporary folder is removed.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from peir._version import __version__
from peir.errors import PeirError

__all__ = ["MANIFEST", "OutputError", "OutputFolder", "read_manifest", "write_file_atomic"]

#: Name of the manifest written last into the output folder.
MANIFEST = "manifest.json"

_TMP_PREFIX = ".peir-tmp-"
#: peir's own output names: removed when a later run does not write them again.
_OWN = re.compile(
    r"^(brief\.(html|md|xlsx)|numbers\.csv|figures/[^/]+\.(png|svg)|groups/[^/]+\.(html|xlsx))$"
)


class OutputError(PeirError):
    """Output could not be written (full disk, unwritable or missing folder...)."""


def _describe(exc: OSError, where: Path) -> str:
    if exc.errno == errno.ENOSPC:
        what = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "permission denied (read-only or not writable)"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        what = "a part of the path is a file, not a folder"
    else:
        what = exc.strerror or type(exc).__name__
    return f"cannot write the output to {where}: {what}; nothing was changed there"


def _store(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file ``path`` (the one place output bytes reach the disk)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(out_dir: str | Path) -> dict[str, object] | None:
    """The manifest of a complete output folder (``None`` when there is none)."""
    p = Path(out_dir) / MANIFEST
    if not p.exists():
        return None
    data: dict[str, object] = json.loads(p.read_text("utf-8"))
    return data


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True


class OutputFolder:
    """Collect the files of one run and move them into ``out_dir`` when all are written.

    Use as a context manager; write with :meth:`write_bytes` / :meth:`write_text`. On a clean
    exit the files are committed (see the module docstring); on an exception nothing in
    ``out_dir`` changes.
    """

    def __init__(self, out_dir: str | Path) -> None:
        self.out = Path(out_dir)
        self.tmp: Path | None = None
        self.files: dict[str, int] = {}

    def __enter__(self) -> OutputFolder:
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._remove_dead_temporaries()
            self.tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=self.out))
        except OSError as exc:
            raise OutputError(_describe(exc, self.out)) from None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                self.commit()
        except OSError as err:
            raise OutputError(_describe(err, self.out)) from None
        finally:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(_describe(exc, self.out)) from None

    def _remove_dead_temporaries(self) -> None:
        for p in self.out.glob(f"{_TMP_PREFIX}*"):
            m = re.match(rf"{re.escape(_TMP_PREFIX)}(\d+)-", p.name)
            if p.is_dir() and (m is None or not _pid_alive(int(m.group(1)))):
                shutil.rmtree(p, ignore_errors=True)

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write the file ``name`` (a relative path such as ``figures/x.png``)."""
        assert self.tmp is not None, "use OutputFolder as a context manager"
        if name == MANIFEST or name.startswith(("/", "..")) or "/../" in name:
            raise ValueError(f"bad output name {name!r}")
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _store(path, data)
        self.files[name] = len(data)

    def write_text(self, name: str, text: str) -> None:
        """Write the UTF-8 text file ``name``."""
        self.write_bytes(name, text.encode("utf-8"))

    def commit(self) -> Path:
        """Move the files into place and write the manifest; returns the manifest's path."""
        assert self.tmp is not None
        entries = [
            {
                "file": name,
                "bytes": (self.tmp / name).stat().st_size,
                "sha256": _sha256(self.tmp / name),
            }
            for name in sorted(self.files)
        ]
        old = self._previous_files()
        (self.out / MANIFEST).unlink(missing_ok=True)
        for name in sorted(old - set(self.files)):
            (self.out / name).unlink(missing_ok=True)
        for name in sorted(self.files):
            dest = self.out / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp / name, dest)
        for sub in ("figures", "groups"):
            d = self.out / sub
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        manifest = {
            "generator": f"peir {__version__}",
            "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": entries,
        }
        staged = self.tmp / MANIFEST
        _store(staged, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
        os.replace(staged, self.out / MANIFEST)
        return self.out / MANIFEST

    def _previous_files(self) -> set[str]:
        """Files of earlier runs: those their manifest lists, and peir's own names present."""
        out: set[str] = set()
        try:
            prev = read_manifest(self.out)
        except (OSError, ValueError):  # an unreadable manifest: fall back to peir's own names
            prev = None
        listed = prev.get("files") if prev is not None else None
        if isinstance(listed, list):
            for e in listed:
                name = str(e.get("file", "")) if isinstance(e, dict) else ""
                if name and not name.startswith(("/", "..")) and "/../" not in name:
                    out.add(name)
        for p in self.out.rglob("*"):
            rel = p.relative_to(self.out).as_posix()
            if p.is_file() and not rel.startswith(_TMP_PREFIX) and _OWN.match(rel):
                out.add(rel)
        return out


def write_file_atomic(path: str | Path, data: bytes) -> Path:
    """Write one file atomically: a temporary file beside it, then :func:`os.replace`.

    Raises :class:`OutputError` on a full disk or an unwritable folder (nothing is left behind).
    """
    dest = Path(path)
    tmp: Path | None = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".peir-tmp", dir=dest.parent)
        os.close(fd)
        tmp = Path(name)
        _store(tmp, data)
        os.replace(tmp, dest)
        tmp = None
    except OSError as exc:
        raise OutputError(_describe(exc, dest)) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return dest
