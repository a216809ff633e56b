"""Sending the units: a bounded number of requests in flight, the client's retries and
throttling, every outcome in the journal and the results.

Units confirmed by an earlier run of the same file are not sent. A unit the service
refuses is failed (a re-run sends it again). Throttling is waited out, as long as it takes:
the client honours Retry-After between its attempts, and a unit still throttled after them
is sent again rather than failed.

A failure that is not the unit's fault stops the run: the keys refused, the endpoint
unreachable or its answer unreadable, a server error after every retry; so do Ctrl-C and
SIGTERM. Every row still gets its one results line: what was in flight is recorded as
answered, `unconfirmed` when its answer was lost (the service may have it), `not-sent` when
it cannot have reached the service; every unit not sent yet is `not-sent` (or
`done-before`), so the results say exactly which rows a re-run has to send.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..client.errors import EndpointUnreachable, ServiceError
from .journal import Journal
from .kinds import Batch, Kind, StagedUnit
from .results import DONE_BEFORE, FAILED, NOT_SENT, OK, UNCONFIRMED, Results
from .stopping import Terminated, interrupts_deferred

if TYPE_CHECKING:
    from ..client.client import Client

THROTTLING_CODES = frozenset({"RequestThrottled", "Throttling"})
QUEUED_PER_WORKER = 2  # requests built ahead of the workers: enough to keep them busy


@dataclass(frozen=True)
class Outcome:
    batch: Batch
    result: str  # OK, FAILED, UNCONFIRMED or NOT_SENT
    request_id: str
    error: str | None = None
    stop: BaseException | None = None  # the failure that ends the run, when it is one


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
        self._taken = 0  # the first line of the last unit taken from the file

    def run(self, units_after: Callable[[int], Iterable[StagedUnit]]) -> None:
        """Send the units that `units_after(0)` gives, in its order; `units_after(line)`
        gives those that come after the one that starts on `line` (its first row)."""
        pending: dict[Future, Batch] = {}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fws-import") as pool:
            try:
                for batch in self.kind.batches(self._unsent(units_after(0))):
                    if len(pending) >= self.concurrency * QUEUED_PER_WORKER:
                        self._collect(pending)
                    with interrupts_deferred():  # a request sent is a request pending
                        pending[pool.submit(self._send, batch)] = batch
                while pending:
                    self._collect(pending)
            except BaseException as error:
                # The rest comes from a new query: an interrupt inside the first one's
                # generator has ended it.
                self._settle(pending, units_after(self._taken), error)
                raise

    def _unsent(self, units: Iterable[StagedUnit]) -> Iterator[StagedUnit]:
        for unit in units:
            with interrupts_deferred():  # taken, and in the results or in _rows, as one step
                self._taken = unit.rows[0]
                if self._done_before(unit):
                    continue
                self._rows[unit.key] = unit.rows
            yield unit

    def _done_before(self, unit: StagedUnit) -> bool:
        request_id = self.journal.confirmed(unit.key)
        if request_id is None:
            return False
        self.results.add(unit.rows, unit.key, DONE_BEFORE, request_id)
        self.advance(1)
        return True

    def _collect(self, pending: dict[Future, Batch]) -> None:
        """Record the requests answered by now (at least one), taking them out of `pending`;
        then raise the first failure that ends the run, if one came."""
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        # An answer leaves `pending` and enters the journal as one step: a Ctrl-C between
        # the two would lose it (the cleanup in `run` records only what is pending).
        with interrupts_deferred():
            outcomes = [future.result() for future in done]
            for future in done:
                del pending[future]
            for outcome in outcomes:
                self._record(outcome)
        stops = [outcome.stop for outcome in outcomes if outcome.stop is not None]
        if stops:
            raise stops[0]

    def _settle(self, pending: dict[Future, Batch], units: Iterable[StagedUnit],
                error: BaseException) -> None:
        """The run stops on `error`: the requests in flight end (their waits between
        attempts cut short) and are recorded; every row not answered gets its line."""
        self.stop.set()
        for future in pending:
            future.cancel()
        try:
            wait(pending)
        except (KeyboardInterrupt, Terminated):
            pass  # asked again: what is still in flight stays unconfirmed
        why = f"not sent: {stopped_because(error)}"
        with interrupts_deferred():  # one line per row, whatever arrives meanwhile
            for future, batch in pending.items():
                if future.cancelled():
                    continue
                if future.done():
                    self._record(future.result())
                else:
                    self._record(Outcome(batch, UNCONFIRMED, "", "no answer yet when the run "
                                         "stopped: it may have been done; sending it again is safe"))
            for key, rows in self._rows.items():  # built, never sent
                self.results.add(rows, key, NOT_SENT, error=why)
            self._rows.clear()
            for unit in units:  # the rest of the file
                if not self._done_before(unit):
                    self.results.add(unit.rows, unit.key, NOT_SENT, error=why)

    def _send(self, batch: Batch) -> Outcome:
        while True:
            try:
                self.client.call(self.kind.service, batch.action, batch.request)
            except ServiceError as error:
                if error.code in THROTTLING_CODES:
                    if not self.stop.is_set():
                        continue
                    return Outcome(batch, NOT_SENT, error.request_id,
                                   f"not sent: throttled ({error.code}) when the run stopped")
                described = f"{error.code}: {error.message}"
                if error.is_auth_error:  # refused before anything was done
                    return Outcome(batch, NOT_SENT, error.request_id, f"not sent: {described}", error)
                if error.status >= 500:  # the service's failure, not the unit's
                    return Outcome(batch, UNCONFIRMED, error.request_id,
                                   f"{described} (it may have been done; sending it again is safe)", error)
                return Outcome(batch, FAILED, error.request_id, described)
            except EndpointUnreachable as error:
                if not error.maybe_sent:
                    return Outcome(batch, NOT_SENT, "", f"not sent: {error.reason}", error)
                return Outcome(batch, UNCONFIRMED, "", f"no answer: {error.reason} (it may have "
                               f"been done; sending it again is safe)", error)
            except Exception as error:  # an unreadable answer, or a failure of fws itself
                return Outcome(batch, UNCONFIRMED, "", f"{error} (it may have been done; "
                               f"sending it again is safe)", error)
            return Outcome(batch, OK, self.ids.last())

    def _record(self, outcome: Outcome) -> None:
        batch = outcome.batch
        if outcome.result == OK:
            self.journal.confirm(batch.keys, outcome.request_id)
        for key in batch.keys:
            self.results.add(self._rows.pop(key), key, outcome.result, outcome.request_id,
                             outcome.error)
        self.advance(len(batch.keys))


def stopped_because(error: BaseException) -> str:
    """Why the run stopped, for the results of the rows it did not send."""
    if isinstance(error, KeyboardInterrupt):
        return "the import was interrupted (Ctrl-C)"
    if isinstance(error, Terminated):
        return "the import was stopped (SIGTERM)"
    if isinstance(error, ServiceError):
        if error.is_auth_error:
            return f"the service refused the keys ({error.code})"
        return f"the service kept failing ({error.code})"
    if isinstance(error, EndpointUnreachable):
        return "the endpoint could not be reached"
    message = getattr(error, "message", None)  # the CLI's own errors: no keys, a bad profile
    if message:
        return message
    return f"the import stopped ({type(error).__name__})"
