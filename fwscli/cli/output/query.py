"""`--query`: a JMESPath expression applied to a result before it is rendered.

As in the AWS CLI, the expression sees the whole result; for a list operation that is the
list of rows, so a query is not streamed: the rows are held in memory until the last page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


class QueryError(ValueError):
    """The --query expression does not parse, or cannot be applied to the result.
    The CLI exits 252 (bad parameter)."""


class Query:
    def __init__(self, expression: str) -> None:
        import jmespath  # only commands given --query pay for it
        from jmespath.exceptions import JMESPathError

        self.expression = expression
        try:
            self._compiled = jmespath.compile(expression)
        except JMESPathError as error:
            raise QueryError(f"invalid --query expression: {_one_line(error)}") from None

    def search(self, value: Any) -> Any:
        from jmespath.exceptions import JMESPathError, JMESPathTypeError
        from jmespath.functions import TYPES_MAP

        try:
            return self._compiled.search(_plain_numbers(value))
        except JMESPathTypeError as error:  # its text holds the whole value: a listing, maybe
            # jmespath names an array's element by its Python type ("dict"): JMESPath's name.
            received = TYPES_MAP.get(error.actual_type, error.actual_type)
            raise QueryError(f"--query {self.expression!r} failed: in function {error.function_name}"
                             f"(), expected {' or '.join(error.expected_types)}, received "
                             f"{received}") from None
        except JMESPathError as error:
            raise QueryError(f"--query {self.expression!r} failed: {error}") from None


def _one_line(error: Exception) -> str:
    """jmespath's parse error as one line: its text puts the expression on a line of its own
    and a caret under the column on another, which on stderr is two stray lines."""
    lines = str(error).splitlines()
    if len(lines) > 1 and not lines[-1].strip(" ^"):
        lines.pop()  # the caret
    return " ".join(line.strip() for line in lines)


def _plain_numbers(value: Any) -> Any:
    """The value with Decimals as int or float.

    JMESPath's functions (sum, max, sort_by, …) type-check numbers by Python type name and
    reject Decimal. Amounts have far fewer than 15 significant digits, so a float keeps their
    value; only trailing zeros are lost (12.50 is written 12.5).
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    return value
