"""Plot time against table count per tool, from bench/.work/results.json.

    bench/.work/venv/bin/python bench/plot.py RESULTS.json OUT.png

Runs in the benchmark's own environment (matplotlib is never a dependency of the package).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PANELS = [
    ("No change (the CI drift check)", [
        ("plan_nochange", "roseram-schema plan", "C0", "-"),
        ("drift", "roseram-schema drift", "C0", "--"),
        ("migra_nochange", "migra diff", "C1", "-"),
        ("supabase_nochange", "supabase db diff", "C2", "-"),
        ("floor_catalog_read", "floor: one catalog read", "0.5", ":"),
    ]),
    ("Source changed / one object edited", [
        ("plan_changed", "roseram-schema plan (changed)", "C0", "-"),
        ("plan_one_edit", "roseram-schema plan (one edit)", "C0", "--"),
        ("migra_changed", "migra diff (changed)", "C1", "-"),
        ("supabase_changed", "supabase db diff (changed)", "C2", "-"),
        ("migra_changed+build", "migra: psql build + diff", "C1", "-."),
        ("supabase_changed+build", "supabase: psql build + diff", "C2", "-."),
    ]),
    ("Cold: empty database", [
        ("plan_empty", "roseram-schema plan (cold)", "C0", "-"),
        ("apply_empty", "roseram-schema apply", "C0", "--"),
        ("migra_empty+build", "migra: psql build + diff", "C1", "-"),
        ("supabase_empty+build", "supabase: psql build + diff", "C2", "-"),
        ("floor_psql", "floor: psql -1 -f", "0.5", ":"),
    ]),
]


def points(results: dict, key: str) -> tuple[list[int], list[float]]:
    """(tables, median seconds) of one series; `x+build` adds the psql build part."""
    xs, ys = [], []
    base, _, extra = key.partition("+")
    for n, res in sorted(results["sizes"].items(), key=lambda kv: int(kv[0])):
        m = res.get("m", {}).get(base)
        if not m or m.get("error") or m.get("median") is None:
            continue
        y = m["median"]
        if extra == "build":
            b = (m.get("parts") or {}).get("build_desired_with_psql")
            if b is None:
                continue
            y += b
        xs.append(int(n))
        ys.append(y)
    return xs, ys


def main(src: Path, dst: Path) -> None:
    """Draw the three panels into `dst`."""
    results = json.loads(src.read_text())
    fig, axes = plt.subplots(1, len(PANELS), figsize=(6 * len(PANELS), 5))
    for ax, (title, lines) in zip(axes, PANELS):
        for key, label, color, style in lines:
            xs, ys = points(results, key)
            if xs:
                ax.plot(xs, ys, style, color=color, marker="o", label=label)
        ax.set_title(title)
        ax.set_xlabel("tables")
        ax.set_ylabel("seconds (median, process start included)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    m = results["machine"]
    fig.suptitle(f"roseram-schema vs peers - {m['cpu']}, {m['nproc']} cores, "
                 f"PostgreSQL {results['versions']['postgresql']}")
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
