"""The catalog-version signature (introspect/signature.py) against the fleet's full read.

    python bench/signature.py                   # 100 copies, 4 rounds of 20 measured
    python bench/signature.py --count 20 --rounds 2

On the benchmark's own server (bench/.work/pg-18): the Roseram project applied once and
copied N times. Per database, on a fresh backend as `drift --targets` opens one: the
backend's CPU (/proc/<pid>/schedstat, so the machine's load does not inflate it) and the
client's for (a) the fleet's read (read_target + default_privileges) and (b) the signature
query, alternating. Then, alternating: one clean `drift --db` (the CLI) and a signature pass
over all N databases with --parallel threads: the fleet with a signature fast path would
take about their sum when every target is unchanged.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fleet import roseram_copies  # noqa: E402
from harness import BenchServer, run_timed  # noqa: E402

CLI = str(Path(sys.executable).parent / "roseram-schema")


def _backend_ns(pid: int) -> int:
    """CPU time of a local backend so far (first field of schedstat, ns)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def _measure(url: str, work) -> tuple[float, float, float, float]:
    """(backend CPU total, backend CPU of `work` alone, client CPU, wall), in ms."""
    import psycopg

    c0, w0 = time.thread_time(), time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        s0 = _backend_ns(pid)
        work(conn)
        s1 = _backend_ns(pid)
        c1, w1 = time.thread_time(), time.perf_counter()
    return s1 / 1e6, (s1 - s0) / 1e6, (c1 - c0) * 1e3, (w1 - w0) * 1e3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--per-round", type=int, default=20)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)

    import psycopg

    from roseram_schema.cache.nochange import read_target
    from roseram_schema.introspect.signature import catalog_signature
    from roseram_schema.normalize.catalog import source_scope
    from roseram_schema.plan.defaultacl import default_privileges
    from roseram_schema.source import load_project

    server = BenchServer("18")
    project, names = roseram_copies(server, "sig", args.count)
    if project is None:
        return 1
    dev = server.url
    urls = [server.db_url(n) for n in names]
    scope = {k: list(v) for k, v in asdict(source_scope(load_project(project).catalog)).items()}

    def full(conn):
        read_target(conn, scope)
        default_privileges(conn)

    print(f"load before: {os.getloadavg()}")
    samples: dict[str, list[tuple]] = {"full read": [], "signature": []}
    for r in range(args.rounds):
        for url in urls[r * args.per_round % len(urls):][:args.per_round]:
            for label, work in (("full read", full), ("signature", catalog_signature))[:: 1 if r % 2 else -1]:
                samples[label].append(_measure(url, work))
    print(f"load after per-database: {os.getloadavg()}")
    print("per database, medians (ms): backend total / backend query part / client CPU / wall")
    for label, rows in samples.items():
        cols = [statistics.median(c) for c in zip(*rows)]
        print(f"  {label:10} " + " / ".join(f"{c:6.1f}" for c in cols) + f"   (n={len(rows)})")

    def sig_pass() -> float:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.parallel) as pool:
            list(pool.map(lambda u: _measure(u, catalog_signature), urls))
        return time.perf_counter() - t0

    one = [CLI, "drift", "-p", str(project), "--dev-db", dev, "--db", urls[0]]
    run_timed(one)  # warm the caches
    drift_t, pass_t = [], []
    for _ in range(args.runs):
        drift_t.append(run_timed(one).seconds)
        pass_t.append(sig_pass())
    d, p = statistics.median(drift_t), statistics.median(pass_t)
    print(f"load after passes: {os.getloadavg()}")
    print(f"one clean drift {d:.2f} s (runs {', '.join(f'{t:.2f}' for t in drift_t)});"
          f" signature pass over {args.count} databases at --parallel {args.parallel}: {p:.2f} s"
          f" (runs {', '.join(f'{t:.2f}' for t in pass_t)})")
    print(f"fleet with the fast path, all unchanged ~ one drift + pass = {d + p:.2f} s: {(d + p) / d:.1f}x one drift")
    for name in ["sig_base", *names]:
        server.drop_db(name)
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
