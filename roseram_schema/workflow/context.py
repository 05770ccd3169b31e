"""Which project folder a command works on (its servers: server/dev.py).

Rule (README "CLI"): --project DIR, else the current directory when it holds schema/,
policies/, views/, project.yaml or supabase/migrations/ (a Supabase project: its migrations
are the source, README "SQL files"); else there is none, and a command that needs one refuses
to run (never another project in its place: its findings would be about the wrong schema).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RoseramError

SOURCE_DIRS = ("schema", "policies", "views", "supabase/migrations")


def is_project_dir(path: Path) -> bool:
    return any((path / d).is_dir() for d in SOURCE_DIRS) or (path / "project.yaml").is_file()


def find_project(project: Path | None) -> Path | None:
    """The project folder a command works on, or None when there is none (see module doc)."""
    if project is not None:
        path = Path(project).resolve()
        if not path.is_dir():
            raise RoseramError(f"--project {project}: no such directory")
        if not is_project_dir(path):
            raise RoseramError(
                f"--project {project}: no schema/, policies/, views/, supabase/migrations/ or project.yaml in it"
            )
        return path
    cwd = Path.cwd()
    return cwd if is_project_dir(cwd) else None


def resolve_project(project: Path | None, also: str = "") -> Path:
    """The project folder of a command that needs one; a RoseramError when there is none
    (`also`: another way out, appended to the message)."""
    path = find_project(project)
    if path is None:
        raise RoseramError(
            f"no project here: {Path.cwd()} has none of schema/, policies/, views/, supabase/migrations/, project.yaml; "
            f"run in a project folder or pass --project DIR{also}"
        )
    return path
