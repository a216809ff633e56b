"""The address rules (api/addresses.py): each rule, its reason, and the service's error for it."""

from __future__ import annotations

import pytest

from fwscli.api import addresses
from fwscli.api.addresses import Problem, destination_problems, ship_from_problems
from fwscli.api.errors import InvalidParameterValue, MissingParameter

US_TO = {"Name": "Jane", "Line1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA",
         "CountryCode": "US", "PostalCode": "98101"}
US_FROM = {"Name": "Acme", "AddressLine1": "500 Industrial Way", "City": "Kent",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98032"}


def without(address: dict, member: str) -> dict:
    return {key: value for key, value in address.items() if key != member}


@pytest.mark.parametrize("address", [
    US_TO,
    {**US_TO, "PostalCode": "98101-1234"},
    {**US_TO, "PostalCode": "98 1 01"},
    {**US_TO, "CountryCode": "JP", "City": None, "PostalCode": "150-0002"},
    without({**US_TO, "CountryCode": "JP"}, "City"),
    without({**US_TO, "CountryCode": "GB"}, "PostalCode"),
    {**US_TO, "CountryCode": "GB", "PostalCode": "1"},
    without(US_TO, "CountryCode"),  # absent: the model's required-member check reports it
])
def test_deliverable_destinations(address):
    assert destination_problems(address) == []


@pytest.mark.parametrize("address, expected", [
    ({**US_TO, "CountryCode": "us"}, [Problem("CountryCode", "us", addresses.UPPER_COUNTRY_REASON)]),
    ({**US_TO, "CountryCode": "U1"}, [Problem("CountryCode", "U1", addresses.UPPER_COUNTRY_REASON)]),
    ({**US_TO, "CountryCode": "U"}, [Problem("CountryCode", "U", addresses.UPPER_COUNTRY_REASON)]),
    ({**US_TO, "CountryCode": "ÜS"}, [Problem("CountryCode", "ÜS", addresses.UPPER_COUNTRY_REASON)]),
    (without(US_TO, "City"), [Problem("City", None, "a value is required outside JP")]),
    ({**US_TO, "City": ""}, [Problem("City", None, "a value is required outside JP")]),
    (without(US_TO, "PostalCode"), [Problem("PostalCode", None, "a value is required in the US")]),
    ({**US_TO, "PostalCode": "9810"}, [Problem("PostalCode", "9810", "a US postal code has at least 5 digits")]),
    ({**US_TO, "PostalCode": "ABCDE"}, [Problem("PostalCode", "ABCDE", "a US postal code has at least 5 digits")]),
    ({**US_TO, "PostalCode": ""}, [Problem("PostalCode", "", "a US postal code has at least 5 digits")]),
    ({**US_TO, "PostalCode": "⁹⁸¹⁰¹"}, [Problem("PostalCode", "⁹⁸¹⁰¹", "a US postal code has at least 5 digits")]),
    # Every problem, for the importer; a bad country hides the rules that depend on it.
    (without(without(US_TO, "City"), "PostalCode"),
     [Problem("City", None, "a value is required outside JP"),
      Problem("PostalCode", None, "a value is required in the US")]),
    (without({**US_TO, "CountryCode": "usa"}, "City"),
     [Problem("CountryCode", "usa", addresses.UPPER_COUNTRY_REASON)]),
])
def test_undeliverable_destinations(address, expected):
    assert destination_problems(address) == expected


@pytest.mark.parametrize("address", [
    US_FROM,
    {**US_FROM, "CountryCode": "us"},  # the inbound service has always taken either case
    {**US_FROM, "PostalCode": "98032-5555"},
    without({**US_FROM, "CountryCode": "GB"}, "PostalCode"),
    without(US_FROM, "City"),  # the inbound model requires City: not a rule of ours
])
def test_acceptable_ship_from_addresses(address):
    assert ship_from_problems(address) == []


@pytest.mark.parametrize("address, expected", [
    ({**US_FROM, "CountryCode": "U1"}, [Problem("CountryCode", "U1", addresses.COUNTRY_REASON)]),
    ({**US_FROM, "CountryCode": "U"}, [Problem("CountryCode", "U", addresses.COUNTRY_REASON)]),
    (without(US_FROM, "PostalCode"), [Problem("PostalCode", None, "a value is required in the US")]),
    (without({**US_FROM, "CountryCode": "us"}, "PostalCode"),
     [Problem("PostalCode", None, "a value is required in the US")]),
    ({**US_FROM, "PostalCode": "981"}, [Problem("PostalCode", "981", "a US postal code has at least 5 digits")]),
])
def test_refused_ship_from_addresses(address, expected):
    assert ship_from_problems(address) == expected


def test_each_services_address_has_its_rules():
    assert addresses.RULES == {"inbound": ship_from_problems, "outbound": destination_problems}


def test_a_missing_member_is_the_services_missing_parameter():
    error = Problem("City", None, "a value is required outside JP").api_error("DestinationAddress")
    assert isinstance(error, MissingParameter)
    assert error.parameter == "DestinationAddress.City"
    assert error.message == "The request must contain the parameter DestinationAddress.City."


def test_a_wrong_value_is_the_services_invalid_parameter_value():
    error = Problem("PostalCode", "981", "a US postal code has at least 5 digits").api_error("ShipFromAddress")
    assert isinstance(error, InvalidParameterValue)
    assert (error.parameter, error.value) == ("ShipFromAddress.PostalCode", "981")
    assert error.message == ("Value 981 for parameter ShipFromAddress.PostalCode is invalid. "
                             "Reason: a US postal code has at least 5 digits.")
    country = Problem("CountryCode", "us", addresses.UPPER_COUNTRY_REASON).api_error("Address")
    assert country.message == ("Value us for parameter Address.CountryCode is invalid. "
                               "Reason: it must be two upper-case letters (ISO 3166-1 alpha-2).")


def test_the_rules_load_no_database_nor_warehouse():
    """The CLI checks addresses before it sends: the rules must stay cheap to import."""
    import subprocess
    import sys

    code = ("import sys, fwscli.api.addresses\n"
            "print(' '.join(m for m in sys.modules if m.startswith(('sqlalchemy', 'fwscli.warehouse', "
            "'fwscli.store', 'fwscli.service', 'requests'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
