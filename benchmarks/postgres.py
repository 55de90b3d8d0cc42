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


@contextmanager
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty database on a new server; the server stops afterwards."""
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package.")
    folder = Path(tempfile.mkdtemp(prefix="backdoor-lab-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, port = folder / "data", _free_port()
    run = lambda *args: subprocess.run(_as_server_user(list(args)), check=True, capture_output=True, text=True)  # noqa: E731
    run("initdb", "-D", str(data), "-U", "lab", "--auth=trust", "-E", "UTF8", "--no-sync")
    run("pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
        f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=on", "start")
    try:
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "lab", "lab")
        yield f"postgresql+psycopg://lab@127.0.0.1:{port}/lab"
    finally:
        subprocess.run(_as_server_user(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
