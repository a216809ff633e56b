"""The address options declared once (fwscli/cli/addresses.py): their tables agree with the
API model, and a command decorated with `with_address_options` gets them in place."""

from __future__ import annotations

import inspect
import json
from typing import Optional

import pytest
import typer
from typer.testing import CliRunner

from fwscli.api import inbound as inbound_api
from fwscli.api import outbound as outbound_api
from fwscli.cli import common
from fwscli.cli.addresses import (DESTINATION, SHIP_FROM, AddressFlags, AddressOptions,
                                  validated, with_address_options)


@pytest.mark.parametrize("options, model", [(SHIP_FROM, inbound_api.Address),
                                            (DESTINATION, outbound_api.Address)])
def test_each_flag_sets_a_member_of_the_models_address_in_its_order(options: AddressOptions, model):
    assert options.member_names == tuple(member.name for member in model.members)
    assert all(member.flag.startswith(options.flag + "-") for member in options.members)


def test_hints_name_the_flag_of_the_address_and_of_each_member():
    hints = DESTINATION.hints("Address")
    assert hints["Address"] == "--to"
    assert hints["Address.PhoneNumber"] == "--to-phone"
    assert len(hints) == 1 + len(DESTINATION.members)


def one_command_app() -> typer.Typer:
    app = typer.Typer(add_completion=False)

    @app.command()
    @with_address_options
    def ship(name: str = typer.Argument(...), origin: AddressFlags = SHIP_FROM,
             dry_run: bool = typer.Option(False, "--dry-run")) -> None:
        """Ship something."""
        typer.echo(json.dumps({"name": name, "origin": origin.address(), "dry_run": dry_run}))

    return app


def run(*args: str):
    return CliRunner().invoke(one_command_app(), list(args))


def test_the_options_stand_where_the_parameter_stood():
    flags = [param.opts[0] for param in typer.main.get_command(one_command_app()).params]
    assert flags == ["name", "--from", *(member.flag for member in SHIP_FROM.members), "--dry-run"]


def test_the_command_gets_the_json_address_with_the_flags_on_top(tmp_path):
    path = tmp_path / "address.json"
    path.write_text(json.dumps({"Name": "Ada", "City": "Seattle"}))
    result = run("box", "--from", f"@{path}", "--from-city", "Tacoma", "--dry-run")
    assert json.loads(result.output) == {"name": "box", "dry_run": True,
                                         "origin": {"Name": "Ada", "City": "Tacoma"}}
    assert json.loads(run("box").output)["origin"] is None


@pytest.mark.parametrize("text, reason", [
    ('["Ada"]', "expected a JSON object"),
    ('{"Zip": "98101"}', "unknown key 'Zip'"),
    ('{"PostalCode": 98101}', "PostalCode must be a string"),
])
def test_a_refused_address_is_a_bad_parameter(tmp_path, text, reason):
    path = tmp_path / "address.json"
    path.write_text(text)
    inline = [text] if text.startswith("{") else []  # inline, `[` would be read as a path
    for value in (*inline, str(path), f"@{path}"):
        with pytest.raises(common.CliError) as refused:
            SHIP_FROM.load(value)
        assert refused.value.message.startswith(f"--from {value}: ") and reason in refused.value.message
        assert (refused.value.exit_code, refused.value.code) == (common.EXIT_BAD_PARAMETER,
                                                                 "InvalidParameterValue")


def test_the_address_is_read_only_when_the_command_asks(tmp_path):
    flags = AddressFlags(DESTINATION, f"@{tmp_path / 'missing.json'}", {"City": None})
    with pytest.raises(common.CliError, match="cannot read"):
        flags.address()


def test_a_command_without_address_options_keeps_its_signature():
    def plain(count: Optional[int] = typer.Option(None, "--count")) -> None:
        """Nothing to expand."""

    assert list(inspect.signature(with_address_options(plain)).parameters) == ["count"]


TO = {"Name": "Jane", "Line1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA",
      "CountryCode": "us", "PostalCode": "98101"}
FROM = {"Name": "Acme", "AddressLine1": "500 Industrial Way", "City": "Kent",
        "StateOrProvinceCode": "WA", "CountryCode": "us", "PostalCode": "98032"}


def preview_to(address: dict) -> dict:
    return validated("outbound", "GetFulfillmentPreview",
                     {"Address": address, "Items": [{"MerchantSKU": "MUG", "Quantity": 1,
                                                     "MerchantFulfillmentOrderItemId": "1"}]},
                     "Address", DESTINATION.hints("Address"))


def preview_from(address: dict) -> dict:
    return validated("inbound", "GetInboundShipmentPreview",
                     {"ShipFromAddress": address,
                      "MerchantSKUQuantityItem": [{"MerchantSKU": "MUG", "Quantity": 1}]},
                     "ShipFromAddress", SHIP_FROM.hints("ShipFromAddress"))


def test_a_country_typed_in_lower_case_is_sent_in_upper_case():
    assert preview_to(dict(TO))["Address"]["CountryCode"] == "US"
    assert preview_from(dict(FROM))["ShipFromAddress"]["CountryCode"] == "US"


@pytest.mark.parametrize("check, address, code, message", [
    (preview_to, {**TO, "PostalCode": "981"}, "InvalidParameterValue",
     "--to-postal-code (Address.PostalCode): '981': a US postal code has at least 5 digits"),
    (preview_to, {k: v for k, v in TO.items() if k != "PostalCode"}, "MissingParameter",
     "--to-postal-code (Address.PostalCode): a value is required in the US"),
    (preview_to, {k: v for k, v in TO.items() if k != "City"}, "MissingParameter",
     "--to-city (Address.City): a value is required outside JP"),
    (preview_to, {**TO, "CountryCode": "u1"}, "InvalidParameterValue",
     "--to-country (Address.CountryCode): 'U1': it must be two upper-case letters (ISO 3166-1 alpha-2)"),
    (preview_from, {**FROM, "PostalCode": "98-0"}, "InvalidParameterValue",
     "--from-postal-code (ShipFromAddress.PostalCode): '98-0': a US postal code has at least 5 digits"),
    (preview_from, {k: v for k, v in FROM.items() if k != "PostalCode"}, "MissingParameter",
     "--from-postal-code (ShipFromAddress.PostalCode): a value is required in the US"),
    (preview_from, {**FROM, "CountryCode": "1a"}, "InvalidParameterValue",
     "--from-country (ShipFromAddress.CountryCode): '1A': it must be two letters (ISO 3166-1 alpha-2)"),
])
def test_an_address_the_service_would_refuse_is_one_line_naming_the_flag(check, address, code, message):
    with pytest.raises(common.CliError) as refused:
        check(address)
    assert refused.value.message == message
    assert (refused.value.exit_code, refused.value.code) == (common.EXIT_BAD_PARAMETER, code)
    assert refused.value.operation in ("outbound.GetFulfillmentPreview", "inbound.GetInboundShipmentPreview")


def test_a_japanese_destination_needs_no_city():
    japan = {**{k: v for k, v in TO.items() if k != "City"}, "CountryCode": "JP", "PostalCode": "150-0002"}
    assert preview_to(japan)["Address"]["CountryCode"] == "JP"
