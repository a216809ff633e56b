"""`fws outbound import`, `fws items import`, `fws inbound import` and `fws outbound export`:
batch files in and out (formats: docs/formats.md; the machinery: fwscli.batch).

An import reads the whole file first and checks every row; only a file with no invalid row
is sent (or, with --skip-invalid, its valid units). Problems go to stderr, one per line, as
`FILE:LINE: COLUMN: 'VALUE': reason`. Re-running the same file sends only what an earlier
run did not get confirmed.

Attached to the groups in main.py; cheap to import (everything heavy loads inside).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Callable, Optional

import typer

from . import common

if TYPE_CHECKING:
    from ..batch.kinds import Kind
    from ..batch.layout import Problem
    from ..batch.results import Results

FILE_ARGUMENT = typer.Argument(..., metavar="FILE|-", help="CSV or JSON lines file; - reads stdin.")
FORMAT = typer.Option(None, "--format", metavar="csv|jsonl",
                      help="The file's format (default: by its extension; for stdin, by its "
                           "first character).")
ENCODING = typer.Option(None, "--encoding",
                        help="Text encoding, e.g. cp1252 or cp932 (default UTF-8, with or without BOM).")
VALIDATE_ONLY = typer.Option(False, "--validate-only", help="Check every row, send nothing.")
SKIP_INVALID = typer.Option(False, "--skip-invalid",
                            help="Send the valid units even when some rows are invalid (exit 1).")
CONCURRENCY = typer.Option(4, "--concurrency", min=1, max=64, help="Requests in flight at once.")
RESULTS = typer.Option(None, "--results", metavar="FILE|-",
                       help="Write each row's outcome (CSV: Row, id, Outcome, RequestId, Error).")


def outbound_import(ctx: typer.Context, path: str = FILE_ARGUMENT, fmt: Optional[str] = FORMAT,
                    encoding: Optional[str] = ENCODING, validate_only: bool = VALIDATE_ONLY,
                    skip_invalid: bool = SKIP_INVALID, concurrency: int = CONCURRENCY,
                    results: Optional[str] = RESULTS) -> None:
    """Create fulfillment orders from a CSV or JSON lines file. Safe to re-run.

    CSV: one row per order item, rows grouped into orders by MerchantFulfillmentOrderId.
    """
    from ..batch import kinds

    _import(ctx, kinds.orders(), path, fmt, encoding, validate_only, skip_invalid, concurrency, results)


def items_import(ctx: typer.Context, path: str = FILE_ARGUMENT, fmt: Optional[str] = FORMAT,
                 encoding: Optional[str] = ENCODING, validate_only: bool = VALIDATE_ONLY,
                 skip_invalid: bool = SKIP_INVALID, concurrency: int = CONCURRENCY,
                 results: Optional[str] = RESULTS) -> None:
    """Register items from a CSV or JSON lines file. Safe to re-run.

    One item per row: MerchantSKU, ASIN, Condition (as `fws items list -o csv` writes them).
    """
    from ..batch import kinds
    from . import items

    headers = {column.header: column.path for column in items.COLUMNS}
    _import(ctx, kinds.items(headers), path, fmt, encoding, validate_only, skip_invalid,
            concurrency, results)


def inbound_import(ctx: typer.Context, path: str = FILE_ARGUMENT, fmt: Optional[str] = FORMAT,
                   encoding: Optional[str] = ENCODING, validate_only: bool = VALIDATE_ONLY,
                   skip_invalid: bool = SKIP_INVALID, concurrency: int = CONCURRENCY,
                   results: Optional[str] = RESULTS) -> None:
    """Create or replace inbound shipments from a CSV or JSON lines file. Safe to re-run.

    CSV: one row per SKU, rows grouped into shipments by ShipmentId.
    """
    from ..batch import kinds

    _import(ctx, kinds.shipments(), path, fmt, encoding, validate_only, skip_invalid,
            concurrency, results)


def outbound_export(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", metavar="DATETIME",
                                        help="Also orders finished since then (default: the "
                                             "service's, 72 hours)."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=64,
                                    help="Orders fetched at once."),
) -> None:
    """Orders as `fws outbound import` reads them, streamed.

    CSV order lines by default; one CreateFulfillmentOrder request per line with -o ndjson.
    """
    from ..batch import kinds
    from ..batch.export import order_lines, order_request, ordered_map
    from ..client.paginator import paginate

    g = common.globals_of(ctx)
    request = {} if since is None else {"QueryStartDateTime": common.parse_datetime(since, "--since")}
    kind = kinds.orders()
    client = g.client()
    listing = paginate(client, "outbound", "ListAllFulfillmentOrders", request).rows()

    def fetch(order: dict) -> dict:
        detail = client.call("outbound", "GetFulfillmentOrder",
                             {"MerchantFulfillmentOrderId": order["MerchantFulfillmentOrderId"]})
        return order_request(detail, kind)

    orders = ordered_map(fetch, listing, concurrency)
    g.output = g.output or "csv"  # an export is a file, whatever the terminal
    if g.output in ("json", "ndjson"):
        g.show_rows(orders)
        return
    from .output import Column

    lines_member = kind.lines_member or ""
    columns = [Column(column, column) for column in kind.layout.columns()]
    g.show_rows((line for order in orders for line in order_lines(order, lines_member)), columns)


# --- the import -------------------------------------------------------------------------------

def _import(ctx: typer.Context, kind: "Kind", path: str, fmt: Optional[str],
            encoding: Optional[str], validate_only: bool, skip_invalid: bool, concurrency: int,
            results_path: Optional[str]) -> None:
    from ..batch.results import DONE_BEFORE, FAILED, INVALID, OK, Results
    from ..batch.source import CsvReader, JsonLinesReader, Source, SourceError
    from ..batch.staging import Staging
    from ..batch.stopping import Terminated, interrupts_deferred, sigterm_interrupts
    from ..batch.validate import validate
    from ..client.errors import ClientError

    g = common.globals_of(ctx)
    started = time.monotonic()
    if results_path not in (None, "-") and _same_file(path, results_path):
        raise common.CliError(f"--results {results_path}: that is the file being imported (writing "
                              f"the results would empty it first)", common.EXIT_BAD_PARAMETER)
    try:
        source = Source(path, encoding, fmt)
    except (SourceError, OSError) as error:
        raise common.CliError(f"{path}: {error}", common.EXIT_BAD_PARAMETER) from None
    try:
        results = Results(results_path, kind.key)
    except OSError as error:  # the problem is the results file's, not the input's
        source.close()
        raise common.CliError(f"--results {results_path}: cannot write it: {error.strerror}",
                              common.EXIT_BAD_PARAMETER) from None
    staging = Staging()
    stage = "checking"  # then "checked" (the bystanders have their lines), then "sending"
    try:
        with sigterm_interrupts():
            try:
                reader = CsvReader(source, kind.layout) if source.format == "csv" else \
                    JsonLinesReader(source, kind.layout, kind.lines_member)
                report = _reporter(source.name, g.error_format, results)
                tally = validate(reader, kind, staging, report, keep_values=not validate_only)
                source.close()
                good, _ = staging.counts()
                with interrupts_deferred():
                    for key, line in staging.bystanders():
                        results.add([line], key, INVALID,
                                    error=f"not sent: another row of this {kind.noun} is invalid")
                    stage = "checked"
                checked = f"{tally.rows} rows, {good} valid {kind.noun}s, {tally.invalid_rows} invalid rows"
                refused = tally.file_problems or (tally.invalid_rows and (validate_only or not skip_invalid))
                if refused or validate_only:
                    # One results line per row, these too: a row missing from them reads as lost.
                    why = "--validate-only" if validate_only else _refusal(tally)
                    _not_sent(staging, results, stage, f"not sent: {why}")
                    stage = "done"
                if refused:
                    raise common.CliError(f"{source.name}: {checked}; nothing was sent",
                                          common.EXIT_BAD_PARAMETER, code="InvalidRows")
                if validate_only:
                    common.note(f"{source.name}: {checked}; nothing sent (--validate-only)")
                    return
                client = g.client()  # no keys, a bad profile: still a line for every row
                stage = "sending"
                _send(client, kind, staging, source, results, good, concurrency)
            except (KeyboardInterrupt, Terminated, ClientError, common.CliError) as error:
                if isinstance(error, common.CliError) and stage != "checked":
                    raise  # the refusal, which wrote its lines itself
                if stage in ("checking", "checked"):  # nothing was sent: every row read is not-sent
                    from ..batch.submit import stopped_because

                    _not_sent(staging, results, stage, f"not sent: {stopped_because(error)}")
                raise _stopped(error, source.name, results.counts, stage) from None
    finally:
        staging.close()
        results.close()
    counts = results.counts
    common.note(f"{source.name}: {good} {kind.noun}s in {tally.rows} rows; rows: {counts[OK]} ok, "
                f"{counts[DONE_BEFORE]} done before, {counts[FAILED]} failed, "
                f"{counts[INVALID]} invalid ({time.monotonic() - started:.1f} s)")
    if counts[FAILED] or counts[INVALID]:
        raise typer.Exit(common.EXIT_PARTIAL)


def _refusal(tally) -> str:
    """Why a refused import sent nothing, as each valid row's results line says it."""
    if tally.file_problems:
        return "the import was refused for the file's problems"
    return "the import was refused for invalid rows (--skip-invalid sends the valid units)"


def _not_sent(staging, results: "Results", stage: str, why: str) -> None:
    """A results line for every valid row, and for the bystanders when `stage` is still
    "checking" (they get theirs once the file is checked)."""
    from ..batch.results import NOT_SENT
    from ..batch.stopping import interrupts_deferred

    with interrupts_deferred():
        for key, line in staging.valid_rows():
            results.add([line], key, NOT_SENT, error=why)
        if stage == "checking":
            for key, line in staging.bystanders():
                results.add([line], key, NOT_SENT, error=why)


def _stopped(error: BaseException, name: str, counts: dict[str, int], stage: str) -> common.CliError:
    """The one line for an import that stopped part-way: the cause, and what became of the
    rows (`done` is ok or done before: nothing left to do for them)."""
    from ..batch.results import DONE_BEFORE, NOT_SENT, OK, UNCONFIRMED
    from ..batch.stopping import Terminated

    if isinstance(error, KeyboardInterrupt):
        mapped = common.CliError("interrupted", common.EXIT_INTERRUPTED)
    elif isinstance(error, Terminated):
        mapped = common.CliError("terminated (SIGTERM)", common.EXIT_INTERRUPTED)
    else:
        mapped = common.as_cli_error(error)  # type: ignore[assignment]
        assert mapped is not None  # every ClientError has its CliError
    if stage != "sending":
        summary = f"{name}: nothing was sent, {counts[NOT_SENT]} rows not sent"
        if stage == "checking":
            summary = f"{name}: stopped while checking the file; nothing was sent, {counts[NOT_SENT]} " \
                      f"valid rows so far not sent"
    else:
        summary = f"{name}: {counts[OK] + counts[DONE_BEFORE]} rows done, {counts[NOT_SENT]} not sent"
        summary += "".join(f", {count} {outcome}" for outcome, count in counts.items()
                           if count and outcome not in (OK, DONE_BEFORE, NOT_SENT))
        if counts[UNCONFIRMED]:
            summary += " (the service may have them: sending them again is safe)"
        summary += "; run it again to send the rest"
    return common.CliError(f"{mapped.message.rstrip('.')}; {summary}", mapped.exit_code, code=mapped.code,
                           operation=mapped.operation, request_id=mapped.request_id)


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(os.path.expanduser(first), os.path.expanduser(second))
    except OSError:  # one of them does not exist (yet), or is stdin's "-"
        return False


def _send(client, kind: "Kind", staging, source, results: "Results", total: int,
          concurrency: int) -> None:
    import threading

    from ..batch.journal import Journal, run_key
    from ..batch.submit import Submitter, batch_client
    from ..config import default_database_url

    session = client.session
    endpoint = session.endpoint_url or f"embedded:{default_database_url()}"
    run = run_key(kind.noun, endpoint, session.profile,
                  client.transport.credentials.access_key_id, source.digest())
    stop = threading.Event()
    sender, ids = batch_client(client, concurrency, stop)
    journal = Journal(run)
    with _progress(kind, total) as advance:
        try:
            Submitter(kind, sender, ids, journal, results, concurrency=concurrency, stop=stop,
                      advance=advance).run(staging.units)
        finally:
            journal.close()


def _reporter(name: str, error_format: str, results: "Results") -> Callable[[int, Optional[str], list], None]:
    from ..batch.results import INVALID

    def report(line: int, key: Optional[str], problems: list["Problem"]) -> None:
        for problem in problems:
            typer.echo(_describe(name, problem, error_format), err=True)
        results.add([line], key, INVALID, error="; ".join(
            f"{problem.column}: {problem.reason}" for problem in problems))

    return report


def _describe(name: str, problem: "Problem", error_format: str) -> str:
    if error_format == "json":
        return json.dumps({"File": name, "Line": problem.line, "Column": problem.column,
                           "Value": problem.value, "Error": problem.reason}, ensure_ascii=False)
    value = "" if problem.value is None else f" {problem.value!r}:"
    return f"{name}:{problem.line}: {problem.column}:{value} {problem.reason}"


class _progress:
    """A progress bar on stderr while it is a terminal; otherwise nothing."""

    def __init__(self, kind: "Kind", total: int):
        self.kind = kind
        self.total = total
        self._bar = None

    def __enter__(self) -> Callable[[int], None]:
        if not sys.stderr.isatty():
            return lambda _: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn(f"{self.kind.noun}s"), BarColumn(), MofNCompleteColumn(),
                             TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._bar.start()
        task = self._bar.add_task("", total=self.total)
        return lambda count: self._bar.advance(task, count)  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
