"""bench/generate.py, loaded for tests that want its realistic generated projects."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@cache
def bench_generate():
    """The module bench/generate.py (not a package: loaded from its file)."""
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def write_generated_project(dst: Path, tables: int = 40, seed: int = 7) -> Path:
    """A project of bench/generate.py (tables, their policies, views and triggers) in `dst`."""
    generate = bench_generate()
    generate.write_project(generate.build_schema(tables, seed), dst)
    return dst
