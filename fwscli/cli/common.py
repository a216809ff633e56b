"""What every `fws` command shares: global options, the client, output, input parsing,
and the mapping of failures to exit codes (DESIGN.md §4).

Cheap to import: `fws --help` loads this module, so requests, SQLAlchemy and rich, and
even json and logging (a twentieth of `fws --help`), are imported only inside the functions
that use them.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence

import typer

if TYPE_CHECKING:
    from ..api.errors import ApiError
    from ..client.client import Client
    from .output import Column, Renderer

# Exit codes (DESIGN.md §4), documented in `fws --help`.
EXIT_OK = 0
EXIT_PARTIAL = 1           # some rows of a batch failed
EXIT_USAGE = 2             # the command line itself is wrong
EXIT_INTERRUPTED = 130
EXIT_BAD_PARAMETER = 252   # a value was refused before anything was sent
EXIT_CONFIG = 253          # configuration or credentials
EXIT_SERVICE = 254         # the service answered with an error
EXIT_OTHER = 255           # anything else (endpoint unreachable, unreadable answers)
# Waiting for a status (`fws outbound wait`, `fws demo`):
EXIT_WAIT_ENDED = 3        # it ended in another final status than the one awaited
EXIT_WAIT_TIMEOUT = 124    # gave up waiting (the code of timeout(1))

# The Code of `--error-format json` for a failure of the CLI's own (a service error carries the
# service's code): what its exit code says, so that a script can tell failures apart.
CODES_BY_EXIT: dict[int, str] = {
    EXIT_PARTIAL: "RowsFailed", EXIT_USAGE: "UsageError", EXIT_WAIT_ENDED: "WaitEnded",
    EXIT_WAIT_TIMEOUT: "WaitTimedOut", EXIT_INTERRUPTED: "Interrupted",
    EXIT_BAD_PARAMETER: "InvalidParameterValue", EXIT_CONFIG: "ConfigError",
    EXIT_SERVICE: "ServiceError", EXIT_OTHER: "InternalError",
}

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 some rows of a batch failed; 2 usage; 3 a wait ended in another "
    "final status; 124 a wait timed out; 130 interrupted; 252 bad parameter; "
    "253 configuration or credentials; 254 the service returned an error; 255 anything else."
)

# Options that may stand anywhere on the command line, as with the AWS CLI: `run()` moves
# them in front of the subcommand, where Click expects a group's options. name -> takes a value
GLOBAL_OPTIONS: dict[str, bool] = {
    "--profile": True, "--endpoint-url": True, "--region": True, "-o": True, "--output": True,
    "--query": True, "--color": True, "--debug": False, "--error-format": True,
}


class CliError(Exception):
    """A failure the CLI reports itself: a one-line message and an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_PARAMETER, *,
                 code: str | None = None, operation: str | None = None,
                 request_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.code = code or CODES_BY_EXIT.get(exit_code, "Error")
        self.operation = operation
        self.request_id = request_id
        self.starting_token: str | None = None  # where a listing that failed part way goes on


def bad_parameter(option: str, value: object, reason: str) -> CliError:
    return CliError(f"{option}: {value!r} is invalid: {reason}", EXIT_BAD_PARAMETER,
                    code="InvalidParameterValue")


def canonical_choice(option: str, value: str, choices: Sequence[str]) -> str:
    """`value` as `choices` spell it, whatever its case (`shipped` -> Shipped), or a bad
    parameter naming `option` and the choices."""
    for choice in choices:
        if choice.lower() == value.lower():
            return choice
    raise bad_parameter(option, value, f"expected one of {', '.join(choices)}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the client starts, and none later over what it
    loaded. Starting one (requests; for the embedded service SQLAlchemy, the service and
    the database) allocates some 400,000 objects that all live until exit: the collector's
    passes over them freed nothing and cost ~40 ms, a tenth of an embedded command. Frozen
    (gc.freeze), they are left out of every later pass too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@dataclass
class Globals:
    """The global options of one invocation, and the client built from them on demand."""

    profile: Optional[str] = None
    endpoint_url: Optional[str] = None
    region: Optional[str] = None
    output: Optional[str] = None
    query: Optional[str] = None
    color: str = "auto"
    debug: bool = False
    error_format: str = "text"
    _client: Optional["Client"] = field(default=None, repr=False)
    _settings: Any = field(default=None, repr=False)

    # --- configuration and client -------------------------------------------------------

    def settings(self):
        if self._settings is None:
            from ..config import ConfigError, resolve

            flags = {"endpoint_url": self.endpoint_url, "region": self.region}
            try:
                self._settings = resolve(self.profile, flags)
            except ConfigError as error:
                raise CliError(str(error), EXIT_CONFIG, code="ConfigError") from None
        return self._settings

    def client(self) -> "Client":
        if self._client is None:
            self.output_format()  # the profile's output is checked before anything is sent
            with _collector_paused():
                self._client, session = self._start_client()
            if session.credentials is None and not session.embedded:
                raise CliError(
                    f"No credentials for profile {session.profile!r}: set them with "
                    f"`fws configure` or FWS_ACCESS_KEY_ID / FWS_SECRET_ACCESS_KEY.",
                    EXIT_CONFIG, code="MissingCredentials")
            if self._client.provisioned:
                note(f"created a merchant on the embedded service and saved its keys to "
                     f"profile {session.profile!r}")
        return self._client

    def _start_client(self) -> tuple["Client", Any]:
        from ..client.client import Client
        from ..client.session import Session
        from ..config import ConfigError

        try:
            session = Session.from_settings(self.settings())
            return Client(session), session
        except ConfigError as error:
            raise CliError(str(error), EXIT_CONFIG, code="ConfigError") from None

    def call(self, service: str, action: str, request: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.client().call(service, action, request or {})

    # --- output --------------------------------------------------------------------------

    def output_format(self) -> str:
        from .output import default_format

        if self.output:
            return self.output
        try:
            return default_format(self.settings().output, sys.stdout.isatty())
        except ValueError as error:  # said with where it is set, as every other setting is
            setting = self.settings()["output"]
            raise CliError(f"{error} (from {setting.location or setting.source})", EXIT_CONFIG,
                           code="ConfigError") from None

    def renderer(self, columns: Sequence["Column"] | None = None) -> "Renderer":
        from .output import QueryError, make_renderer, use_color

        try:
            return make_renderer(self.output_format(), sys.stdout, columns=columns,
                                 query=self.query, color=use_color(self.color, sys.stdout))
        except QueryError as error:
            raise CliError(str(error), EXIT_BAD_PARAMETER, code="InvalidQuery") from None  # names --query
        except ValueError as error:
            raise CliError(str(error), EXIT_BAD_PARAMETER) from None

    def show(self, obj: Any, columns: Sequence["Column"] | None = None) -> None:
        """Render one result object."""
        renderer = self.renderer(columns)
        renderer.write_object(obj)
        renderer.close()

    def show_rows(self, rows: Iterable[dict[str, Any]], columns: Sequence["Column"] | None = None) -> int:
        """Render a stream of rows (streamed as they arrive); returns how many were shown."""
        renderer = self.renderer(columns)
        count = renderer.write_rows(rows)
        renderer.close()
        return count


def globals_of(ctx: typer.Context) -> Globals:
    root = ctx.find_root()
    if not isinstance(root.obj, Globals):
        root.obj = Globals()
    return root.obj


def note(message: str) -> None:
    """A message for the person, never for a pipe reading stdout. Lost if stderr's reader
    has gone, rather than ending the command (see to_stderr)."""
    to_stderr(lambda: typer.echo(f"fws: {message}", err=True))


NAMED_AT_MOST = 10  # values a one-line message names; more are counted


def named(values: Sequence[str]) -> str:
    """`A, B, C` for a one-line message, the first NAMED_AT_MOST of them and a count of
    the rest: a message about 600 SKUs must stay one line a person can read."""
    shown = ", ".join(values[:NAMED_AT_MOST])
    more = len(values) - NAMED_AT_MOST
    return shown + (f" and {more} more" if more > 0 else "")


# --- paging ---------------------------------------------------------------------------------

MAX_ITEMS = typer.Option(None, "--max-items", min=1,
                         help="Stop after this many rows and print a token to resume from.")
STARTING_TOKEN = typer.Option(None, "--starting-token",
                              help="Resume a listing where --max-items stopped.")
PAGE_SIZE = typer.Option(None, "--page-size", min=1,
                         help="Rows per request to the service (the output is the same).")
NO_PAGINATE = typer.Option(False, "--no-paginate", help="Fetch only the first page.")


def list_rows(g: Globals, service: str, action: str, request: dict[str, Any], *,
              max_items: int | None, starting_token: str | None, page_size: int | None,
              no_paginate: bool, transform=None, columns=None) -> None:
    """Stream the rows of a list operation to the output as the pages arrive."""
    from ..client.errors import ClientError
    from ..client.paginator import paginate

    pages = paginate(g.client(), service, action, request, page_size=page_size,
                     max_items=max_items, starting_token=starting_token)
    key = pages.operation.result_key

    def rows() -> Iterator[dict[str, Any]]:
        try:
            for page in pages:
                for row in page[key]:
                    yield transform(row) if transform else row
                if no_paginate:
                    return
        except ClientError as error:
            # A later page failed (the service, the network): every row of the pages before
            # is written, so the error says where to go on from. Not under --query, which
            # writes nothing until the last page.
            if pages.resume_token and g.query is None:
                error.resume_token = pages.resume_token  # type: ignore[attr-defined]
            raise

    g.show_rows(rows(), columns)
    if pages.resume_token and (max_items is not None or no_paginate):
        note(f"more results: --starting-token {pages.resume_token}")


# --- input ----------------------------------------------------------------------------------

def not_nan(value: float) -> float:
    """A float option's callback: `nan` fails no comparison, so it passes Click's min= and
    makes a deadline that never comes (usage error, exit 2)."""
    if value != value:
        raise typer.BadParameter("nan is not a number of seconds")
    return value


# Which option read stdin: it is the process's, and whoever reads it second gets nothing, so
# two options given `-` must be refused rather than the second one's reader shown "".
_stdin_read_by: list[str] = []


def read_text_argument(value: str, what: str) -> str:
    """`-` reads stdin (only then: cron must never hang), `@path` or a path reads a file."""
    path = None if value == "-" else Path(value[1:] if value.startswith("@") else value).expanduser()
    if path is None:
        if _stdin_read_by:
            raise CliError(f"{what}: stdin ('-') is already read by {_stdin_read_by[0]}: give '-' "
                           f"to one option only, and a file to the other", EXIT_BAD_PARAMETER)
        _stdin_read_by.append(what)
    try:
        # A BOM is skipped on stdin as in a file (PowerShell's pipes write one).
        return sys.stdin.read().removeprefix("\ufeff") if path is None else path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CliError(f"{what}: cannot read {path}: {error.strerror}", EXIT_BAD_PARAMETER) from None
    except UnicodeDecodeError as error:
        raise CliError(f"{what}: {path or 'stdin'} is not UTF-8 text (byte {error.start + 1} "
                       f"is {error.object[error.start:error.start + 1]!r})", EXIT_BAD_PARAMETER) from None


def load_json_argument(value: str, what: str) -> Any:
    """A JSON value given as `@file.json`, `-` (stdin) or inline JSON text."""
    import json

    text = read_text_argument(value, what) if value == "-" or value.startswith("@") else value
    if not text.strip():
        source = "stdin" if value == "-" else value.removeprefix("@") if value.startswith("@") else "the value"
        raise CliError(f"{what}: {source} is empty (expected JSON)", EXIT_BAD_PARAMETER)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{what}: not valid JSON ({error.msg} at line {error.lineno}, "
                       f"column {error.colno})", EXIT_BAD_PARAMETER) from None


# Said in the help of every argument and option split_shorthand reads.
SKU_QUANTITY_HELP = "SKU=QTY, repeatable; spaces around the = are ignored"


def split_shorthand(text: str) -> tuple[str, str, str]:
    """`KEY=VALUE` split at its last `=` (a SKU may hold one) as (KEY, "=", VALUE); without
    an `=`, (TEXT, "", ""). Whitespace around the `=` and at either end is ignored, as in the
    AWS CLI's shorthand: `"SKU-1 = 2"` is SKU-1, not "SKU-1 ", which no one means and no one
    sees. (A SKU that does end in a space is sent byte-exact from --cli-input-json or an
    import file.)"""
    key, sep, value = text.rpartition("=")
    return (key.strip(), sep, value.strip()) if sep else (value.strip(), "", "")


def parse_sku_quantity(text: str, option: str = "--item") -> tuple[str, int]:
    """`SKU=QTY` (see split_shorthand) with a positive whole quantity."""
    sku, sep, quantity = split_shorthand(text)
    if not sep or not sku:
        raise bad_parameter(option, text, "expected SKU=QUANTITY, e.g. SKU-1=2")
    from ..digits import ascii_whole_number

    number = ascii_whole_number(quantity)
    if number is None or number < 1:
        raise bad_parameter(option, text, f"the quantity {quantity!r} must be a whole number of at least 1")
    return sku, number


def parse_datetime(value: str, option: str, *, keep_offset: bool = False):
    """An ISO 8601 date-time option as an aware UTC datetime (no zone: UTC); with
    `keep_offset`, in the offset it was given in (see parse_timestamp)."""
    from ..wire.timestamps import parse_timestamp

    try:
        return parse_timestamp(value, keep_offset=keep_offset)
    except ValueError:
        raise bad_parameter(option, value, "expected an ISO 8601 date-time such as "
                                           "2026-11-27T20:30:00Z") from None


def _misfit(members, data: Any, prefix: str) -> str | None:
    """What of `data` the model cannot take, as `PATH: problem`, else None: a key it does not
    know (the encoder would silently drop it), or a value of another shape than its member
    (the encoder would send a string where a list belongs a character at a time, and a list
    where one value belongs as its Python repr)."""
    if not isinstance(data, dict):
        return None
    by_name = {member.name: member for member in members}
    for key, value in data.items():
        member = by_name.get(key)
        if member is None:
            return f"{prefix}{key} is not a member of the request (a typo in --cli-input-json?)"
        if value is None:
            continue
        if member.repeated and not isinstance(value, (list, tuple)):
            return f"{prefix}{key}: expected a JSON array"
        shape_members = getattr(member.shape, "members", None)
        for index, item in enumerate(value if member.repeated else [value], start=1):
            path = f"{prefix}{key}.{index}" if member.repeated else f"{prefix}{key}"
            if shape_members is None:
                if isinstance(item, (dict, list, tuple)):
                    return f"{path}: expected a single value, not a JSON array or object"
            elif not isinstance(item, dict):
                return f"{path}: expected a JSON object"
            else:
                found = _misfit(shape_members, item, path + ".")
                if found:
                    return found
    return None


def validate_request(service: str, action: str, request: dict[str, Any],
                     hints: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Check a request against the model before anything is sent (exit 252), as the service
    would: required members, types, enums, lengths, item limits. Returns it typed.

    `hints` maps a member path (`DestinationAddress.City`, `Item`) to the flag that sets it,
    so the message names what the person typed; the longest matching prefix wins.
    """
    from ..api import SERVICES_BY_NAME
    from ..api.errors import ApiError
    from ..wire.query import decode_request, encode_request

    operation = SERVICES_BY_NAME[service].operation(action)
    misfit = _misfit(operation.input, request, "")
    if misfit:
        raise CliError(f"{operation.name}: {misfit}", EXIT_BAD_PARAMETER, code="InvalidParameterValue",
                       operation=f"{service}.{operation.name}")
    try:
        # The service's own decoder over what the encoder would send: one set of rules.
        return decode_request(operation, encode_request(operation, request))
    except ApiError as error:
        raise refused(service, operation.name, error, hints) from None
    except (AttributeError, TypeError):  # a list or object where the model has another shape
        raise CliError(f"{operation.name}: the request does not have the operation's shape "
                       f"(see --cli-input-json)", EXIT_BAD_PARAMETER,
                       code="InvalidParameterValue") from None


def refused(service: str, action: str, error: "ApiError", hints: Mapping[str, str] | None) -> CliError:
    """The service's refusal of a parameter as the CLI's (exit 252), naming the flag that
    set it (`hints`, as in validate_request) before the parameter."""
    parameter = error.parameter or ""
    # A top-level list of values is named with the action on the wire
    # (CreateFulfillmentOrder.NotificationEmailList.1); hints name members.
    parts = parameter.removeprefix(f"{action}.").split(".")
    flag = next((hints[".".join(parts[:n])] for n in range(len(parts), 0, -1)
                 if ".".join(parts[:n]) in (hints or {})), None)
    where = f"{flag} ({parameter})" if flag else parameter or action
    return CliError(f"{where}: {error.message}", EXIT_BAD_PARAMETER, code=error.code,
                    operation=f"{service}.{action}")


class Whole(dict):
    """A structure given whole on the command line (`--to @address.json`): it replaces the
    --cli-input-json file's rather than filling it in (a Line2 kept from the file's address
    would make an address nobody has)."""


def merge_input_json(request: dict[str, Any], cli_input_json: str | None) -> dict[str, Any]:
    """`--cli-input-json FILE|-`: a whole request; flags given on the command line win. A
    structure given in part by flags (`--to-city`) fills in the file's rather than replacing
    it; one given Whole replaces it."""
    if not cli_input_json:
        return request
    loaded = load_json_argument(cli_input_json if cli_input_json == "-" else "@" + cli_input_json.lstrip("@"),
                                "--cli-input-json")
    if not isinstance(loaded, dict):
        raise CliError("--cli-input-json: expected a JSON object with the request's members",
                       EXIT_BAD_PARAMETER)
    given = {key: value for key, value in request.items() if value not in (None, [], {})}
    for key, value in given.items():
        if isinstance(value, dict) and not isinstance(value, Whole) and isinstance(loaded.get(key), dict):
            given[key] = {**loaded[key], **value}
    return {**loaded, **given}


CLI_INPUT_JSON = typer.Option(None, "--cli-input-json", metavar="FILE|-",
                              help="Read the whole request from a JSON file (or - for stdin).")
DRY_RUN = typer.Option(False, "--dry-run", help="Print the request that would be sent; send nothing.")


def dry_run_request(g: Globals, service: str, action: str, request: dict[str, Any]) -> dict[str, Any]:
    """What --dry-run prints for one request: where it would go and its parameters."""
    from ..api import SERVICES_BY_NAME
    from ..wire.query import encode_request

    model = SERVICES_BY_NAME[service]
    operation = model.operation(action)
    return {
        "Endpoint": redacted_url(g.settings().endpoint_url) or "embedded",
        "Service": service, "Version": model.version, "Action": operation.name,
        "Parameters": dict(encode_request(operation, request)),
    }


def redacted_url(url: str | None) -> str | None:
    """An endpoint URL fit to print: a password in it (`https://user:pw@host/`, for a proxy
    in front of the service) and a query string's values shown as REDACTED."""
    if not url:
        return url
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:REDACTED@{netloc.rpartition('@')[2]}"
    query = urlencode([(key, "REDACTED") for key, _ in parse_qsl(parts.query, keep_blank_values=True)],
                      safe="") if parts.query else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def send(g: Globals, service: str, action: str, request: dict[str, Any], *, dry_run: bool) -> dict[str, Any] | None:
    """Call an operation, or with --dry-run print what would be sent (no secrets) and stop."""
    if dry_run:
        g.show(dry_run_request(g, service, action, request))
        return None
    return g.call(service, action, request)


# --- running --------------------------------------------------------------------------------

def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options (anywhere on the line) in front, keeping their order."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            rest += argv[index:]
            break
        name = arg.split("=", 1)[0]
        if arg.startswith("-o") and _attached_format(arg[2:]):  # `-ojson`, as Click reads it
            front.append(arg)
        elif name in GLOBAL_OPTIONS:
            takes_value = GLOBAL_OPTIONS[name] and "=" not in arg
            if takes_value and index + 1 == len(argv):
                # Last, without its value: alone, so that Click says so, rather than taking
                # the subcommand's name as the value (`fws items list -o`).
                return front + [arg]
            front.append(arg)
            if takes_value:
                front.append(argv[index + 1])
                index += 1
        else:
            rest.append(arg)
        index += 1
    return front + rest


def _attached_format(value: str) -> bool:
    """Whether `-o<value>` is -o with its value attached: only a format name counts, so that
    another option's value that starts with -o (`--comment -ok`) stays where it is."""
    from .output import FORMATS

    return value in FORMATS


def report(error: CliError, error_format: str) -> None:
    if error_format == "json":
        import json

        payload = {"Error": {"Code": error.code, "Message": error.message,
                             "Operation": error.operation, "RequestId": error.request_id,
                             "ExitCode": error.exit_code}}
        if error.starting_token:
            payload["Error"]["StartingToken"] = error.starting_token
        to_stderr(lambda: typer.echo(json.dumps(payload), err=True))
    else:
        to_stderr(lambda: typer.echo(f"fws: error: {error.message}", err=True))


def to_stderr(write) -> None:
    """Runs `write`, which writes a message or the error on stderr. If stderr's reader has
    gone (`2>&1 | true`), the message is lost but the command goes on, and the exit code
    still says how it went: the BrokenPipeError ended fws with exit status 1 ("some rows
    failed") while it reported an error, and with 0 before it had done anything when it
    wrote a note (the first command's "created a merchant")."""
    try:
        write()
    except BrokenPipeError:
        from ..pipes import discard_writes

        discard_writes(sys.stderr)


def as_cli_error(error: BaseException) -> CliError | None:
    """The CliError for a failure of the client layers, None for anything unexpected. A
    listing that failed part way says where to go on from (list_rows)."""
    from ..client.errors import StartingTokenError

    mapped = _mapped(error)
    if mapped is not None and isinstance(error, StartingTokenError) and error.operation:
        mapped.operation, mapped.request_id = error.operation, error.request_id  # the service refused it
    token = getattr(error, "resume_token", None)
    if mapped is not None and token:
        mapped.message += f"; the rows before it are written, the rest follow with --starting-token {token}"
        mapped.starting_token = token
    return mapped


def _mapped(error: BaseException) -> CliError | None:
    from ..client.errors import ClientError, EndpointUnreachable, ServiceError, StartingTokenError
    from ..config import ConfigError
    from .output import QueryError

    if isinstance(error, CliError):
        return error
    if isinstance(error, QueryError):  # raised by the renderer, once the result is there
        return CliError(str(error), EXIT_BAD_PARAMETER, code="InvalidQuery")
    if isinstance(error, ConfigError):
        return CliError(str(error), EXIT_CONFIG, code="ConfigError")
    if isinstance(error, ServiceError):
        exit_code = EXIT_CONFIG if error.is_auth_error else EXIT_SERVICE
        return CliError(f"{error.operation}: {error.code}: {error.message} (RequestId {error.request_id})",
                        exit_code, code=error.code, operation=error.operation,
                        request_id=error.request_id)
    if isinstance(error, EndpointUnreachable):
        return CliError(str(error), EXIT_OTHER, code="EndpointUnreachable", operation=error.operation)
    if isinstance(error, StartingTokenError):  # other paging errors are the service's
        return CliError(str(error), EXIT_BAD_PARAMETER, code="InvalidStartingToken")
    if isinstance(error, ClientError):  # ResponseError names its operation too
        return CliError(str(error), EXIT_OTHER, code=type(error).__name__,
                        operation=getattr(error, "operation", None))
    return None


def configure_debug(enabled: bool) -> None:
    if enabled:
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("fws debug: %(message)s"))
        # On "fwscli": the embedded service's errors (with tracebacks) show too.
        logging.getLogger("fwscli").addHandler(handler)
        logging.getLogger("fwscli.client").setLevel(logging.DEBUG)


def error_format_from(argv: Sequence[str]) -> str:
    """--error-format before Click has parsed anything (so even usage errors honour it)."""
    for index, arg in enumerate(argv):
        if arg.startswith("--error-format="):
            return arg.split("=", 1)[1]
        if arg == "--error-format" and index + 1 < len(argv):
            return argv[index + 1]
    return os.environ.get("FWS_ERROR_FORMAT", "text")
