"""Time inspect_catalog on generated schemas (not a test; run it by hand).

    python -m tests.introspect.time_inspect 'postgresql://postgres@/postgres?host=...' 30 300
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import psycopg

from roseram_schema.introspect import inspect_catalog
from roseram_schema.normalize.scratch import scratch_database
from roseram_schema.platform import ensure_platform

from .generated import generated_schema_sql


def time_inspect(server_url: str, tables: int, runs: int = 7) -> dict:
    """Build a generated schema in a scratch database; time a cold and several warm reads."""
    with scratch_database(server_url) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            started = time.perf_counter()
            conn.execute(generated_schema_sql(tables))
            build = time.perf_counter() - started
        with psycopg.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            catalog = inspect_catalog(conn)
            cold = time.perf_counter() - started
            warm, client_cpu, server_cpu = [], [], []
            for _ in range(runs):
                started, cpu, backend = time.perf_counter(), time.process_time(), _backend_cpu(conn)
                inspect_catalog(conn)
                warm.append(time.perf_counter() - started)
                client_cpu.append(time.process_time() - cpu)
                server_cpu.append(_backend_cpu(conn) - backend)
    return {
        "tables": len(catalog.tables),
        "build_s": round(build, 3),
        "inspect_cold_s": round(cold, 4),
        "inspect_warm_median_s": round(statistics.median(warm), 4),
        # CPU seconds do not depend on what else the machine is doing
        "client_cpu_median_s": round(statistics.median(client_cpu), 4),
        "server_cpu_median_s": round(statistics.median(server_cpu), 4),
    }


def _backend_cpu(conn) -> float:
    """CPU seconds (user + system) the connection's server process has used so far; the
    server runs on this machine, so /proc has it."""
    fields = open(f"/proc/{conn.info.backend_pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    url = sys.argv[1]
    for n in sys.argv[2:] or ["30", "300"]:
        print(time_inspect(url, int(n)))
