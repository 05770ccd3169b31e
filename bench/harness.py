"""Plumbing for the benchmarks: timed subprocesses with peak memory, the dedicated
PostgreSQL server, scratch databases, and the peers' own environments.

Kept apart from run.py (which says *what* is measured) so each file stays readable.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
VENV = WORK / "venv"
NODE = WORK / "node"
SUPABASE_VERSION = "2.117.0"
GNU_TIME = "/usr/bin/time"


@dataclass
class Sample:
    """One timed run of a process: wall seconds, peak resident memory (MiB), exit code."""

    seconds: float
    max_rss_mib: float
    rc: int
    stdout: str = ""
    stderr: str = ""
    user_s: float = 0.0  # CPU seconds of the process and its children, from the same rusage
    sys_s: float = 0.0


@dataclass
class Measure:
    """Several samples of the same work, or the reason it could not be measured."""

    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    parts: dict[str, float] = field(default_factory=dict)  # e.g. a peer's build + diff

    @property
    def median(self) -> float | None:
        ok = [s.seconds for s in self.samples]
        return statistics.median(ok) if ok else None

    @property
    def peak_mib(self) -> float | None:
        return max((s.max_rss_mib for s in self.samples), default=None)

    def to_json(self) -> dict:
        return {
            "median": self.median,
            "samples": [round(s.seconds, 4) for s in self.samples],
            "peak_mib": self.peak_mib,
            "rcs": sorted({s.rc for s in self.samples}),
            "error": self.error,
            "parts": self.parts,
        }


def run_timed(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None,
              timeout: float = 900.0) -> Sample:
    """Run `cmd` as a subprocess; wall time includes process start-up. Peak memory comes
    from wait4()'s rusage of that very child (ru_maxrss, KiB on Linux), so concurrent or
    earlier children do not blur it."""
    rss_file = None
    if Path(GNU_TIME).exists():
        # GNU time forks the command from its own tiny process: the rusage of a child
        # forked from this (large) Python would start at our own RSS (Linux keeps the
        # pre-exec high-water mark), so wait4 alone overstates small commands.
        import tempfile

        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=cwd, stdin=subprocess.DEVNULL)
    # communicate() reads the pipes (a child writing a big plan would block otherwise);
    # the child stays a zombie until wait4 reaps it, so its rusage is still there.
    try:
        out, err = _communicate_no_reap(proc, timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, status, usage = os.wait4(proc.pid, 0)
        if rss_file:
            os.unlink(rss_file)
        return Sample(time.perf_counter() - start, usage.ru_maxrss / 1024, -9, "", f"timeout after {timeout}s")
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss
    if rss_file:
        try:
            rss_kib = int(Path(rss_file).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        os.unlink(rss_file)
    return Sample(elapsed, rss_kib / 1024, proc.returncode,
                  out.decode(errors="replace"), err.decode(errors="replace"), usage.ru_utime, usage.ru_stime)


def _communicate_no_reap(proc: subprocess.Popen, timeout: float) -> tuple[bytes, bytes]:
    """Read stdout and stderr to the end without calling wait() (which would reap the
    child and lose its rusage)."""
    import selectors

    sel = selectors.DefaultSelector()
    chunks: dict[int, list[bytes]] = {1: [], 2: []}
    sel.register(proc.stdout, selectors.EVENT_READ, 1)
    sel.register(proc.stderr, selectors.EVENT_READ, 2)
    deadline = time.monotonic() + timeout
    open_streams = 2
    while open_streams:
        left = deadline - time.monotonic()
        if left <= 0:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        for key, _ in sel.select(timeout=left):
            data = os.read(key.fileobj.fileno(), 65536)
            if data:
                chunks[key.data].append(data)
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                open_streams -= 1
    return b"".join(chunks[1]), b"".join(chunks[2])


def tail(text: str, lines: int = 6) -> str:
    """The last lines of an output, for error notes."""
    return "\n".join(text.strip().splitlines()[-lines:])


# -- the benchmark's own PostgreSQL --------------------------------------------------------


class BenchServer:
    """A PostgreSQL cluster under bench/.work/pg-<version>, started by the benchmark itself
    (never the shared development server), with helpers to make and drop databases."""

    KEEP = {"postgres", "template0", "template1"}

    def __init__(self, version: str):
        from roseram_schema.server.embedded import LocalServer, binaries_for_version

        self.version = version
        self.server = LocalServer(WORK / f"pg-{version}", bin_dir=binaries_for_version(version))
        self.bin_dir = self.server._usable_bin_dir()
        self.url = self._start()
        self._admin = None
        self._trashed = 0
        self._ensure_lock_table()

    def _start(self) -> str:
        """Start the cluster; one made by a version of the tool that did not mark its data
        folders (the server refuses an unmarked one) is disposable here: made anew."""
        from roseram_schema.server.embedded import UntrustedDataDir

        try:
            return self.server.start()
        except UntrustedDataDir:
            self.server.reset()
            return self.server.start()

    # A 3,000-table schema built in one transaction takes more locks than the default lock
    # table holds (max_locks_per_transaction 64 x 100 connections): psql -1 fails with
    # "out of shared memory". The benchmark server gets a bigger one (a restart is needed).
    LOCKS_PER_TRANSACTION = 1024

    def _ensure_lock_table(self) -> None:
        current = int(self.admin.execute("SHOW max_locks_per_transaction").fetchone()[0])
        if current >= self.LOCKS_PER_TRANSACTION:
            return
        self.admin.execute(f"ALTER SYSTEM SET max_locks_per_transaction = {self.LOCKS_PER_TRANSACTION}")
        self.close()
        self.server.stop()
        self.url = self.server.start()

    def db_url(self, name: str, *, driver: str = "postgresql") -> str:
        """URL of database `name`; driver "postgresql+psycopg2" for migra (SQLAlchemy)."""
        return self.url.replace("/postgres?", f"/{name}?").replace("postgresql://", f"{driver}://", 1)

    def tcp_style_url(self, name: str) -> str:
        """A URL the Supabase CLI accepts: it insists on a host, the socket goes in ?host=."""
        sock = self.server.socket_dir
        return f"postgresql://postgres@localhost:5432/{name}?host={sock}"

    @property
    def admin(self):
        if self._admin is None:
            import psycopg

            self._admin = psycopg.connect(self.url, autocommit=True)
        return self._admin

    def backend_cpu_seconds(self) -> float | None:
        """CPU seconds of the server's exited processes so far (the postmaster's reaped
        children: a connection's backend is counted once the client disconnects); None off
        Linux. The difference over a command is the server's share of its work."""
        try:
            pid = int((self.server.data_dir / "postmaster.pid").read_text().split()[0])
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def server_version(self) -> str:
        return self.admin.execute("SHOW server_version").fetchone()[0]

    def create_db(self, name: str, *, template: str | None = None, platform: bool = True) -> str:
        """(Re)create database `name`, as a copy of `template` or empty with the Supabase
        platform stand-in (auth.users, auth.uid(), roles): what a fresh project has."""
        self.drop_db(name)
        if template:
            self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            self.admin.execute(f'CREATE DATABASE "{name}"')
            if platform:
                import psycopg
                from roseram_schema.platform import ensure_platform

                with psycopg.connect(self.db_url(name), autocommit=True) as conn:
                    ensure_platform(conn)
        return self.db_url(name)

    # Deleting a database's files slows down the creation of files for a while after: on a
    # file system without a journal (this machine's ext4), ext4 skips inodes deleted in the
    # last 60-300 s and reads their inode table blocks to find that out, for every new file
    # (perf: over half of the busy samples in ext4's recently_deleted and
    # find_get_block_common). A cold plan that ran right after dropping a 1,000-table
    # database took 5.5-7.4 s to build its own instead of ~3 s; the psql floor, measured
    # after no drop, did not pay it. So no timed command follows a deletion: drop_db moves a
    # database aside (RENAME: no file is deleted) and empty_trash, at the end of the run or
    # when the disk runs low, deletes them (an interrupted run's too).
    TRASH = "bench_trash_"
    MIN_FREE_BYTES = 10 * 2**30

    def drop_db(self, name: str) -> None:
        """Move database `name` out of the way (see TRASH); its files are deleted later."""
        if not self.admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        if shutil.disk_usage(WORK).free < self.MIN_FREE_BYTES:
            self.empty_trash()
        self.admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        self._trashed += 1
        self.admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{self.TRASH}{os.getpid()}_{self._trashed}"')

    def empty_trash(self) -> None:
        """Delete the databases drop_db moved aside."""
        for d in self.databases():
            if d.startswith(self.TRASH):
                self.admin.execute(f'DROP DATABASE "{d}" WITH (FORCE)')

    def databases(self) -> list[str]:
        rows = self.admin.execute("SELECT datname FROM pg_database ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def settle(self) -> None:
        """CHECKPOINT now, untimed: the dirty pages of the database just built or dropped
        are written here rather than by the checkpointer in the middle of the next timed
        command (2 cores: it competes with both the server and the tool)."""
        self.admin.execute("CHECKPOINT")

    def drop_foreign_databases(self) -> list[str]:
        """Drop every database the benchmark did not make itself (the tool's scratch and
        cached dev databases), so the next run starts cold (moved aside: see drop_db)."""
        gone = [d for d in self.databases() if d not in self.KEEP and not d.startswith("bench_")]
        for d in gone:
            self.drop_db(d)
        return gone

    def psql(self, name: str, sql_file: Path) -> Sample:
        """`psql -1 -f` of a script into database `name` (stops at the first error)."""
        return run_timed([str(self.bin_dir / "psql") if (self.bin_dir / "psql").exists() else "psql",
                          "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(sql_file),
                          self.db_url(name)])

    def close(self) -> None:
        """Empty the trash and close the admin connection."""
        if self._admin is not None:
            self.empty_trash()
            self._admin.close()
            self._admin = None


# -- the peers' environments ---------------------------------------------------------------


def ensure_peer_venv() -> str | None:
    """bench/.work/venv with migra, psycopg2-binary, sqlbag, setuptools<70 (migra imports
    pkg_resources), matplotlib and pyinstrument; None when ready, else what failed."""
    py = VENV / "bin" / "python"
    if not (VENV / "bin" / "migra").exists():
        if not py.exists():
            r = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
            if r.returncode:
                return f"python -m venv failed: {tail(r.stderr)}"
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")],
                           capture_output=True, text=True)
        if r.returncode:
            return f"pip install -r bench/requirements.txt failed: {tail(r.stderr)}"
    return None


def ensure_supabase() -> tuple[Path | None, str | None]:
    """The Supabase CLI installed with npm into bench/.work/node, and a folder made by
    `supabase init` to run it in; (None, reason) when it cannot be installed or run."""
    exe = NODE / "node_modules" / ".bin" / "supabase"
    if not exe.exists():
        if shutil.which("npm") is None:
            return None, "npm is not installed"
        NODE.mkdir(parents=True, exist_ok=True)
        if not (NODE / "package.json").exists():
            (NODE / "package.json").write_text('{"name": "roseram-bench-peers", "private": true}\n')
        r = subprocess.run(["npm", "i", "-E", f"supabase@{SUPABASE_VERSION}"], cwd=NODE,
                           capture_output=True, text=True)
        if r.returncode or not exe.exists():
            return None, f"npm i -E supabase@{SUPABASE_VERSION} failed: {tail(r.stderr or r.stdout)}"
    folder = WORK / "supabase-project"
    if not (folder / "supabase" / "config.toml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        r = subprocess.run([str(exe), "init", "--force"], cwd=folder, capture_output=True, text=True)
        if r.returncode:
            return None, f"supabase init failed: {tail(r.stderr or r.stdout)}"
    return exe, None


def tool_version(cmd: list[str]) -> str:
    """First line a `--version`-style command prints, or 'unknown'."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        out = (r.stdout or r.stderr).strip().splitlines()
        return out[0] if out else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def machine_info() -> dict[str, str]:
    """nproc, memory (free -h), CPU model, kernel, Python."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    mem = next((l.split()[1] for l in free.splitlines() if l.startswith("Mem:")), "unknown")
    return {
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "memory": mem,
        "cpu": cpu,
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
