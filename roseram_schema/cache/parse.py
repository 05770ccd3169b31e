"""The parse cache: what each source file declared, so a load after an edit reads only the
files that changed.

    <project>/.roseram/cache/parsed.pickle   a pickle of
        {"version": code_version(), "entries": {path: (sha256 of its bytes, pickled Draft)},
         "strings": [every string the entries hold, each once],
         "fresh": how many strings the list held when it was last started,
         "facts": what naming and validation learnt from SQL snippets (snippetfacts.py)}
    followed by its tag (state.files.atomic_file: an HMAC under this user's key)

Reading one file (other than project.yaml) gives a Draft of its own (see draft.py: the
tables, views ... it declares and the `later` partials it queued), which depends only on
the file's path, its bytes and the code that reads it; the entry is keyed by all three. Only
files read without a problem are kept, so a broken file is read (and reported) every time.
Entries are pickled one by one: an unchanged entry is written back as the same bytes, and a
Draft that cannot be pickled is simply not kept.

An entry names each string by its index in "strings" (a pickle persistent id), so the files'
Drafts load sharing one object per distinct string: a project names few distinct strings
many times ("user_id", "uuid", "public", a policy's expression...), and a copy of each per
file made up much of the loaded project. The list only grows (an entry
written once keeps its indices); when the strings added since it was started outnumber both
those it started with and _STALE_SLACK (mostly strings of files since edited or removed),
the cache starts afresh. Model objects are pickled as their class called with their field
values (catalog_json's reduction), so they load without the default's copy-then-set-state.

A missing, unreadable, damaged, untagged or other-version cache is an empty one; a cache
that cannot be written (a read-only checkout) is not written. Never an error. The file is
not trusted: one whose tag does not verify (state.files.read_verified) is not unpickled at
all, and a tagged one is still read with model/unpickle.py's unpickler, which names only the
classes a Draft holds, so a crafted one is a miss (or a wrong entry), never code that runs.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path

from ..model import unpickle as cacheload
from ..model.serialize import field_values
from ..state.files import atomic_file, read_verified
from .files import CACHE_DIR
from .key import code_key
from ..source import snippetfacts
from ..source.draft import Draft

CACHE_FILE = "parsed.pickle"
# Bump when the layout of the file changes.
_FORMAT = 4
# Strings added to the list since it was started that are carried before starting afresh
# (a parse of everything), at the least: a few thousand edits' worth.
_STALE_SLACK = 1 << 16


def code_version() -> str:
    """What a cached Draft depends on besides the file: the code and the parsers (cache/key.py)
    and this file format."""
    return f"{_FORMAT}|{code_key()}"


class ParseCache:
    """The parse cache of one project: `get` what a file declared, `put` what it now
    declares, then `save` once (the entries of files not asked for are dropped)."""

    def __init__(self, path: Path, entries: dict[str, tuple[bytes, bytes]], facts: dict, strings: list[str],
                 fresh: int = 0):
        self.path = path
        self.entries = entries
        self.facts = facts
        self.strings = strings
        self.fresh = fresh if strings else None  # None: the list starts with this load
        self._index: dict[str, int] | None = None  # string -> its index, made by the first put
        self.kept: dict[str, tuple[bytes, bytes]] = {}
        self.changed = False
        snippetfacts.seed(facts)

    @classmethod
    def open(cls, root: Path) -> "ParseCache":
        """The cache of the project at `root` (empty when absent or not usable)."""
        path = Path(root) / CACHE_DIR / CACHE_FILE
        try:
            blob = read_verified(path)  # a memoryview: sliced without a copy
            if blob is None:
                raise ValueError("absent, damaged or not written by this user's runs here")
            data = cacheload.loads(blob)
            if data["version"] != code_version():
                raise ValueError("made by other code")
            entries, facts, strings, fresh = data["entries"], data["facts"], data["strings"], data["fresh"]
            if not (isinstance(entries, dict) and isinstance(facts, dict) and isinstance(strings, list)
                    and isinstance(fresh, int)):
                raise ValueError("not a parse cache")
        except Exception:  # noqa: BLE001 - whatever is wrong with the file, it is a miss
            entries, facts, strings, fresh = {}, {}, [], 0
        return cls(path, entries, facts, strings, fresh)

    @staticmethod
    def digest(data: bytes) -> bytes:
        """The key of a file's bytes."""
        return hashlib.sha256(data).digest()

    def get(self, rel: str, digest: bytes) -> Draft | None:
        """The Draft of file `rel` whose bytes have `digest`, or None."""
        entry = self.entries.get(rel)
        if not isinstance(entry, tuple) or len(entry) != 2 or entry[0] != digest:
            return None
        try:
            # a C call per string, no Python
            part = cacheload.loads(entry[1], persistent_load=self.strings.__getitem__)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            return None
        if not isinstance(part, Draft) or part.problems:
            return None
        self.kept[rel] = entry
        return part

    def put(self, rel: str, digest: bytes, part: Draft) -> None:
        """Keep the problem-free Draft of file `rel` (bytes with `digest`)."""
        if self._index is None:
            self._index = {text: i for i, text in enumerate(self.strings)}
        out = io.BytesIO()
        try:
            _PartPickler(out, self._index, self.strings).dump(part)
            blob = out.getvalue()
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # something in it is not picklable: read this file again next time
        self.kept[rel] = (digest, blob)
        self.changed = True

    def save(self) -> None:
        """Write the kept entries and the snippet facts used (call it after naming and
        validation), if they differ from what was read; silently skipped when the cache
        folder cannot be written."""
        facts = snippetfacts.used()
        if not self.changed and self.kept.keys() == self.entries.keys() and facts.keys() == self.facts.keys():
            return
        kept, strings = self.kept, self.strings
        fresh = len(strings) if self.fresh is None else self.fresh
        if len(strings) - fresh > max(fresh, _STALE_SLACK):
            kept, strings, fresh = {}, [], 0
        content = {"version": code_version(), "entries": kept, "strings": strings, "fresh": fresh,
                   "facts": facts}
        try:
            _write_atomically(self.path, content)
        except OSError:
            pass  # a read-only checkout: load without a cache


class _PartPickler(pickle.Pickler):
    """Pickles a file's Draft naming every string by its index in the cache's list (added
    when new), and each model object as its class called with its field values."""

    def __init__(self, file, index: dict[str, int], strings: list[str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.index = index
        self.strings = strings

    def persistent_id(self, obj):
        if obj.__class__ is not str:
            return None
        i = self.index.get(obj)
        if i is None:
            i = self.index[obj] = len(self.strings)
            self.strings.append(obj)
        return i

    def reducer_override(self, obj):
        values = field_values(obj.__class__)
        if values is None:
            return NotImplemented
        return obj.__class__, values(obj)


def _write_atomically(path: Path, content) -> None:
    # concurrent loads see the old or the new file; atomic_file appends the tag
    with atomic_file(path, "wb") as f:
        pickle.dump(content, f, protocol=pickle.HIGHEST_PROTOCOL)
