"""Run one `roseram-schema` command under cProfile and print where the time goes.

    python bench/profile_cli.py OUT.txt -- plan --project DIR --db URL --dev-db URL

Writes the 25 functions with the most cumulative time and the 25 with the most own time
to OUT.txt (cProfile is in the standard library, so the package needs nothing extra).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Profile `roseram_schema.cli.entry.main(argv after --)` (the console script); returns its exit code."""
    out = Path(argv[0])
    args = argv[argv.index("--") + 1:]
    profiler = cProfile.Profile()
    code = 0
    profiler.enable()
    try:
        from roseram_schema.cli.entry import main as cli_main

        cli_main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(25)
    out.write_text(buf.getvalue())
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
