"""The `fws` output renderers: every format, streaming, --query, format and colour choice."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from fwscli.cli.output import (Column, QueryError, default_format, make_renderer,
                               use_color)
from fwscli.cli.output.table import MAX_COLUMNS

from .conftest import FWS

ORDERS = [
    {
        "SellerFulfillmentOrderId": "ORDER-1001",
        "FulfillmentOrderStatus": "Complete",
        "DestinationAddress": {"Name": "Ada [b]Lovelace[/b]", "City": "Seattle"},
        "Items": [{"SellerSKU": "SKU-1", "Quantity": 2}],
        "NotificationEmailList": ["a@example.com", "b@example.com"],
        "PerUnitDeclaredValue": Decimal("12.50"),
        "IsCancellable": False,
    },
    {
        "SellerFulfillmentOrderId": "ORDER-1002",
        "FulfillmentOrderStatus": "Planning",
        "DestinationAddress": {"Name": "Grace\tHopper", "City": "New\nYork"},
        "Items": [],
        "NotificationEmailList": [],
        "PerUnitDeclaredValue": None,
        "IsCancellable": True,
        "Extra": "only in the second row",
    },
]


def render(fmt: str, rows=None, obj=None, **options) -> str:
    stream = io.StringIO()
    renderer = make_renderer(fmt, stream, **options)
    if rows is not None:
        renderer.write_rows(iter(rows))
    if obj is not None:
        renderer.write_object(obj)
    renderer.close()
    return stream.getvalue()


def plain(value):
    """The value as the stdlib would see it, Decimals as floats, for comparisons."""
    return json.loads(json.dumps(value, default=float))


# --- json -----------------------------------------------------------------------------

def test_json_rows_are_a_pretty_array_with_exact_decimals():
    text = render("json", ORDERS)
    assert json.loads(text) == plain(ORDERS)
    assert '"PerUnitDeclaredValue": 12.50,' in text  # a number, every digit kept
    assert json.loads(text, parse_float=Decimal)[0]["PerUnitDeclaredValue"] == Decimal("12.50")
    without_decimals = [{k: v for k, v in o.items() if k != "PerUnitDeclaredValue"}
                        for o in ORDERS]
    assert render("json", without_decimals) == json.dumps(
        without_decimals, indent=2, ensure_ascii=False) + "\n"


def test_json_empty_list_and_pages_in_several_calls():
    assert render("json", []) == "[]\n"
    stream = io.StringIO()
    renderer = make_renderer("json", stream)
    assert renderer.write_rows(iter(ORDERS[:1])) == 1
    assert renderer.write_rows(iter(ORDERS[1:])) == 1
    renderer.close()
    assert json.loads(stream.getvalue()) == plain(ORDERS)


def test_json_object_is_pretty_and_dates_are_iso():
    created = datetime(2026, 11, 27, 20, 30, tzinfo=timezone.utc)
    text = render("json", obj={"Order": ORDERS[0], "Created": created})
    assert text.startswith('{\n  "Order": {\n    "SellerFulfillmentOrderId": "ORDER-1001",')
    assert json.loads(text)["Created"] == "2026-11-27T20:30:00Z"


def test_json_is_not_coloured_unless_asked():
    assert "\x1b[" not in render("json", ORDERS)
    coloured = render("json", ORDERS, color=True)
    assert "\x1b[" in coloured


# --- ndjson ---------------------------------------------------------------------------

class FlushCounter(io.StringIO):
    flushes = 0

    def flush(self):
        self.flushes += 1
        super().flush()


def test_ndjson_one_compact_object_per_line_flushed_per_line():
    stream = FlushCounter()
    renderer = make_renderer("ndjson", stream)
    renderer.write_rows(iter(ORDERS))
    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == plain(ORDERS)
    assert lines[0].startswith('{"SellerFulfillmentOrderId":"ORDER-1001",')
    assert '"PerUnitDeclaredValue":12.50' in lines[0]
    assert stream.flushes >= len(ORDERS)


def test_ndjson_lines_are_what_the_pretty_writer_writes_compactly():
    from fwscli.cli.output.jsontext import compact, dumps

    values = [*ORDERS, {"a": "é\u2028\"\\\n\x00", "b": [1, 2.5, True, None, (1, 2)]},
              {"x": float("nan")}, {"x": float("inf")}, {"at": datetime(2026, 1, 2, tzinfo=timezone.utc)},
              {1: 2, 2.5: "x"}, [], {}, "s", 3, Decimal("1E+2"), {"big": 10**30, "neg": -0.0}]
    for value in values:
        assert compact(value) == dumps(value)


# --- csv and tsv ----------------------------------------------------------------------

def test_csv_flattens_nested_rows():
    table = list(csv.reader(io.StringIO(render("csv", ORDERS))))
    assert table[0] == ["SellerFulfillmentOrderId", "FulfillmentOrderStatus",
                        "DestinationAddress.Name", "DestinationAddress.City", "Items",
                        "NotificationEmailList", "PerUnitDeclaredValue", "IsCancellable"]
    assert table[1] == ["ORDER-1001", "Complete", "Ada [b]Lovelace[/b]", "Seattle",
                        '[{"SellerSKU":"SKU-1","Quantity":2}]',
                        "a@example.com;b@example.com", "12.50", "false"]
    assert table[2] == ["ORDER-1002", "Planning", "Grace\tHopper", "New\nYork", "", "", "",
                        "true"]


def test_csv_header_is_fixed_by_the_first_row():
    rows = [{"A": 1, "B": 2}, {"B": 3, "C": 4}, {"A": 5, "B": 6}]
    assert render("csv", rows) == "A,B\n1,2\n,3\n5,6\n"


def test_csv_columns_choose_order_and_paths():
    columns = [Column("City", "DestinationAddress.City"),
               Column("Order", "SellerFulfillmentOrderId"), Column("Zip", "Nope.Zip")]
    assert render("csv", ORDERS[:1], columns=columns) == "City,Order,Zip\nSeattle,ORDER-1001,\n"
    assert render("csv", [], columns=columns) == "City,Order,Zip\n"
    assert render("csv", []) == ""


def test_csv_object_is_a_one_row_table():
    assert render("csv", obj={"Status": "ok", "Address": {"City": "Paris"}}) == (
        "Status,Address.City\nok,Paris\n")


def test_tsv_escapes_tabs_and_newlines():
    lines = render("tsv", ORDERS).split("\n")
    assert len(lines) == 4 and lines[-1] == ""  # header, two rows, nothing split a row
    assert lines[2].split("\t")[2:4] == ["Grace\\tHopper", "New\\nYork"]
    assert render("tsv", obj={"Path": "C:\\temp"}) == "Path\nC:\\\\temp\n"


# --- table and off --------------------------------------------------------------------

def test_table_rows_with_columns():
    columns = [Column("Order", "SellerFulfillmentOrderId"),
               Column("City", "DestinationAddress.City")]
    text = render("table", ORDERS, columns=columns)
    lines = text.splitlines()
    assert lines[0].split() == ["Order", "City"]
    assert lines[2].split() == ["ORDER-1001", "Seattle"]
    assert "\x1b[" not in text


def test_table_columns_from_the_first_row_are_capped():
    row = {f"Field{n}": n for n in range(MAX_COLUMNS + 5)}
    header = render("table", [row]).splitlines()[0].split()
    assert header == [f"Field{n}" for n in range(MAX_COLUMNS)]


def test_table_object_is_field_and_value_and_data_is_not_markup():
    lines = render("table", obj=ORDERS[0]).splitlines()
    assert lines[0].split() == ["SellerFulfillmentOrderId", "ORDER-1001"]
    assert lines[2].split() == ["DestinationAddress.Name", "Ada", "[b]Lovelace[/b]"]


def test_table_rows_read_before_a_failure_are_drawn():
    """A table draws a page at a time: rows read before the row source failed were lost."""
    def failing():
        yield from ORDERS
        raise RuntimeError("the next page was refused")

    stream = io.StringIO()
    renderer = make_renderer("table", stream, columns=[Column("Order", "SellerFulfillmentOrderId")])
    with pytest.raises(RuntimeError):
        renderer.write_rows(failing())
    assert stream.getvalue().split()[2:] == ["ORDER-1001", "ORDER-1002"]


def test_table_colour_only_when_on():
    assert "\x1b[" in render("table", ORDERS, color=True)


def test_off_writes_nothing_but_reads_every_row():
    stream = io.StringIO()
    renderer = make_renderer("off", stream, query="[0]")
    assert renderer.write_rows(iter(ORDERS)) == 2
    renderer.write_object(ORDERS[0])
    renderer.close()
    assert stream.getvalue() == ""


def test_unknown_format():
    with pytest.raises(ValueError, match="--output must be one of"):
        make_renderer("xml", io.StringIO())


# --- streaming ------------------------------------------------------------------------

class Source:
    """A generator of small rows that counts how many have been taken."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0

    def __iter__(self):
        for number in range(self.count):
            self.taken += 1
            yield {"SellerSKU": f"SKU-{number}", "Quantity": number,
                   "Address": {"City": "Seattle"}}


class Probe:
    """A stream that keeps no text, only how many rows were taken at each write."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.taken_at_writes: list[int] = []

    def write(self, text: str) -> int:
        self.taken_at_writes.append(self.source.taken)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "tsv"])
def test_rows_are_written_as_they_are_read(fmt):
    source = Source(100_000)
    probe = Probe(source)
    renderer = make_renderer(fmt, probe)
    assert renderer.write_rows(source) == 100_000
    renderer.close()
    assert probe.taken_at_writes[0] <= 1
    # A write (at least) per row, each as soon as its row was read.
    assert len(set(probe.taken_at_writes)) >= 100_000


class Sink:
    """A stream that keeps nothing."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_memory_stays_flat(fmt):
    source = Source(30_000)  # tracemalloc is slow; as a list these rows would take ~14 MB
    renderer = make_renderer(fmt, Sink())
    tracemalloc.start()
    try:
        renderer.write_rows(source)
        renderer.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


# --- --query --------------------------------------------------------------------------

def test_query_filters_rows_then_renders_them():
    query = "[?FulfillmentOrderStatus=='Complete']"
    assert json.loads(render("json", ORDERS, query=query)) == plain(ORDERS[:1])
    assert render("csv", ORDERS, query=query).splitlines()[1].startswith("ORDER-1001,")


def test_query_sees_all_pages():
    stream = io.StringIO()
    renderer = make_renderer("json", stream, query="length(@)")
    renderer.write_rows(iter(ORDERS[:1]))
    renderer.write_rows(iter(ORDERS[1:]))
    assert stream.getvalue() == ""  # a query needs the whole list: nothing until close
    renderer.close()
    assert stream.getvalue() == "2\n"


def test_query_list_of_scalars():
    query = "[].SellerFulfillmentOrderId"
    assert json.loads(render("json", ORDERS, query=query)) == ["ORDER-1001", "ORDER-1002"]
    assert render("ndjson", ORDERS, query=query) == '"ORDER-1001"\n"ORDER-1002"\n'
    assert render("csv", ORDERS, query=query) == "ORDER-1001\nORDER-1002\n"
    assert render("table", ORDERS, query=query).split() == ["ORDER-1001", "ORDER-1002"]
    pairs = "[].[SellerFulfillmentOrderId, IsCancellable]"
    assert render("tsv", ORDERS, query=pairs) == "ORDER-1001\tfalse\nORDER-1002\ttrue\n"


def test_a_query_results_columns_are_every_rows_fields():
    """A --query result is held whole, so a field that only a later row has (an address's
    AddressLine2) gets a column: the first row's fields alone left its cells unwritten."""
    rows = [{"Name": "A", "Line1": "1 St"}, {"Name": "B", "Line1": "2 St", "Line2": "Suite 9"},
            {"Name": "C", "Line1": "3 St"}]
    assert render("csv", rows, query="[*]") == "Name,Line1,Line2\nA,1 St,\nB,2 St,Suite 9\nC,3 St,\n"
    assert render("tsv", rows, query="[].{n: Name, a: @}").splitlines()[0].split("\t") == \
        ["n", "a.Name", "a.Line1", "a.Line2"]
    assert render("table", rows, query="@").splitlines()[0].split() == ["Name", "Line1", "Line2"]
    assert "Suite 9" in render("table", rows, query="@")
    # Without a query, rows stream: the first row's fields are the header.
    assert render("csv", rows) == "Name,Line1\nA,1 St\nB,2 St\nC,3 St\n"


def test_query_scalar_is_json_but_raw_in_text_formats():
    query = "[0].FulfillmentOrderStatus"
    assert render("json", ORDERS, query=query) == '"Complete"\n'
    assert render("csv", ORDERS, query=query) == "Complete\n"
    assert render("table", ORDERS, query=query) == "Complete\n"


def test_query_on_an_object():
    assert json.loads(render("json", obj=ORDERS[0], query="DestinationAddress")) == {
        "Name": "Ada [b]Lovelace[/b]", "City": "Seattle"}
    assert render("csv", obj=ORDERS[0], query="Items") == "SellerSKU,Quantity\nSKU-1,2\n"


def test_query_functions_accept_decimals():
    rows = [{"Value": Decimal("12.50")}, {"Value": Decimal("0.25")}]
    assert render("json", rows, query="sum([].Value)") == "12.75\n"
    assert render("json", rows, query="max_by(@, &Value).Value") == "12.5\n"


def test_invalid_query_fails_before_anything_is_read():
    with pytest.raises(QueryError, match="invalid --query expression") as caught:
        make_renderer("json", io.StringIO(), query="[?Status==")
    assert isinstance(caught.value, ValueError)
    with pytest.raises(QueryError):
        make_renderer("json", io.StringIO(), query="")


def test_query_that_fails_on_the_result():
    with pytest.raises(QueryError, match="abs"):
        render("json", obj=ORDERS[0], query="abs(FulfillmentOrderStatus)")


def test_a_query_type_error_names_jmespath_types():
    """sum() of objects: jmespath names an array's element by its Python type ("received
    dict"); the person wrote JMESPath, whose name for it is object."""
    with pytest.raises(QueryError, match=r"expected array-number, received object$"):
        render("json", ORDERS, query="sum(@)")
    with pytest.raises(QueryError, match=r"received string$"):
        render("json", ORDERS, query="sum([].FulfillmentOrderStatus)")


def test_a_bad_query_is_one_error_naming_it_once(embedded_fws):
    """The CLI wrapped the renderer's message in another "--query:" prefix: "fws: error:
    --query: invalid --query expression: …"."""
    result = embedded_fws("items", "list", "--query", "[[")
    assert result.code == 252 and result.err.count("--query") == 1, result.err
    assert result.err.startswith("fws: error: invalid --query expression:") and '"[["' in result.err


@pytest.mark.parametrize("fmt", ["json", "off"])
def test_a_bad_query_is_refused_before_anything_is_sent(embedded_fws, fmt):
    """Exit 252 says nothing was sent; but the expression was compiled only when the answer
    came to be shown, so `fws items register SKU --query '[['` registered SKU first (and
    `fws outbound create … --query …` created the order)."""
    result = embedded_fws("items", "register", "MUG", "--query", "[[", "-o", fmt)
    assert result.code == 252 and "invalid --query expression" in result.err, result.err
    assert embedded_fws.ok("items", "list", "-o", "json").json() == []


# --- format and colour choice ---------------------------------------------------------

def test_default_format():
    assert default_format(None, stdout_is_tty=True) == "table"
    assert default_format(None, stdout_is_tty=False) == "json"
    assert default_format("", stdout_is_tty=False) == "json"
    assert default_format("csv", stdout_is_tty=True) == "csv"
    with pytest.raises(ValueError, match="profile's output"):
        default_format("text", stdout_is_tty=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def colour_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return monkeypatch


def test_use_color_auto_follows_the_terminal(colour_env):
    assert use_color("auto", Terminal()) is True
    assert use_color("auto", io.StringIO()) is False
    assert use_color("auto", object()) is False  # no isatty at all
    colour_env.setenv("TERM", "dumb")
    assert use_color("auto", Terminal()) is False


def test_use_color_on_and_off(colour_env):
    assert use_color("on", io.StringIO()) is True
    assert use_color("off", Terminal()) is False
    with pytest.raises(ValueError, match="--color"):
        use_color("yes", Terminal())


def test_no_color_disables_auto_but_not_an_explicit_on(colour_env):
    colour_env.setenv("NO_COLOR", "1")
    assert use_color("auto", Terminal()) is False
    assert use_color("on", Terminal()) is True
    # ...and rich, which reads NO_COLOR too, does not undo the explicit choice.
    assert "\x1b[" in render("table", ORDERS, color=True)
    colour_env.setenv("NO_COLOR", "")
    assert use_color("auto", Terminal()) is True


def test_importing_the_renderers_loads_neither_rich_nor_jmespath():
    code = ("import sys, fwscli.cli.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'jmespath')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("args, exit_code, code", [
    (["outbound", "create", "X", "--item", "MUG=0"], 252, "InvalidParameterValue"),
    (["outbound", "create", "--cli-input-json", "/no/such/file.json"], 252, "InvalidParameterValue"),
    (["ops", "adjust", "--item", "MUG=1"], 2, "UsageError"),
    (["outbound", "list", "--max-items", "0"], 2, "UsageError"),
    (["--profile", "nope", "items", "list"], 253, "ConfigError"),
])
def test_json_errors_say_what_failed_in_their_code(embedded_fws, args, exit_code, code):
    """A failure of the CLI's own has a Code a script can act on, not a bare "Error"."""
    result = embedded_fws("--error-format", "json", *args)
    error = json.loads(result.err)["Error"]
    assert (result.code, error["Code"], error["ExitCode"]) == (exit_code, code, exit_code)


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_a_reader_that_goes_away_is_not_a_failure(embedded_fws, fmt):
    """`fws items list | head -1`: once head has its line, writing more fails (EPIPE). That
    is the reader's choice, not a failure of fws: exit 0 and nothing on stderr, so that a
    pipeline under `set -o pipefail` holds (Click's own handling exited 1, "rows failed")."""
    embedded_fws.ok("items", "register", "MUG", "TEE", "-o", "off")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first row
    try:
        done = subprocess.run([FWS, "items", "list", "-o", fmt], stdout=write_end, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, env=embedded_fws.env, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson", "table"])
def test_a_listing_refused_before_its_first_row_leaves_stdout_empty(embedded_fws, fmt):
    """`fws inbound items NOPE -o csv > items.csv`: the service refuses the first page, so
    there is no listing, and the file must not look like an empty one (a header alone)."""
    result = embedded_fws("inbound", "items", "NOPE", "-o", fmt)
    assert result.code == 254 and "NOPE" in result.err, result.err
    assert result.out == ""


@pytest.mark.parametrize("fmt, header", [("csv", "MerchantSKU,FNSKU,ASIN,Condition,Active\n"),
                                         ("tsv", "MerchantSKU\tFNSKU\tASIN\tCondition\tActive\n")])
def test_an_empty_listing_still_has_its_header(embedded_fws, fmt, header):
    assert embedded_fws.ok("items", "list", "-o", fmt).out == header


def test_an_empty_table_is_its_header(embedded_fws):
    """A table of no rows printed nothing at all, which at a terminal looks like a command
    that has not finished; csv and tsv already write their header."""
    lines = embedded_fws.ok("items", "list", "-o", "table").out.splitlines()
    assert lines[0].split() == ["MerchantSKU", "FNSKU", "ASIN", "Condition", "Active"] and len(lines) == 2
    columns = [Column("Order", "SellerFulfillmentOrderId")]
    assert render("table", [], columns=columns).split() == ["Order", "─" * 5]
    assert render("table", []) == ""  # no columns to show: nothing


@pytest.mark.parametrize("args, suggestion", [(["itemz", "list"], "'items'"),
                                              (["items", "lisst"], "'list'"),
                                              (["outbound", "lst"], "'list'")])
def test_a_mistyped_command_is_suggested_once(embedded_fws, args, suggestion):
    """Click names the close commands itself, and Typer added them again: "No such command
    'lisst'. Did you mean 'list'? Did you mean 'list'?"."""
    text = embedded_fws(*args)
    error = json.loads(embedded_fws("--error-format", "json", *args).err)["Error"]
    assert text.code == 2 and text.err.count(suggestion) == 1, text.err
    assert error["Code"] == "UsageError" and error["Message"].count(suggestion) == 1, error


@pytest.mark.parametrize("fmt", ["csv", "tsv", "table"])
def test_a_field_only_a_later_row_has_is_not_lost_from_a_query(embedded_fws, monkeypatch, fmt):
    """`fws inbound list -o csv --query '[].ShipFromAddress'`: the second address has an
    AddressLine2, which had no column because the header came from the first row alone."""
    from .seed import ADDRESS, direct_client, put_shipment

    with direct_client(embedded_fws, monkeypatch) as api:
        api.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": ["MUG"]})
        put_shipment(api, "FBA1", {"MUG": 1})
        api.call("inbound", "PutInboundShipment", {
            "ShipmentId": "FBA2", "ShipmentName": "two lines", "DestinationFulfillmentCenter": "PHL1",
            "ShipFromAddress": {**ADDRESS, "AddressLine2": "Suite 9"},
            "MerchantSKUQuantityItem": [{"MerchantSKU": "MUG", "Quantity": 1}]})
    out = embedded_fws.ok("inbound", "list", "-o", fmt, "--query", "[].ShipFromAddress").out
    assert "AddressLine2" in out.splitlines()[0] and "Suite 9" in out, out


def test_fws_error_format_json_makes_every_error_line_json(embedded_fws, tmp_path):
    """FWS_ERROR_FORMAT=json, like --error-format json: an import's row errors are JSON as
    well as its final error (they were text, the last line JSON: no one parser for both)."""
    bad = tmp_path / "items.csv"
    bad.write_text("MerchantSKU,ASIN,Condition\n,B00X,NewItem\n")
    result = embedded_fws("items", "import", str(bad), env={"FWS_ERROR_FORMAT": "json"})
    lines = [json.loads(line) for line in result.err.splitlines()]
    assert result.code == 252 and len(lines) == 2, result.err
    assert lines[0]["Line"] == 2 and lines[0]["Column"] == "MerchantSKU"
    assert lines[1]["Error"]["ExitCode"] == 252
    # The flag still wins over the environment.
    text = embedded_fws("--error-format", "text", "items", "import", str(bad), env={"FWS_ERROR_FORMAT": "json"})
    assert text.err.startswith(f"{bad}:2: MerchantSKU") and "fws: error:" in text.err, text.err


@pytest.mark.parametrize("token", ["garbage", "eyJvIjoiTGlzdEluYm91bmRTaGlwbWVudHMifQ.x"])
def test_a_starting_token_the_service_refuses_is_a_bad_parameter(embedded_fws, token):
    """A token that is not fws's own goes to the service as a NextToken; its refusal is the
    --starting-token's (exit 252, InvalidStartingToken), not a service failure (254)."""
    embedded_fws.ok("items", "register", "MUG", "-o", "off")
    result = embedded_fws("--error-format", "json", "items", "list", "--starting-token", token)
    error = json.loads(result.err)["Error"]
    assert (result.code, error["Code"], error["ExitCode"]) == (252, "InvalidStartingToken", 252), result.err
    assert token[:20] in error["Message"] and error["RequestId"] and result.out == ""


def skus_shown(fmt: str, out: str) -> list[str]:
    if fmt == "ndjson":
        return [json.loads(line)["MerchantSKU"] for line in out.splitlines()]
    return [line.split()[0] for line in out.splitlines()[2:]]  # under the table's header and rule


@pytest.mark.parametrize("fmt", ["ndjson", "table"])
def test_a_listing_that_fails_part_way_says_where_to_go_on(embedded_fws, fmt):
    """The second page is refused (its token expired): the first page's rows are written
    (a table drew nothing of a page it had not finished), and the error gives the
    --starting-token that continues after them, as --max-items does; it said nothing of
    where the listing stopped."""
    from urllib.parse import parse_qsl

    from fwscli.api import INBOUND
    from fwscli.api.errors import InvalidParameterValue
    from fwscli.wire.xml import write_error, write_response

    from ..http import LiveServer

    refused: list[str] = []

    def app(environ, start_response):
        form = dict(parse_qsl(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])).decode()))
        operation = INBOUND.operation(form["Action"])
        if form.get("NextToken") == "T1" and not refused:
            refused.append("T1")
            start_response("400 Bad Request", [("Content-Type", "text/xml")])
            return [write_error(INBOUND, InvalidParameterValue("NextToken", "T1", "the token has expired"), "rid-2")]
        skus, has_next = (["C"], False) if form.get("NextToken") == "T1" else (["A", "B"], True)
        result = {"NextToken": "T1" if has_next else "", "HasNext": has_next, "FulfillmentItem": [
            {"ASIN": "", "Condition": "NewItem", "MerchantSKU": sku, "FulfillmentNetworkSKU": f"X00000000{sku}",
             "IsActive": True} for sku in skus]}
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [write_response(INBOUND, operation, result, "rid-1")]

    env = {"FWS_ACCESS_KEY_ID": "AKID", "FWS_SECRET_ACCESS_KEY": "s"}
    with LiveServer(app) as live:
        env["FWS_ENDPOINT_URL"] = live.url
        failed = embedded_fws("--error-format", "json", "items", "list", "-o", fmt, env=env)
        error = json.loads(failed.err)["Error"]
        assert failed.code == 254 and error["Code"] == "InvalidParameterValue", failed.err
        assert skus_shown(fmt, failed.out) == ["A", "B"]
        assert error["StartingToken"] and f"--starting-token {error['StartingToken']}" in error["Message"]
        rest = embedded_fws.ok("items", "list", "-o", fmt, "--starting-token", error["StartingToken"], env=env)
        assert skus_shown(fmt, rest.out) == ["C"]
        # Under --query nothing was written, so there is nowhere to go on from.
        refused.clear()
        queried = embedded_fws("items", "list", "--query", "[].MerchantSKU", env=env)
        assert queried.code == 254 and queried.out == "" and "--starting-token" not in queried.err


def test_a_bad_output_in_the_profile_is_refused_before_anything_is_sent(embedded_fws):
    """The profile's `output` was checked only when the answer came to be shown: `fws items
    register MUG` registered MUG, then exited 253."""
    from pathlib import Path

    config = Path(embedded_fws.env["XDG_CONFIG_HOME"]) / "fws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[default]\noutput = xml\n")
    result = embedded_fws("items", "register", "MUG")
    assert result.code == 253 and "'xml'" in result.err, result.err
    assert embedded_fws.ok("items", "list", "-o", "json").json() == []


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_an_unexpected_failure_exits_255_with_or_without_debug(embedded_fws, debug):
    """With --debug an unexpected failure was re-raised bare: Python's traceback and exit 1
    ("some rows of a batch failed"), and no JSON error for --error-format json. Now the
    traceback (with --debug) and then the same error line and exit 255 either way. The
    failure here: stdout closed, so there is no stream to write the listing to."""
    done = subprocess.run([FWS, *debug, "--error-format", "json", "items", "list", "-o", "json"],
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60,
                          env=embedded_fws.env, preexec_fn=lambda: os.close(1))
    error = json.loads(done.stderr.splitlines()[-1])["Error"]
    assert (done.returncode, error["Code"], error["ExitCode"]) == (255, "InternalError", 255), done.stderr
    assert ("Traceback" in done.stderr) == bool(debug)
    assert ("run with --debug" in error["Message"]) != bool(debug)


def test_a_starting_token_is_refused_for_another_listing(embedded_fws, monkeypatch):
    """`fws inbound items FBA2 --starting-token` given the token of FBA1's items dropped
    FBA2's first items (the rows FBA1's walk had given, known by SKU); `fws inbound list
    --status Closed` given a Working listing's token listed Working shipments."""
    from .seed import direct_client, put_shipment

    with direct_client(embedded_fws, monkeypatch) as api:
        api.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": ["A", "B", "C"]})
        put_shipment(api, "FBA1", {"A": 1, "B": 1, "C": 1})
        put_shipment(api, "FBA2", {"A": 2, "B": 2, "C": 2})
    first = embedded_fws.ok("inbound", "items", "FBA1", "--max-items", "2", "-o", "off")
    token = first.err.split("--starting-token ")[1].split()[0]
    other = embedded_fws("--error-format", "json", "inbound", "items", "FBA2", "--starting-token", token)
    error = json.loads(other.err)["Error"]
    assert (other.code, error["Code"]) == (252, "InvalidStartingToken") and "other filters" in error["Message"]
    assert other.out == ""
    rest = embedded_fws.ok("inbound", "items", "FBA1", "--starting-token", token, "--page-size", "1", "-o", "json")
    assert [row["MerchantSKU"] for row in rest.json()] == ["C"]

    working = embedded_fws.ok("inbound", "list", "--status", "Working", "--page-size", "1", "--max-items", "1",
                              "-o", "off")
    token = working.err.split("--starting-token ")[1].split()[0]
    closed = embedded_fws("inbound", "list", "--status", "Closed", "--starting-token", token, "-o", "json")
    assert closed.code == 252 and closed.out == "", closed.err


def test_a_group_without_its_command_is_one_json_error_line(embedded_fws):
    """`fws items` with --error-format json: Click fails with the group's whole help as the
    message, so the JSON error carried a dozen lines of help."""
    result = embedded_fws("--error-format", "json", "items")
    error = json.loads(result.err)["Error"]
    assert (result.code, error["Code"]) == (2, "UsageError")
    assert "\n" not in error["Message"] and "fws items --help" in error["Message"], error
    assert "Usage: fws items" in embedded_fws("items").err  # as text: the help, as before


@pytest.mark.parametrize("args, code", [(["outbound", "get", "NOPE"], 254), (["itemz"], 2),
                                        (["--error-format", "json", "outbound", "get", "NOPE"], 254)])
def test_an_error_whose_reader_has_gone_keeps_its_exit_code(embedded_fws, args, code):
    """`fws outbound get NOPE 2>&1 | true`: writing the error line into the closed pipe
    raised BrokenPipeError and fws ended with 1 ("some rows failed") instead of the error's
    code, which a `set -o pipefail` script reads."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the error is written
    try:
        done = subprocess.run([FWS, *args], stdout=write_end, stderr=write_end, stdin=subprocess.DEVNULL,
                              env=embedded_fws.env, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == code


def test_a_note_whose_reader_has_gone_does_not_stop_the_command(embedded_fws):
    """The first command notes on stderr that it created a merchant: with stderr's reader
    gone, that note's BrokenPipeError ended the command, exit 0, before it had registered
    anything."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([FWS, "items", "register", "MUG", "-o", "off"], stdout=subprocess.DEVNULL,
                              stderr=write_end, stdin=subprocess.DEVNULL, env=embedded_fws.env, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert [row["MerchantSKU"] for row in embedded_fws.ok("items", "list", "-o", "json").json()] == ["MUG"]
