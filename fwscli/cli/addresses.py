"""The address options, declared once: `fws inbound`'s ship-from (`--from`, `--from-*`) and
`fws outbound`'s destination (`--to`, `--to-*`). Each is a JSON option (`@address.json`,
a path, `-` or inline JSON) and one flag per member of the API model's Address.

Typer declares options per command. A command instead gives one parameter an AddressOptions
as its default and is decorated with `with_address_options`: that parameter's place in the
signature (and so in `--help`) gets the address's options, and the command receives what
was typed as one AddressFlags, whose `address()` builds the request's address.

`validated` checks a request's address before it is sent: the model, then the rules the
model cannot say (api/addresses.py, the service's own), the first problem as one line
naming the flag.

Cheap to import (`fws inbound --help` loads it), so the model is not imported here:
tests/cli/test_addresses.py checks each table below against the model's Address.
"""

from __future__ import annotations

import functools
import inspect
import keyword
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import typer

from . import common

if TYPE_CHECKING:
    from ..api.addresses import Problem


@dataclass(frozen=True)
class MemberFlag:
    """The flag that sets one member of the model's Address."""

    member: str
    flag: str
    help: str


@dataclass(frozen=True)
class AddressOptions:
    """One kind of address on the command line: `flag` takes it whole as JSON, each of
    `members` one member (in the model's order, which is also `--help`'s)."""

    flag: str
    role: str  # starts the JSON option's help: "<role> address as JSON …"
    members: tuple[MemberFlag, ...]

    @property
    def member_names(self) -> tuple[str, ...]:
        return tuple(member.member for member in self.members)

    def hints(self, path: str) -> dict[str, str]:
        """Where the address sits in a request (`ShipFromAddress`) and under it each member
        -> the flag that sets it, for common.validate_request's messages."""
        return {path: self.flag, **{f"{path}.{member.member}": member.flag for member in self.members}}

    def parameters(self) -> list[inspect.Parameter]:
        """The command parameters Typer makes the options of: the JSON one, then a flag
        per member. Their names are the flags' (`--from-city` -> from_city)."""
        json_help = (f"{self.role} address as JSON (keys: the Address members "
                     f"{', '.join(self.member_names)}); {self.flag}-* flags override its keys.")
        options = [(self.flag, typer.Option(None, self.flag, metavar="@FILE.json|JSON", help=json_help))]
        options += [(member.flag, typer.Option(None, member.flag, help=member.help))
                    for member in self.members]
        return [inspect.Parameter(parameter_name(flag), inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  default=option, annotation=Optional[str])
                for flag, option in options]

    def load(self, value: str) -> dict[str, str]:
        """The JSON option's value: `@file.json`, `-` (stdin), a path, or inline JSON. Refuses
        keys the model's Address lacks and values that are not strings (a ZIP code as a
        number loses its leading zeros); a null is an absent member, as in --cli-input-json."""
        source = value if value.lstrip().startswith("{") or value.startswith("@") or value == "-" \
            else "@" + value
        what = f"{self.flag} {value}"
        address = common.load_json_argument(source, what)
        if not isinstance(address, dict):
            raise self.refusal(f"{what}: expected a JSON object of address fields")
        for key, field_value in address.items():
            if key not in self.member_names:
                raise self.refusal(f"{what}: unknown key {key!r} (the keys are "
                                   f"{', '.join(self.member_names)})")
            if not isinstance(field_value, (str, type(None))):
                raise self.refusal(f"{what}: {key} must be a string, not {field_value!r}")
        return {key: field_value for key, field_value in address.items() if field_value is not None}

    def refusal(self, message: str) -> common.CliError:
        return common.CliError(message, common.EXIT_BAD_PARAMETER, code="InvalidParameterValue")


@dataclass(frozen=True)
class AddressFlags:
    """What one command line gave for an address: the JSON option and each member's flag.
    Nothing is read until `address()`, so a command checks its input in its own order."""

    options: AddressOptions
    source: Optional[str]
    values: dict[str, Optional[str]]  # member -> the value of its flag, None when not given

    def address(self) -> dict[str, str] | None:
        """The JSON's address with the flags given on top of it; None when neither was given.
        With the JSON it is common.Whole: it replaces a --cli-input-json file's address."""
        address = common.Whole(self.options.load(self.source)) if self.source else {}
        address.update({member: value for member, value in self.values.items() if value is not None})
        return address or None


def validated(service: str, action: str, request: dict[str, Any], member: str,
              hints: Mapping[str, str]) -> dict[str, Any]:
    """The request checked by the model (common.validate_request), then its address at
    `member` by the service's address rules; returns it typed. A CountryCode typed in lower
    case is sent in upper case."""
    address = request.get(member)
    if isinstance(address, dict) and isinstance(address.get("CountryCode"), str):
        address["CountryCode"] = address["CountryCode"].upper()
    checked = common.validate_request(service, action, request, hints)
    from ..api.addresses import RULES  # the model is loaded already: validate_request read it

    problems = RULES[service](checked[member])
    if problems:
        raise refusal(problems[0], member, hints, operation=f"{service}.{action}")
    return checked


def refusal(problem: "Problem", parameter: str, hints: Mapping[str, str], *,
            operation: str | None = None) -> common.CliError:
    """An address problem as one line naming the flag and the member (exit 252), with the
    code the service would answer (MissingParameter or InvalidParameterValue)."""
    path = f"{parameter}.{problem.member}"
    where = f"{hints[path]} ({path})" if path in hints else path
    said = problem.reason if problem.missing else f"{problem.value!r}: {problem.reason}"
    return common.CliError(f"{where}: {said}", common.EXIT_BAD_PARAMETER,
                           code=problem.api_error(parameter).code, operation=operation)


def parameter_name(flag: str) -> str:
    """The Python name Typer gives an option's value: `--from-city` -> from_city, `--from` -> from_."""
    name = flag.lstrip("-").replace("-", "_")
    return name + "_" if keyword.iskeyword(name) else name


def with_address_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`command` with each parameter whose default is an AddressOptions replaced, where it
    stands, by that address's options; `command` receives them as one AddressFlags.

    Put it under `@app.command()`: Typer reads the options from the signature given here.
    """
    signature = inspect.signature(command, eval_str=True)
    addresses = {parameter.name: parameter.default for parameter in signature.parameters.values()
                 if isinstance(parameter.default, AddressOptions)}
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        parameters += addresses[parameter.name].parameters() if parameter.name in addresses else [parameter]

    @functools.wraps(command)
    def with_addresses(*args: Any, **kwargs: Any) -> Any:
        for name, options in addresses.items():
            source = kwargs.pop(parameter_name(options.flag))
            values = {member.member: kwargs.pop(parameter_name(member.flag)) for member in options.members}
            kwargs[name] = AddressFlags(options, source, values)
        return command(*args, **kwargs)

    with_addresses.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    # Typer prefers these to the signature's: a new dict, as wraps() shares the command's.
    with_addresses.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters
                                      if parameter.annotation is not inspect.Parameter.empty}
    return with_addresses


SHIP_FROM = AddressOptions("--from", "Ship-from", (
    MemberFlag("Name", "--from-name", "Ship-from name."),
    MemberFlag("AddressLine1", "--from-line1", "Ship-from address line 1."),
    MemberFlag("AddressLine2", "--from-line2", "Ship-from address line 2."),
    MemberFlag("City", "--from-city", "Ship-from city."),
    MemberFlag("StateOrProvinceCode", "--from-state", "Ship-from state or province code."),
    MemberFlag("CountryCode", "--from-country", "Two-letter country code (ISO 3166-1)."),
    MemberFlag("PostalCode", "--from-postal-code", "Postal code (US: at least 5 digits)."),
))

DESTINATION = AddressOptions("--to", "Destination", (
    MemberFlag("Name", "--to-name", "Recipient name."),
    MemberFlag("Line1", "--to-line1", "Address line 1."),
    MemberFlag("Line2", "--to-line2", "Address line 2."),
    MemberFlag("Line3", "--to-line3", "Address line 3."),
    MemberFlag("City", "--to-city", "City (required except in JP)."),
    MemberFlag("StateOrProvinceCode", "--to-state", "State or province code."),
    MemberFlag("CountryCode", "--to-country", "Two-letter country code (ISO 3166-1)."),
    MemberFlag("PostalCode", "--to-postal-code", "Postal code (US: at least 5 digits)."),
    MemberFlag("PhoneNumber", "--to-phone", "Phone number."),
))
