"""Merchants and their access keys (and the warehouse operators' keys).

Decisions where the spec is silent:
* Rotating a key creates a new key for the same owner and revokes the old one in the same
  transaction: the new secret is the only one that works from then on.
* The last active operator key cannot be revoked, so the warehouse can never lock its
  staff out.
* Revoking a revoked key again is a harmless no-op (it keeps its first revocation time).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from ..api.errors import InvalidParameterValue
from ..store.schema import access_keys, merchants
from .context import Caller

_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    merchant_id: int | None
    role: str = "merchant"


@dataclass(frozen=True)
class Merchant:
    id: int
    name: str
    created_at: datetime
    active_keys: int


@dataclass(frozen=True)
class KeyInfo:
    access_key_id: str
    role: str
    merchant_id: int | None
    created_at: datetime
    revoked_at: datetime | None


def new_access_key_id(role: str) -> str:
    # AWS-shaped ids: 20 characters, a prefix telling merchant keys from operator keys.
    prefix = "AKFM" if role == "merchant" else "AKFO"
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret() -> str:
    # Never with a leading "-": on a command line (`fws configure set secret_access_key …`)
    # such a value reads as an option, and one secret in 64 would fail to paste.
    while True:
        secret = secrets.token_urlsafe(30)[:40]
        if not secret.startswith("-"):
            return secret


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
                              merchant_id, role)
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


def list_merchants(conn: Connection) -> list[Merchant]:
    keys = access_keys.c
    active = (select(func.count()).where(keys.merchant_id == merchants.c.id, keys.revoked_at.is_(None))
              .scalar_subquery())
    rows = conn.execute(select(merchants, active.label("active_keys")).order_by(merchants.c.id))
    return [Merchant(row.id, row.name, row.created_at, row.active_keys) for row in rows]


def require_merchant(conn: Connection, merchant_id: int) -> None:
    if conn.execute(select(merchants.c.id).where(merchants.c.id == merchant_id)).first() is None:
        raise InvalidParameterValue("MerchantId", merchant_id, "no merchant has this id")


def list_keys(conn: Connection, merchant_id: int | None = None) -> list[KeyInfo]:
    """Every key (never a secret), or one merchant's, oldest first."""
    keys = access_keys.c
    query = select(access_keys).order_by(keys.created_at, keys.access_key_id)
    if merchant_id is not None:
        query = query.where(keys.merchant_id == merchant_id)
    return [KeyInfo(row.access_key_id, row.role, row.merchant_id, row.created_at, row.revoked_at)
            for row in conn.execute(query)]


def rotate_key(conn: Connection, access_key_id: str, now: datetime) -> Credentials:
    """A new key for the owner of an active key, which is revoked."""
    old = _active_key(conn, access_key_id)
    credentials = add_key(conn, role=old.role, merchant_id=old.merchant_id, now=now)
    _revoke(conn, access_key_id, now)
    return credentials


def revoke_key(conn: Connection, access_key_id: str, now: datetime) -> None:
    keys = access_keys.c
    row = conn.execute(select(keys.role, keys.revoked_at)
                       .where(keys.access_key_id == access_key_id)).first()
    if row is None:
        raise _unknown_key(access_key_id)
    if row.role == "operator":
        # Every active operator key locked, in one order: two racing revocations cannot
        # both see "another key is left", and cannot deadlock either.
        active = conn.execute(select(keys.access_key_id)
                              .where(keys.role == "operator", keys.revoked_at.is_(None))
                              .order_by(keys.access_key_id).with_for_update()).scalars().all()
        if active == [access_key_id]:
            raise InvalidParameterValue("AccessKeyId", access_key_id,
                                        "it is the last active operator key; create another first")
    _revoke(conn, access_key_id, now)


def _active_key(conn: Connection, access_key_id: str):
    keys = access_keys.c
    row = conn.execute(select(access_keys).where(keys.access_key_id == access_key_id)
                       .with_for_update()).first()
    if row is None:
        raise _unknown_key(access_key_id)
    if row.revoked_at is not None:
        raise InvalidParameterValue("AccessKeyId", access_key_id, "the key is revoked")
    return row


def _revoke(conn: Connection, access_key_id: str, now: datetime) -> None:
    conn.execute(update(access_keys).where(access_keys.c.access_key_id == access_key_id,
                                           access_keys.c.revoked_at.is_(None))
                 .values(revoked_at=now))


def _unknown_key(access_key_id: str) -> InvalidParameterValue:
    return InvalidParameterValue("AccessKeyId", access_key_id, "no such access key")
