"""The scale-out layout of ``deploy/``, on loopback without Docker: Streamlit replicas that share
one PostgreSQL and one model store, behind Debian's nginx running ``deploy/nginx.conf``.

The tests and the load benchmark use it. ``cluster()`` starts everything in a folder of its
own and stops it all afterwards; ``Cluster.kill`` takes a replica away mid-class, as a crash
would.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from benchmarks.load import Server, _free_port, serve, stop, wait_up
from benchmarks.postgres import postgres

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def site_config(upstreams: list[str], port: int) -> str:
    """``deploy/nginx.conf`` as shipped, listening on loopback ``port`` and sending to ``upstreams``
    (host:port) instead of the compose file's lab1 and lab2."""
    shipped = NGINX_CONF.read_text()
    servers = re.findall(r"^(\s*)server lab\d+:8501( [^;]*);$", shipped, flags=re.M)
    if not servers:
        raise ValueError(f"{NGINX_CONF} lists no `server labN:8501 ...;` upstream")
    indent, options = servers[0]
    block = "\n".join(f"{indent}server {address}{options};" for address in upstreams)
    site = re.sub(r"(^\s*server lab\d+:8501[^;]*;\n?)+", block + "\n", shipped, count=1, flags=re.M)
    return re.sub(r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{port};", site, count=1, flags=re.M)


def main_config(folder: Path, site: Path) -> str:
    """A whole nginx configuration around the site, with every file it writes inside ``folder``."""
    user = "user www-data;\n" if os.geteuid() == 0 else ""  # as root, the workers drop to Debian's web user
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\nhttp {{\n    log_format replica '$status $upstream_addr $request_uri';\n"
            f"    access_log {folder / 'access.log'} replica;\n{temp}\n"
            f"    include {site};\n}}\n")


@dataclass
class Cluster:
    url: str  # nginx: where students go
    replicas: list[Server]
    db_url: str
    folder: Path

    def replica_of(self, answered_by: str) -> int:
        """Which replica an ``X-Lab-Replica`` header names (after a failover it lists the replica
        nginx tried first, then the one that answered)."""
        last = answered_by.split(",")[-1].strip()
        return next(i for i, r in enumerate(self.replicas) if r.url.endswith("//" + last))

    def cookie_for(self, index: int) -> str:
        """A ``lab_replica`` cookie value nginx sends to replica ``index`` (a browser that starts
        with it is pinned there, as a new browser is pinned wherever its random value lands)."""
        for n in range(200):
            request = urllib.request.Request(f"{self.url}/_stcore/health", headers={"Cookie": f"lab_replica=s{n}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                if self.replica_of(response.headers["X-Lab-Replica"]) == index:
                    return f"s{n}"
        raise RuntimeError(f"no cookie value reaches replica {index}")

    def kill(self, index: int) -> None:
        """Take replica ``index`` away at once, as a crash would (its sessions are lost)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.replicas[index].pid, signal.SIGKILL)

    def log(self, index: int) -> str:
        return (self.folder / f"replica-{index}.log").read_text(errors="replace")


@contextlib.contextmanager
def nginx(upstreams: list[str], folder: Path, port: int | None = None) -> Iterator[str]:
    """Debian's nginx running ``deploy/nginx.conf`` in front of ``upstreams``; yields its URL."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed: `make test` installs Debian's nginx package.")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    port = port or _free_port()
    site = folder / "backdoor-lab.conf"
    site.write_text(site_config(upstreams, port))
    main = folder / "nginx.conf"
    main.write_text(main_config(folder, site))
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / kind).mkdir(exist_ok=True)
        os.chmod(folder / kind, 0o777)
    proc = subprocess.Popen([binary, "-c", str(main), "-p", str(folder), "-e", str(folder / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc, 30, "nginx", lambda: (folder / "error.log").read_text(errors="replace"))
        yield url
    finally:
        stop(proc)


@contextlib.contextmanager
def cluster(store: Path, folder: Path, count: int = 2, db_url: str | None = None) -> Iterator[Cluster]:
    """``count`` replicas sharing ``store`` and one PostgreSQL (a fresh one, unless ``db_url``),
    behind nginx; everything stops afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if db_url is None:
            db_url = stack.enter_context(postgres()).url
        from backdoor.classroom.db import open_database

        open_database(db_url).engine.dispose()  # migrated once before the replicas come up
        ports = [_free_port() for _ in range(count)]
        front = _free_port()
        public = f"http://127.0.0.1:{front}"  # the join links and QR codes point at nginx
        replicas = [stack.enter_context(serve(store, folder / f"replica-{i}.log", port=port,
                                              env={"BACKDOOR_LAB_DB": db_url, "BACKDOOR_LAB_PUBLIC_URL": public}))
                    for i, port in enumerate(ports)]
        url = stack.enter_context(nginx([f"127.0.0.1:{p}" for p in ports], folder / "nginx", front))
        yield Cluster(url, replicas, db_url, folder)
