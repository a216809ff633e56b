"""The validation pass in-process: columns from the model, rows of a unit gathered wherever
they are, every problem with its line and column, and the requests the valid units make."""

from __future__ import annotations

import io
import json
import re

import pytest

from fwscli.batch import kinds
from fwscli.batch.source import CsvReader, JsonLinesReader, Source, SourceError
from fwscli.batch.staging import Staging
from fwscli.batch.validate import validate

HEADER = ("MerchantFulfillmentOrderId,DisplayableOrderId,DisplayableOrderDateTime,"
          "DisplayableOrderComment,ShippingSpeedCategory,DestinationAddress.Name,"
          "DestinationAddress.Line1,DestinationAddress.City,DestinationAddress.StateOrProvinceCode,"
          "DestinationAddress.CountryCode,DestinationAddress.PostalCode,MerchantFulfillmentOrderItemId,"
          "MerchantSKU,Quantity")


def row(order: str, item: str, sku: str = "SKU", quantity: str = "1", city: str = "Seattle") -> str:
    return f"{order},{order},2026-11-27T20:00:00Z,c,Standard,Jane,1 Main St,{city},WA,US,98101,{item},{sku},{quantity}"


def check(tmp_path, text: str, kind=None, name: str = "in.csv"):
    kind = kind or kinds.orders()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    source = Source(str(path))
    reader = CsvReader(source, kind.layout) if source.format == "csv" else \
        JsonLinesReader(source, kind.layout, kind.lines_member)
    staging = Staging(str(tmp_path))
    found = []
    tally = validate(reader, kind, staging, lambda line, key, problems: found.extend(problems))
    units = list(staging.units())
    batches = list(kind.batches(units))
    bystanders = list(staging.bystanders())
    staging.close()
    source.close()
    return [(p.line, p.column, p.reason) for p in found], units, batches, bystanders, tally


def test_rows_of_an_order_are_gathered_wherever_they_are(tmp_path):
    text = "\n".join([HEADER, row("A", "1"), row("B", "1"), row("A", "2", "MUG", "3"), ""])
    problems, units, batches, _, tally = check(tmp_path, text)
    assert problems == [] and tally.rows == 3
    assert [(unit.key, unit.rows) for unit in units] == [("A", [2, 4]), ("B", [3])]
    request = batches[0].request
    assert [(item["MerchantSKU"], item["Quantity"]) for item in request["Item"]] == [("SKU", 1), ("MUG", 3)]
    assert request["DestinationAddress"]["City"] == "Seattle"
    assert request["DisplayableOrderDateTime"].isoformat() == "2026-11-27T20:00:00+00:00"


def test_a_conflict_invalidates_the_whole_order(tmp_path):
    text = "\n".join([HEADER, row("A", "1"), row("B", "1"), row("A", "2", city="Tacoma")])
    problems, units, _, bystanders, _ = check(tmp_path, text)
    assert problems == [(4, "DestinationAddress.City", "differs from line 2 of the same order (Seattle)")]
    assert [unit.key for unit in units] == ["B"]
    assert bystanders == [("A", 2)]


def test_an_order_may_have_at_most_250_items(tmp_path):
    text = "\n".join([HEADER] + [row("A", str(n)) for n in range(251)])
    problems, units, _, _, _ = check(tmp_path, text)
    assert problems == [(252, "Item", "the order A has more than 250 lines")]
    assert units == []


def test_the_lines_of_one_sku_may_not_add_up_past_xs_int(tmp_path):
    most = str(2**31 - 1)
    text = "\n".join([HEADER, row("A", "1", "SKU", most), row("B", "1", "SKU", most), row("A", "2", "MUG", most),
                       row("A", "3", "SKU", "x"), row("A", "4", "SKU", "1"), row("A", "5", "SKU", "1"),
                       row("A", "4", "SKU", "1"), ""])
    problems, units, _, bystanders, _ = check(tmp_path, text)
    # Said once, on the row that goes past (line 6; line 5's quantity counts for nothing, and
    # the repeated line id of line 8 is not a line of the order).
    assert problems == [(5, "Item.Quantity", "it is not a whole number"),
                        (6, "Item.Quantity", f"the quantities of SKU SKU add up to more than {most}"),
                        (8, "Item.MerchantFulfillmentOrderItemId", "the order A already has it (on line 6)")]
    assert [unit.key for unit in units] == ["B"]
    assert bystanders == [("A", 2), ("A", 4), ("A", 7)]


def _json_order(items: list[dict]) -> dict:
    """Order A as a JSON line holds it, with `items`."""
    return {"MerchantFulfillmentOrderId": "A", "DisplayableOrderId": "A",
            "DisplayableOrderDateTime": "2026-11-27T20:00:00Z", "DisplayableOrderComment": "c",
            "ShippingSpeedCategory": "Standard",
            "DestinationAddress": {"Name": "J", "Line1": "1", "City": "X", "StateOrProvinceCode": "WA",
                                   "CountryCode": "US", "PostalCode": "98101"},
            "Item": items}


def test_the_lines_of_one_sku_in_a_json_line_add_up_within_xs_int(tmp_path):
    order = _json_order([{"MerchantSKU": "S", "MerchantFulfillmentOrderItemId": str(n), "Quantity": 2**30}
                         for n in range(1, 4)])
    problems, units, *_ = check(tmp_path, json.dumps(order) + "\n", name="in.jsonl")
    assert problems == [(1, "Item.2.Quantity", f"the quantities of SKU S add up to more than {2**31 - 1}")]
    assert units == []


def test_json_lines_name_items_by_number_and_a_repeated_order_is_ambiguous(tmp_path):
    order = _json_order([{"MerchantSKU": "S", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1},
                         {"MerchantSKU": "S", "MerchantFulfillmentOrderItemId": "2", "Quantity": 1.5,
                          "Colour": "red"}])
    good = {**order, "MerchantFulfillmentOrderId": "B", "Item": order["Item"][:1]}
    text = "\n".join(json.dumps(obj) for obj in (order, good, good)) + "\n\n"
    problems, units, _, bystanders, _ = check(tmp_path, text, name="in.jsonl")
    assert problems == [(1, "Item.2.Colour", "unknown member"),
                        (1, "Item.2.Quantity", "it is not a whole number"),
                        (3, "MerchantFulfillmentOrderId", "the order is already on line 2")]
    assert units == [] and bystanders == [("B", 2)]


def test_plain_and_prefixed_item_columns_are_one_column(tmp_path):
    text = HEADER.replace("MerchantSKU", "Item.MerchantSKU") + ",Item.Quantity\n" + row("A", "1") + ",1\n"
    problems, *_ = check(tmp_path, text)
    assert problems == [(1, "Item.Quantity", "the column is given twice (also as Quantity, column 14)")]


def test_items_with_or_without_an_asin_as_the_listing_writes_them(tmp_path):
    kind = kinds.items({"MerchantSKU": "MerchantSKU", "FNSKU": "FulfillmentNetworkSKU",
                        "ASIN": "ASIN", "Condition": "Condition", "Active": "IsActive"})
    skus = "\n".join(f"S-{n},X00000000{n % 10},B{n:09d},NewItem,true" for n in range(300))
    text = ("MerchantSKU,FNSKU,ASIN,Condition,Active\n" + skus + "\nGIFT,X1,,Unknown,true\n"
            "BARE,,,UsedGood,\nS-1,,B1,NewItem,\nODD,,B2,Unknown,\n")
    problems, units, batches, _, _ = check(tmp_path, text, kind)
    assert problems == [
        (303, "Condition", "an item without an ASIN is registered by its SKU alone: give its ASIN, "
                           "or leave Condition empty"),
        (304, "MerchantSKU", "the item is already on line 3"),
        (305, "Condition", "Unknown is not a valid condition for registering an item"),
    ]
    assert [(b.action, len(b.keys)) for b in batches] == [
        ("GetFulfillmentIdentifier", 250), ("GetFulfillmentIdentifier", 49),
        ("GetFulfillmentIdentifierForMSKU", 1)]
    assert batches[2].request == {"MerchantSKU": ["GIFT"]}
    assert batches[0].request["MerchantItem"][0] == {"ASIN": "B000000000", "Condition": "NewItem",
                                                     "MerchantSKU": "S-0"}


def test_shipments_from_a_us_address_need_a_postal_code(tmp_path):
    header = ("ShipmentId,ShipmentName,DestinationFulfillmentCenter,ShipFromAddress.Name,"
              "ShipFromAddress.AddressLine1,ShipFromAddress.City,ShipFromAddress.StateOrProvinceCode,"
              "ShipFromAddress.CountryCode,ShipFromAddress.PostalCode,MerchantSKU,Quantity,ShipmentStatus")
    text = (f"{header}\nS1,n,PHL1,A,1 Main,Kent,WA,US,,SKU,5,Working\n"
            f"S2,n,PHL1,A,1 Main,Kent,WA,US,98032,SKU,5,\nS2,n,PHL1,A,1 Main,Kent,WA,US,98032,SKU,1,\n")
    problems, units, batches, _, _ = check(tmp_path, text, kinds.shipments())
    assert problems == [(2, "ShipFromAddress.PostalCode", "a value is required in the US"),
                        (4, "MerchantSKUQuantityItem.MerchantSKU", "the shipment S2 already has it (on line 3)")]
    assert units == []


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_encodings(tmp_path, encoding):
    text = HEADER + "\n" + row("A", "1").replace("Jane", "Zoë Müller") + "\n"
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(encoding))
    assert _one_order_name(tmp_path, Source(str(path), encoding if encoding != "utf-8-sig" else None)) == "Zoë Müller"


def _one_order_name(tmp_path, source: Source) -> str:
    """The recipient's name of the one order `source` holds, checked without a problem."""
    kind = kinds.orders()
    staging = Staging(str(tmp_path))
    found = []
    validate(CsvReader(source, kind.layout), kind, staging, lambda *args: found.append(args))
    assert found == []
    [batch] = kind.batches(staging.units())
    staging.close()
    return batch.request["DestinationAddress"]["Name"]


def test_a_file_of_skus_alone_registers_them_by_sku(tmp_path):
    problems, units, batches, _, _ = check(tmp_path, "MerchantSKU\nA\nB\n", kinds.items())
    assert problems == []
    assert [(b.action, b.request) for b in batches] == [("GetFulfillmentIdentifierForMSKU",
                                                          {"MerchantSKU": ["A", "B"]})]


@pytest.mark.parametrize("delimiter, line_end", [(";", "\r\n"), ("\t", "\n"), (",", "\r")])
def test_semicolon_and_tab_separated_files_as_spreadsheets_write_them(tmp_path, delimiter, line_end):
    """European Excel separates cells with `;` (its decimal mark is a comma), "Unicode text"
    with tabs; the header line says which. A `;` list inside a cell is quoted, as Excel does."""
    header = HEADER.replace(",", delimiter) + delimiter + "NotificationEmailList"
    cells = row("A", "1").split(",") + ['"a@example.com;b@example.com"']
    text = header + line_end + delimiter.join(cells) + line_end
    problems, _, [batch], _, tally = check(tmp_path, text)
    assert problems == [] and tally.rows == 1
    assert batch.request["NotificationEmailList"] == ["a@example.com", "b@example.com"]
    assert batch.request["Item"] == [{"MerchantFulfillmentOrderItemId": "1", "MerchantSKU": "SKU",
                                      "Quantity": 1}]


def test_utf16_with_its_mark_is_read_without_encoding(tmp_path):
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated, CRLF."""
    text = HEADER.replace(",", "\t") + "\r\n" + row("A", "1").replace(",", "\t").replace("Jane", "Zoë") + "\r\n"
    path = tmp_path / "in.txt"
    path.write_bytes(text.encode("utf-16"))
    assert _one_order_name(tmp_path, Source(str(path))) == "Zoë"


def test_bytes_of_another_encoding_are_named_by_their_line_cell_and_byte(tmp_path):
    """However far into the file (past the first block read), on the line they are on; and
    the rows after them are still read and checked: every row gets its line."""
    rows = [row(f"A{n}", "1") for n in range(400)] + [row("B", "1").replace("Jane", "Zoë"),
                                                       row("C", "1", quantity="0"),
                                                       row("D", "1", city="Malmö")]
    path = tmp_path / "in.csv"
    path.write_bytes((HEADER + "\n" + "\n".join(rows) + "\n").encode("cp1252"))
    source = Source(str(path))
    kind = kinds.orders()
    staging = Staging(str(tmp_path))
    found = []
    reader = CsvReader(source, kind.layout)
    tally = validate(reader, kind, staging, lambda line, key, problems: found.extend(
        (key, p.line, p.column, p.value, p.reason) for p in problems))
    staging.close()
    assert (tally.rows, tally.invalid_rows, tally.file_problems) == (403, 3, 2)
    assert [problem[:4] for problem in found] == [
        ("B", 402, "DestinationAddress.Name", "Zo\ufffd"),
        ("C", 403, "Item.Quantity", "0"),
        ("D", 404, "DestinationAddress.City", "Malm\ufffd")]
    assert found[0][4].startswith("byte 0xEB is not utf-8 text (use --encoding")
    assert found[2][4].startswith("byte 0xF6 is not utf-8 text")


def test_bytes_of_another_encoding_in_json_lines_are_named_by_their_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"MerchantSKU": "A"}\n{"MerchantSKU": "Zo\xeb"}\n{"MerchantSKU": "C"}\n')
    source = Source(str(path))
    kind = kinds.items()
    staging = Staging(str(tmp_path))
    found = []
    tally = validate(JsonLinesReader(source, kind.layout, None), kind, staging,
                     lambda line, key, problems: found.extend((key, p.line, p.column) for p in problems))
    assert (tally.rows, tally.file_problems) == (3, 1)
    assert found == [("Zo\ufffd", 2, "-")]
    assert [unit.key for unit in staging.units()] == ["A", "C"]
    staging.close()


def test_an_empty_csv_file_is_refused_and_an_empty_stdin_is_nothing_to_import(tmp_path, monkeypatch):
    problems, units, _, _, tally = check(tmp_path, "", kinds.items())
    assert problems == [(1, "-", "the file is empty: its first line must name the columns")]
    assert tally.file_problems == 1
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert Source("-").format == "jsonl"


def test_an_unknown_column_names_the_column_it_may_mean(tmp_path):
    problems, *_ = check(tmp_path, "merchant_sku,Asin,Colour\nA,B000000001,red\n", kinds.items())
    assert problems[:3] == [(1, "merchant_sku", "unknown column (did you mean MerchantSKU?)"),
                            (1, "Asin", "unknown column (did you mean ASIN?)"),
                            (1, "Colour", "unknown column")]
    problems, *_ = check(tmp_path, '{"merchantSku": "A"}\n', kinds.items(), name="in.jsonl")
    assert problems[0] == (1, "merchantSku", "unknown member (did you mean MerchantSKU?)")


def test_a_malformed_row_is_named_and_the_rows_after_it_are_still_checked(tmp_path):
    text = (HEADER + "\n" + row("A", "1") + "\n" + row("B", "1").replace("Jane", '"Jane" Doe') + "\n"
            + row("C", "1", quantity="0") + "\n" + row("D", "1").replace("1 Main St", '"1 Main\nSt') + "\n"
            + row("E", "1") + "\n")
    problems, units, _, _, tally = check(tmp_path, text)
    assert problems == [
        (3, "-", "not readable as CSV: text follows a quoted cell's closing \" (a \" inside a quoted "
                 "cell is written \"\")"),
        (4, "Item.Quantity", "it must be at least 1"),
        (5, "-", "not readable as CSV: a quoted cell of this row is never closed (its closing \" is "
                 "missing)")]
    assert (tally.rows, tally.invalid_rows, tally.file_problems) == (4, 3, 2)
    assert [unit.key for unit in units] == ["A"]


def test_a_line_that_is_not_a_json_object_is_one_problem_where_it_breaks(tmp_path):
    text = '{"MerchantSKU": "A"}\n{"MerchantSKU": "B"\r\n[1]\n{"MerchantSKU": "C"}\n'
    problems, units, _, _, tally = check(tmp_path, text, kinds.items(), name="in.jsonl")
    assert problems == [(2, "-", "not valid JSON (Expecting ',' delimiter at column 20)"),
                        (3, "-", "not a JSON object")]
    assert [unit.key for unit in units] == ["A", "C"] and tally.invalid_rows == 2


@pytest.mark.parametrize("text, line", [('[\n  {"MerchantSKU": "A"},\n  {"MerchantSKU": "B"}\n]\n', 1),
                                        ('\n[{"MerchantSKU": "A"}, {"MerchantSKU": "B"}]', 2)])
def test_a_json_array_is_said_to_be_one(tmp_path, text, line):
    problems, units, _, _, tally = check(tmp_path, text, kinds.items(), name="items.json")
    assert [(at, column) for at, column, _ in problems] == [(line, "-")]
    assert problems[0][2].startswith("a JSON array: the file must be JSON lines, one object per line")
    assert units == [] and tally.file_problems == 1


def test_a_second_header_line_is_one_problem_and_the_rows_after_it_are_read(tmp_path):
    """Two exports joined with cat: the second's header (with its byte-order mark) is no order."""
    text = HEADER + "\n" + row("A", "1") + "\n\ufeff" + HEADER.replace(",", " ,") + "\n" + row("B", "1") + "\n"
    problems, units, _, _, tally = check(tmp_path, text)
    assert problems == [(3, "-", "the header line again (two files joined into one?)")]
    assert [unit.key for unit in units] == ["A", "B"] and tally.invalid_rows == 1


@pytest.mark.parametrize("encoding", ["utf-16le", "utf-16be"])
def test_a_byte_order_mark_kept_by_the_encoding_named_is_no_part_of_the_first_column(tmp_path, encoding):
    """--encoding utf-16le on Excel's "Unicode text": the codec leaves its mark in the text."""
    path = tmp_path / "items.txt"
    path.write_bytes("\ufeffMerchantSKU\tASIN\tCondition\r\nA\tB000000001\tNewItem\r\n".encode(encoding))
    source = Source(str(path), encoding)
    kind = kinds.items()
    reader = CsvReader(source, kind.layout)
    assert reader.problems == []
    assert [record.unit for record in reader] == [{"MerchantSKU": "A", "ASIN": "B000000001",
                                                   "Condition": "NewItem"}]


def test_a_quote_never_closed_in_a_large_file_is_named_on_its_line(tmp_path):
    rows = [f"SKU-{n},B{n:09d},NewItem" for n in range(8000)]
    text = "MerchantSKU,ASIN,Condition\n" + '"SKU-X,B000000001,NewItem\n' + "\n".join(rows) + "\n"
    problems, units, *_ = check(tmp_path, text, kinds.items())
    assert problems[0] == (2, "-", "not readable as CSV: a cell is longer than 131072 characters (is a "
                                   "quoted cell that starts on this line never closed?)")
    assert len(problems) == 1 and units  # the rows after the swallowed ones are read


@pytest.mark.parametrize("first", ["\n", ",,\r\n", " \n"])
def test_a_blank_first_line_is_said_to_be_one(tmp_path, first):
    problems, *_ = check(tmp_path, first + "MerchantSKU\nA\n", kinds.items())
    assert problems == [(1, "-", "the first line is blank: it must name the columns")]


def test_a_column_given_twice_under_one_name_says_where_the_other_is(tmp_path):
    problems, *_ = check(tmp_path, "MerchantSKU,ASIN,MerchantSKU\nA,,A\n", kinds.items())
    assert problems == [(1, "MerchantSKU", "the column is given twice (also column 1)")]


@pytest.mark.parametrize("start, said", [
    (b"PK\x03\x04\x14\x00\x06\x00", "a spreadsheet workbook or zip archive (.xlsx, .ods, .zip), not text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls), not text"),
    (b"\x1f\x8b\x08\x00", "gzip-compressed: decompress it"),
])
def test_a_file_that_is_not_text_is_said_to_be_what_it_is(tmp_path, start, said):
    """Not 'byte 0x8B is not utf-8 text (use --encoding ...)': no encoding reads a workbook."""
    path = tmp_path / "orders.csv"
    path.write_bytes(start + bytes(range(256)))
    with pytest.raises(SourceError, match=re.escape(said)):
        Source(str(path))
