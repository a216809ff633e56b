"""An e-mail address of an order's NotificationEmailList, as the service accepts one: the
rule the model cannot say, stated once for the service (warehouse.orders), the importer
(batch.rules) and `fws outbound create`.

Decision: one @, a dot after it, no white space, and neither `;` nor `,` (no address holds
them unquoted, RFC 5322): a list of addresses is written as one cell joined by `;` (`-o csv`,
`fws outbound export`), and must read back as it was.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+")
NOT_AN_EMAIL = "it is not an e-mail address"


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None
