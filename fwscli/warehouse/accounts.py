"""Merchants and their access keys (and the warehouse operators' keys)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from ..store.schema import access_keys, merchants
from .context import Caller

_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    merchant_id: int | None


def new_access_key_id(role: str) -> str:
    # AWS-shaped ids: 20 characters, a prefix telling merchant keys from operator keys.
    prefix = "AKFM" if role == "merchant" else "AKFO"
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret() -> str:
    return secrets.token_urlsafe(30)[:40]


def create_merchant(conn: Connection, name: str, now: datetime) -> Credentials:
    merchant_id = conn.execute(
        insert(merchants).values(name=name, created_at=now).returning(merchants.c.id)
    ).scalar_one()
    return add_key(conn, role="merchant", merchant_id=merchant_id, now=now)


def create_operator_key(conn: Connection, now: datetime) -> Credentials:
    return add_key(conn, role="operator", merchant_id=None, now=now)


def add_key(conn: Connection, *, role: str, merchant_id: int | None, now: datetime,
            access_key_id: str | None = None, secret: str | None = None) -> Credentials:
    credentials = Credentials(access_key_id or new_access_key_id(role), secret or new_secret(),
                              merchant_id)
    conn.execute(insert(access_keys).values(
        access_key_id=credentials.access_key_id,
        secret_access_key=credentials.secret_access_key,
        role=role, merchant_id=merchant_id, created_at=now,
    ))
    return credentials


def find_key(conn: Connection, access_key_id: str) -> tuple[str, Caller] | None:
    """The secret and the caller of an active key, or None when unknown or revoked."""
    row = conn.execute(
        select(access_keys.c.secret_access_key, access_keys.c.role, access_keys.c.merchant_id)
        .where(access_keys.c.access_key_id == access_key_id, access_keys.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    return row.secret_access_key, Caller(access_key_id, row.role, row.merchant_id)
