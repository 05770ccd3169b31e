"""load_project: a project folder -> Project (Catalog + fingerprint), or every problem at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Origin
from ..model import Catalog

# The readers (YAML, pglast) are imported inside load_project: a command whose cached
# results match the source fingerprint never parses a file, and must not pay for them.

AREAS = ("schema", "policies", "views")
YAML_SUFFIXES = (".yaml", ".yml")
SOURCE_SUFFIXES = (*YAML_SUFFIXES, ".sql")
PROJECT_FILES = ("project.yaml", "project.yml")


@dataclass(frozen=True)
class Project:
    """A loaded project: the catalog it declares and what else the source carries.

    `fingerprint` is the sha256 (hex) of every source file's relative path and bytes;
    `files` the relative paths read, sorted; `personas` the raw `personas:` of
    project.yaml; `contracts` maps "schema.table" to the raw `contract:` of its policies file.
    """

    root: Path
    catalog: Catalog
    fingerprint: str
    personas: object | None = None
    contracts: dict[str, object] = field(default_factory=dict)
    files: tuple[str, ...] = ()


def source_files(root: Path) -> list[str]:
    """Relative POSIX paths of every source file under `root`, sorted."""
    found = [name for name in PROJECT_FILES if (root / name).is_file()]
    for area in AREAS:
        base = root / area
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if path.is_file() and path.suffix.lower() in SOURCE_SUFFIXES:
                found.append(rel.as_posix())
    return sorted(found)


def fingerprint_of(root: Path, files: list[str]) -> str:
    """sha256 over (path, length, bytes) of each file in sorted path order."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        data = (root / rel).read_bytes()
        digest.update(f"{rel}\0{len(data)}\0".encode("utf-8"))
        digest.update(data)
    return digest.hexdigest()


def load_project(root: Path) -> Project:
    """Read a project folder into a Project; raise SourceError listing every problem found."""
    from .draft import Draft
    from .naming import name_everything
    from .positions import line_col
    from .problems import Problems
    from .reader import SourceFile
    from .validate import validate

    root = Path(root)
    problems = Problems()
    if not root.is_dir():
        problems.add(Origin(str(root)), "", "the project folder does not exist")
        problems.raise_if_any()
    files = source_files(root)
    draft = Draft(problems=problems)
    texts: dict[str, str] = {}
    for rel in files:
        data = (root / rel).read_bytes()
        try:
            texts[rel] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = data[: exc.start].decode("utf-8")
            line, column = line_col(before, len(before))
            problems.add(Origin(rel, line, column), "", f"the file is not UTF-8 text ({exc.reason})",
                         "save it as UTF-8")
    # project.yaml first (declared schemas), then definitions, then what attaches to them
    for rel in sorted(texts, key=lambda p: (p not in PROJECT_FILES, p)):
        _read_file(SourceFile(rel, texts[rel]), draft)
    for attach in draft.later:
        attach(draft)
    name_everything(draft.tables, draft.views)
    for attach in draft.after_naming:
        attach(draft)
    validate(draft)
    problems.raise_if_any()
    return Project(
        root=root,
        catalog=_catalog(draft),
        fingerprint=fingerprint_of(root, files),
        personas=draft.personas,
        contracts=dict(sorted(draft.contracts.items())),
        files=tuple(files),
    )


def _folder_schema(rel: str) -> tuple[str, str]:
    """(schema, object name) implied by a path: area/<schema>/.../<name>.ext; public at top."""
    parts = rel.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    return (parts[1] if len(parts) > 2 else "public"), stem


def _read_file(file, draft) -> None:
    from .policies import read_policy_file
    from .projectfile import read_project_file
    from .reader import Reader
    from .sqlfiles import handle_statements, read_sql_file
    from .tables import read_table_file
    from .views import read_view_file
    from .yamlnodes import parse_yaml

    rel = file.path
    problems = draft.problems
    reader = Reader(file, problems)
    if rel in PROJECT_FILES:
        node = parse_yaml(file.text, rel, problems)
        if node is not None:
            read_project_file(node, reader, draft)
        return
    area = rel.split("/", 1)[0]
    schema, name = _folder_schema(rel)
    if len(rel.split("/")) > 2:
        draft.folder_schemas.add(schema)
    is_yaml = rel.lower().endswith(YAML_SUFFIXES)
    if area == "views":
        if is_yaml:
            problems.add(Origin(rel, 1, 1), "", "views are .sql files",
                         "write the view as views/<schema>/<view>.sql")
            return
        read_view_file(file, reader, schema, name, draft, handle_statements)
        return
    if not is_yaml:
        read_sql_file(file, problems, schema, draft)
        return
    node = parse_yaml(file.text, rel, problems)
    if node is None:
        return
    if area == "schema":
        read_table_file(node, reader, schema, name, draft)
    else:
        read_policy_file(node, reader, schema, name, draft)


def _catalog(d) -> Catalog:
    from ..model import Schema, build_catalog
    from ..platform import is_platform_schema

    schemas = dict(d.schemas)
    if d.declared_schemas is None:
        used = set(d.folder_schemas)
        used.update(t.schema for t in d.tables.values())
        used.update(v.schema for v in d.views.values())
        used.update(f.schema for f in d.functions.values())
        used.update(e.schema for e in d.enums.values())
        for name in sorted(used):
            if name not in schemas and not is_platform_schema(name):
                schemas[name] = Schema(name)
    return build_catalog(
        schemas=schemas.values(),
        extensions=d.extensions.values(),
        roles=d.roles.values(),
        enums=d.enums.values(),
        tables=d.tables.values(),
        views=d.views.values(),
        functions=d.functions.values(),
        triggers=d.triggers.values(),
    )
