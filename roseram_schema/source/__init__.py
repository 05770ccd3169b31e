"""Reading a project folder (schema/, policies/, views/, project.yaml) into one Catalog.

`load_project(root)` returns a `Project` or raises `SourceError` listing every problem,
each with `file:line:column`, the object, what is wrong and a hint. The format is
described in the README ("The source format").
"""

from .dump import dump_table, table_to_data
from .loader import Project, fingerprint_of, load_project, source_files

__all__ = ["Project", "load_project", "source_files", "fingerprint_of", "dump_table", "table_to_data"]
