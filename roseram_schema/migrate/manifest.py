"""roseram.sum: the checksum manifest of a migration folder, computed as atlas computes
atlas.sum, so an edited, removed, added or reordered migration file is detected.

Format (UTF-8, one entry a line, files in name order):

    h1:<total>
    <file name> h1:<hash>
    ...

<hash> is base64 (standard, padded) of a running sha256: for each file in order, its name
and then its bytes are fed to ONE hash, and the digest so far is the file's line. A file's
line thus covers it and every file before it (an edit or a file slipped in earlier changes
every line after it). <total> is base64 of the sha256 of every line's name and hash
concatenated (name, then "h1:<hash>"), so editing the manifest by hand is detected too.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import RoseramError

MANIFEST_NAME = "roseram.sum"


class ManifestError(RoseramError):
    """The folder does not match its manifest (or the manifest is missing or malformed)."""


@dataclass(frozen=True)
class Manifest:
    total: str  # "h1:..."
    entries: tuple[tuple[str, str], ...]  # (file name, "h1:...")

    def text(self) -> str:
        return "".join([f"{self.total}\n", *(f"{name} {h}\n" for name, h in self.entries)])


def _b64(digest: bytes) -> str:
    return "h1:" + base64.b64encode(digest).decode("ascii")


def compute(files: list[tuple[str, bytes]]) -> Manifest:
    """The manifest of `files` ((name, bytes) in name order)."""
    running = hashlib.sha256()
    entries = []
    for name, data in files:
        running.update(name.encode("utf-8"))
        running.update(data)
        entries.append((name, _b64(running.copy().digest())))
    total = hashlib.sha256()
    for name, h in entries:
        total.update(name.encode("utf-8"))
        total.update(h.encode("ascii"))
    return Manifest(_b64(total.digest()), tuple(entries))


def parse(text: str, where: str) -> Manifest:
    """Read a manifest; ManifestError naming `where`:line on a malformed line."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("h1:") or " " in lines[0]:
        raise ManifestError(f"{where}:1:1: the first line must be the total, h1:<base64>")
    entries = []
    for n, line in enumerate(lines[1:], 2):
        name, sep, h = line.rpartition(" ")
        if not sep or not name or not h.startswith("h1:"):
            raise ManifestError(f"{where}:{n}:1: expected `<file> h1:<base64>`, found {line!r}")
        entries.append((name, h))
    return Manifest(lines[0], tuple(entries))


def write(folder: Path, files: list[tuple[str, bytes]]) -> Path:
    """Write the manifest of `files` into `folder`; returns its path."""
    path = folder / MANIFEST_NAME
    path.write_text(compute(files).text(), encoding="utf-8")
    return path


def verify(folder: Path, files: list[tuple[str, bytes]]) -> None:
    """ManifestError unless `folder`'s manifest is exactly the one of `files`, naming the
    first file that differs. An empty folder needs no manifest."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        if files:
            raise ManifestError(f"{path}: missing: the folder has migration files but no checksum manifest "
                                "(write migrations with `roseram-schema migrate diff`)")
        return
    where = str(path)
    found = parse(path.read_text(encoding="utf-8"), where)
    want = compute(files)
    listed = [name for name, _ in found.entries]
    names = [name for name, _ in files]
    for name in names:
        if name not in listed:
            raise ManifestError(f"{where}: {name} is not in the manifest: a migration file was added by hand "
                                "(migration files are written by `roseram-schema migrate diff`)")
    for name in listed:
        if name not in names:
            raise ManifestError(f"{where}: {name} is in the manifest but not in the folder: a migration file "
                                "was removed or renamed")
    if listed != names:
        first = next(a for a, b in zip(listed, names) if a != b)
        raise ManifestError(f"{where}: the migration files are not in the manifest's order (first: {first}): "
                            "a file was renamed or reordered")
    for n, ((name, h), (_, wanted)) in enumerate(zip(found.entries, want.entries), 2):
        if h != wanted:
            raise ManifestError(f"{where}:{n}:1: {name} changed since the manifest was written (checksum "
                                "differs): a migration file was edited; write a new migration instead")
    if found.total != want.total:
        raise ManifestError(f"{where}:1:1: the total checksum does not match the files: the manifest was edited")
