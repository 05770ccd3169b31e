"""docs/api.md cannot rot: its example project is written out and its Python blocks are run,
in order, as one session, against a real database (the README of the docs says how)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# ```lang [path]\n body ``` (a path after the language: a file of the example project)
FENCE = re.compile(r"^```(\w+)(?:[ \t]+(\S+))?\n(.*?)^```$", re.M | re.S)


def blocks(text: str):
    """(language, path or None, body) of every fenced block, in order."""
    return [(m.group(1), m.group(2), m.group(3)) for m in FENCE.finditer(text)]


def test_the_doc_has_examples_of_every_function():
    text = DOC.read_text()
    code = "".join(body for lang, path, body in blocks(text) if lang == "python")
    for name in ("load_project", "compile", "plan", "apply", "drift", "verify", "lint"):
        assert f"rs.{name}(" in code, name
        assert f"## {name}(" in text, name
    assert sum(1 for lang, path, _ in blocks(text) if lang == "yaml" and path) == 3


def test_the_examples_run(tmp_path, monkeypatch, db_url, pg_server, capsys):
    text = DOC.read_text()
    for lang, path, body in blocks(text):
        if path:
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ROSERAM_DEV_DB", pg_server.base_url)
    session: dict = {"__name__": "api_md"}
    ran = 0
    for lang, path, body in blocks(text):
        if lang != "python" or path:
            continue
        # line numbers in a failure's traceback are the doc's own
        line = text[:text.index(body)].count("\n")
        exec(compile("\n" * line + body, str(DOC), "exec"), session)  # noqa: S102 - the doc's code
        ran += 1
    assert ran >= 10
    printed = capsys.readouterr()
    assert printed.err == ""  # the examples' prints only, nothing from the API
    assert "public.notes" in printed.out
