"""A real, throwaway PostgreSQL server for the tests and benchmarks: ``initdb`` and ``pg_ctl``
in a temporary folder, listening on a free loopback port only, removed at the end.

Run as root (as CI does), the server runs as the ``postgres`` user that Debian's package
creates: PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str | None:
    """A PostgreSQL program: on the PATH, or where Debian's package puts it."""
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return shutil.which(name) or (installed[-1] if installed else None)


def _as_server_user(command: list[str]) -> list[str]:
    command = [_bin(command[0]) or command[0], *command[1:]]
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class PostgresServer:
    """A running throwaway server: its SQLAlchemy ``url``, and ``stop``/``start`` for the tests
    that take the database away mid-class (same data, same port)."""

    url: str
    data: Path
    folder: Path
    port: int

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_server_user(["pg_ctl", "-D", str(self.data), *args]), check=True, capture_output=True,
                       text=True)

    def start(self) -> None:
        self._ctl("-l", str(self.folder / "log"), "-w", "-t", "60", "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=on", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` disconnects every client (a restart), ``immediate`` is a crash."""
        self._ctl("-m", mode, "-w", "stop")


@contextmanager
def postgres() -> Iterator[PostgresServer]:
    """A fresh, empty database on a new server; the server stops and its files go afterwards."""
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package.")
    folder = Path(tempfile.mkdtemp(prefix="backdoor-lab-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, port = folder / "data", _free_port()
    run = lambda *args: subprocess.run(_as_server_user(list(args)), check=True, capture_output=True, text=True)  # noqa: E731
    run("initdb", "-D", str(data), "-U", "lab", "--auth=trust", "-E", "UTF8", "--no-sync")
    server = PostgresServer(f"postgresql+psycopg://lab@127.0.0.1:{port}/lab", data, folder, port)
    server.start()
    try:
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "lab", "lab")
        yield server
    finally:
        subprocess.run(_as_server_user(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The SQLAlchemy URL of a fresh, empty database on a new server; the server stops afterwards."""
    with postgres() as server:
        yield server.url
