"""The jinja2 environment of the renderers (templates in render/templates/)."""

from __future__ import annotations

from functools import lru_cache


def markdown_cell(text) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_code(text) -> str:
    """A value as inline code in a Markdown table cell (empty stays empty)."""
    if text is None or text == "":
        return ""
    return "`" + markdown_cell(text).replace("`", "'") + "`"


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
    env.filters["md"] = markdown_cell
    env.filters["code"] = markdown_code
    return env
