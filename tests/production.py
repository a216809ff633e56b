"""`fws server start` as a real subprocess (gunicorn, its own process group, a free port),
for the tests of the production service. Other suites (the CLI's) can start one the same way:

    with ServerProcess(served_url(db), tmp_path) as server:
        ... server.url ...
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import requests

from fwscli.store.database import Database
from fwscli.store.migrations import drop_schema, upgrade

FWS = str(Path(sys.executable).with_name("fws"))
START_TIMEOUT = 30.0


def served_url(db: Database) -> str:
    """A URL that another process can open to reach the same data as `db` (for PostgreSQL,
    the test's own schema, through libpq's `options`)."""
    if not db.schema:
        return db.url
    return f"{db.url}?options={quote(f'-csearch_path={db.schema}')}"


@contextmanager
def database_at(db: Database, tmp_path: Path, revision: str) -> Iterator[Database]:
    """A new database of `db`'s kind (a SQLite file, or a PostgreSQL schema of its own) at
    schema `revision`, for tests of what an upgrade from it does."""
    if db.is_sqlite:
        old = Database(str(tmp_path / "old.db"))
    else:
        from .conftest import TEST_DATABASE_URL

        old = Database(TEST_DATABASE_URL, schema=f"old_{uuid.uuid4().hex[:12]}")
    upgrade(old, revision)
    try:
        yield old
    finally:
        drop_schema(old)
        old.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, database_url: str, logs: Path, *args: str, workers: int = 2,
                 threads: int = 4, name: str = "server"):
        self.database_url = database_url
        self.args = [*args, "--workers", str(workers), "--threads", str(threads)]
        self.stdout_path = logs / f"{name}.out"
        self.stderr_path = logs / f"{name}.err"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        env = {name: value for name, value in os.environ.items() if not name.startswith("FWS_")}
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            # A session of its own: a crash test kills the master and its workers together.
            self.process = subprocess.Popen(
                [FWS, "server", "start", "--bind", f"127.0.0.1:{self.port}",
                 "--database", self.database_url, *self.args],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fws server start exited {self.process.returncode}:\n{self.stderr}")
            try:
                if requests.get(self.url + "ping", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"fws server start did not answer /ping in {START_TIMEOUT} s:\n{self.stderr}")

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, gunicorn's graceful stop; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, nothing cleaned up."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # every process of the group has exited already
        self.process.wait(10)

    def booted_workers(self) -> list[int]:
        """The pids of the workers gunicorn has booted so far, oldest first (from its log)."""
        return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.stderr)]

    def kill_worker(self, timeout: float = 30) -> int:
        """SIGKILL the newest worker, as a crash would, and wait for gunicorn to boot
        another; its pid."""
        booted = self.booted_workers()
        os.kill(booted[-1], signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while len(self.booted_workers()) == len(booted) and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fws server start exited {self.process.returncode}:\n{self.stderr}")
            time.sleep(0.05)
        return self.booted_workers()[-1]

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    @property
    def access_log(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.kill()


class TcpProxy:
    """A local port forwarding to `target` (a database server), that a test can cut (every
    connection dropped, new ones refused) and restore: an outage of the database as the
    server sees it, without stopping a database server that others use. Or `blackhole` it:
    nothing forwarded any more, nothing closed, new connections accepted and left unanswered,
    as a host gone from the network looks to a new connection (to an open one, whose bytes
    the proxy's kernel still acknowledges, it looks like a server that never answers)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._forwarding = True

    def start(self) -> "TcpProxy":
        self._forwarding = True
        self._listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        # shutdown, not close alone, wakes the threads blocked in accept() and recv().
        for sock in [self._listener, *self._take_open()]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._listener.close()

    def blackhole(self) -> None:
        self._forwarding = False

    def _take_open(self) -> list[socket.socket]:
        with self._lock:
            taken, self._open = self._open, []
        return taken

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            if not self._forwarding:  # blackholed: held open, never answered
                with self._lock:
                    self._open.append(client)
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self._forwarding:  # blackholed: read and dropped
                    sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
