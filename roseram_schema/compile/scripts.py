"""The script files of a project (source/scripts.py) in the compiled script: as written."""

from __future__ import annotations

from ..source.scripts import terminated


def script_files_sql(scripts) -> str:
    """The script files' statements after the compiled declarative part, file by file in
    run order, each statement as written ("" when there are none). They are not guarded as
    the part before is: the whole script then builds an empty database, once."""
    if not scripts:
        return ""
    parts = [
        "\n",
        "-- Script files (README, \"SQL files\"), as written, in the order they run. Unlike the\n",
        "-- part above they are not idempotent: run the whole script on an empty database.\n",
    ]
    for script in scripts:
        parts += ["\n", f"-- {script.path}\n"]
        parts += [terminated(statement.sql) + "\n" for statement in script.statements]
    return "".join(parts)
