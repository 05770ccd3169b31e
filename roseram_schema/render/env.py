"""The jinja2 environment of the renderers (templates in render/templates/)."""

from __future__ import annotations

from functools import lru_cache


def _md(text) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text) -> str:
    """A value as inline code in a Markdown table cell (empty stays empty)."""
    if text is None or text == "":
        return ""
    return "`" + _md(text).replace("`", "'") + "`"


@lru_cache(maxsize=1)
def environment():
    """The shared jinja2 Environment (templates loaded from the package)."""
    # lazy: jinja2 only for the markdown reports
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("roseram_schema", "render/templates"),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = _md
    env.filters["code"] = _code
    return env
