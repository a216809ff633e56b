"""Query-string and form-body decoding: `urllib.parse.parse_qsl(text, keep_blank_values=True)`
to the character, for less work per field.

parse_qsl runs `replace` and `unquote` (plus its argument coercions) on every name and value;
most fields of a request hold neither `%` nor `+` and are already their own decoding, and an
ASCII field's escapes are one `unquote_to_bytes`, the path `unquote` itself takes for it.
"""

from __future__ import annotations

from urllib.parse import unquote, unquote_to_bytes


def parse_form(text: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of `a=1&b=%20+x&c`, blank values kept, in order.

    `+` and `%20` are both a space; an invalid %-escape is left as it is; escaped bytes
    that are not UTF-8 become lone surrogates (surrogateescape): a legacy signature is
    verified over the bytes sent, then the value is refused by name (wire.query).
    """
    pairs = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        pairs.append((_decode(name) if "%" in name or "+" in name else name,
                      _decode(value) if "%" in value or "+" in value else value))
    return pairs


def _decode(text: str) -> str:
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.isascii():  # unquote's own path for a run of ASCII characters
        return unquote_to_bytes(text).decode("utf-8", "surrogateescape")
    return unquote(text, encoding="utf-8", errors="surrogateescape")
