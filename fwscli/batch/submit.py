"""Sending the units: a bounded number of requests in flight, the client's retries and
throttling, every outcome in the journal and the results.

Units confirmed by an earlier run of the same file are not sent. A unit the service
refuses is failed (a re-run sends it again). Throttling is waited out, as long as it takes:
the client honours Retry-After between its attempts, and a unit still throttled after them
is sent again rather than failed. A failure that is not the unit's fault (the endpoint is
unreachable, the keys are refused) stops the run; what was in flight is still recorded.
"""

from __future__ import annotations

import signal
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..client.errors import ServiceError
from .journal import Journal
from .kinds import Batch, Kind, StagedUnit
from .results import DONE_BEFORE, FAILED, OK, Results

if TYPE_CHECKING:
    from ..client.client import Client

THROTTLING_CODES = frozenset({"RequestThrottled", "Throttling"})
QUEUED_PER_WORKER = 2  # requests built ahead of the workers: enough to keep them busy


@dataclass(frozen=True)
class Outcome:
    batch: Batch
    request_id: str
    error: str | None  # None: confirmed


class RequestIds:
    """A client transport that notes, per thread, the RequestId of the last answer (the
    service sends it as a header with every answer; Client.call returns the result alone)."""

    def __init__(self, transport: Any):
        self._transport = transport
        self._local = threading.local()

    def send(self, params: list[tuple[str, str]]):
        response = self._transport.send(params)
        self._local.request_id = response.headers.get("x-amzn-RequestId", "")
        return response

    def last(self) -> str:
        return getattr(self._local, "request_id", "")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def batch_client(client: "Client", concurrency: int, stop: threading.Event) -> tuple["Client", RequestIds]:
    """A client for sending from `concurrency` threads, sharing `client`'s transport, whose
    waits between attempts end early when `stop` is set."""
    from requests.adapters import HTTPAdapter

    from ..client.client import Client

    transport = client.transport
    if not client.session.embedded:
        # One kept-alive connection per worker (requests keeps 10 by default).
        transport.http.mount(transport.url, HTTPAdapter(pool_maxsize=concurrency))
    ids = RequestIds(transport)
    return Client(client.session, transport=ids, sleep=stop.wait), ids  # type: ignore[arg-type]


class Submitter:
    def __init__(self, kind: Kind, client: "Client", ids: RequestIds, journal: Journal,
                 results: Results, *, concurrency: int, stop: threading.Event,
                 advance: Callable[[int], None] = lambda _: None):
        self.kind = kind
        self.client = client
        self.ids = ids
        self.journal = journal
        self.results = results
        self.concurrency = concurrency
        self.stop = stop
        self.advance = advance
        self._rows: dict[str, list[int]] = {}  # rows of the units built but not yet answered

    def run(self, units: Iterable[StagedUnit]) -> None:
        pending: set[Future] = set()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fws-import") as pool:
            try:
                for batch in self.kind.batches(self._unsent(units)):
                    if len(pending) >= self.concurrency * QUEUED_PER_WORKER:
                        self._collect(pending)
                    with _interrupts_deferred():  # a request sent is a request pending
                        pending.add(pool.submit(self._send, batch))
                while pending:
                    self._collect(pending)
            except BaseException:
                # Ctrl-C, or a failure that ends the run: what is in flight still lands in
                # the journal; what has not started is left for the next run.
                self.stop.set()
                for future in pending:
                    future.cancel()
                for future in pending:
                    if not future.cancelled() and future.exception() is None:
                        self._record(future.result())
                raise

    def _unsent(self, units: Iterable[StagedUnit]) -> Iterator[StagedUnit]:
        for unit in units:
            request_id = self.journal.confirmed(unit.key)
            if request_id is not None:
                self.results.add(unit.rows, unit.key, DONE_BEFORE, request_id)
                self.advance(1)
                continue
            self._rows[unit.key] = unit.rows
            yield unit

    def _collect(self, pending: set[Future]) -> None:
        """Record the requests answered by now (at least one), taking them out of `pending`;
        then raise the first failure that ends the run, if one came."""
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        failures = [future.exception() for future in done if future.exception() is not None]
        # An answer leaves `pending` and enters the journal as one step: a Ctrl-C between
        # the two would lose it (the cleanup in `run` records only what is pending).
        with _interrupts_deferred():
            pending -= done
            for future in done:
                if future.exception() is None:
                    self._record(future.result())
        if failures:
            raise failures[0]  # type: ignore[misc]

    def _send(self, batch: Batch) -> Outcome:
        while True:
            try:
                self.client.call(self.kind.service, batch.action, batch.request)
            except ServiceError as error:
                if error.is_auth_error:
                    raise
                if error.code in THROTTLING_CODES and not self.stop.is_set():
                    continue
                return Outcome(batch, error.request_id, f"{error.code}: {error.message}")
            return Outcome(batch, self.ids.last(), None)

    def _record(self, outcome: Outcome) -> None:
        batch = outcome.batch
        if outcome.error is None:
            self.journal.confirm(batch.keys, outcome.request_id)
        for key in batch.keys:
            rows = self._rows.pop(key)
            if outcome.error is None:
                self.results.add(rows, key, OK, outcome.request_id)
            else:
                self.results.add(rows, key, FAILED, outcome.request_id, outcome.error)
        self.advance(len(batch.keys))


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Run the block whole: a SIGINT arriving meanwhile is acted on when it ends. (Signals
    reach the main thread only; elsewhere there is nothing to defer.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            if callable(previous):
                previous(signal.SIGINT, None)
            else:
                raise KeyboardInterrupt
