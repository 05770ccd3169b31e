"""Reading a project folder (schema/, policies/, views/, project.yaml) into one Catalog.

`load_project(root)` returns a `Project` or raises `SourceError` listing every problem,
each with `file:line:column`, the object, what is wrong and a hint. The format is
described in the README ("The source format"). `read_source(root)` reads the files once
(bytes and fingerprint) for a caller that needs the fingerprint before deciding to load.
"""

from .loader import Project, SourceSnapshot, fingerprint_of, load_project, read_source, source_files

__all__ = ["Project", "SourceSnapshot", "load_project", "read_source", "source_files", "fingerprint_of",
           "dump_table", "table_to_data"]


def __getattr__(name: str):
    # dump pulls in the YAML writer; loaded only when asked for (PEP 562)
    if name in ("dump_table", "table_to_data"):
        from . import dump

        return getattr(dump, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
