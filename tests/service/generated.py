"""Requests generated from the API model itself: a minimal valid parameter list for any
operation, and the paths of its required members — so error tests cover every operation
without restating any operation's shape."""

from __future__ import annotations

from fwscli.api.shapes import Member, Operation, Scalar, Structure

SAMPLE_BY_KIND = {"string": "X1", "int": "1", "boolean": "true",
                  "datetime": "2026-11-27T20:00:00Z", "decimal": "1.00"}


def sample_value(shape: Scalar) -> str:
    if shape.enum:
        return shape.enum[0]
    return SAMPLE_BY_KIND[shape.kind]


def minimal_params(operation: Operation) -> list[tuple[str, str]]:
    """Every required member filled with a valid value (lists with one element)."""
    params: list[tuple[str, str]] = []
    _fill(operation.input, "", params, required_only=True)
    return params


def _fill(members, prefix, params, required_only):
    for member in members:
        if required_only and not member.required:
            continue
        path = prefix + member.name + (".1" if member.repeated else "")
        if isinstance(member.shape, Structure):
            _fill(member.shape.members, path + ".", params, required_only)
        else:
            params.append((path, sample_value(member.shape)))


def full_params(operation: Operation) -> list[tuple[str, str]]:
    """Every member, optional ones too, filled with a valid value."""
    params: list[tuple[str, str]] = []
    _fill(operation.input, "", params, required_only=False)
    return params


def required_paths(operation: Operation) -> list[tuple[str, str]]:
    """(wire prefix to remove, parameter name the error must name) for each required member."""
    found: list[tuple[str, str]] = []
    _required(operation.input, "", found)
    return found


def _required(members, prefix, found):
    for member in members:
        if not member.required:
            continue
        name = prefix + member.name
        found.append((name, name))
        if isinstance(member.shape, Structure):
            inner = name + (".1" if member.repeated else "")
            _required(member.shape.members, inner + ".", found)


def bad_values(operation: Operation) -> list[tuple[str, str]]:
    """(parameter, bad value) for every constrained scalar member, wherever it sits."""
    found: list[tuple[str, str]] = []
    _bad(operation.input, "", found)
    return found


def _bad(members: tuple[Member, ...], prefix: str, found: list) -> None:
    for member in members:
        path = prefix + member.name + (".1" if member.repeated else "")
        shape = member.shape
        if isinstance(shape, Structure):
            _bad(shape.members, path + ".", found)
            continue
        if shape.enum:
            found.append((path, "NotAValue"))
        elif shape.kind == "int":
            found.append((path, "twelve"))
        elif shape.kind == "boolean":
            found.append((path, "perhaps"))
        elif shape.kind == "datetime" and not shape.lenient:
            found.append((path, "last tuesday"))
        elif shape.kind == "decimal":
            found.append((path, "1,5"))
        elif shape.kind == "string":
            found.append((path, "x" * (shape.max_length + 1)))
