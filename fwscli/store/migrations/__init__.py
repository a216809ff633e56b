"""Schema migrations (Alembic), run by `fws server init` / `upgrade` and on first use of
the embedded database. The revisions live in `versions/`; `env.py` binds them to the
connection we hand over, so no alembic.ini is needed.

Alembic is imported only to migrate: checking that a schema is current — which every
embedded command does — reads `alembic_version` against HEAD_REVISION, and a test keeps
that constant equal to the newest revision file.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, inspect, insert, select, text

from ..database import Database
from ..schema import settings

HERE = Path(__file__).resolve().parent
TOKEN_SECRET = "token_secret"
HEAD_REVISION = "0008"  # the newest file in versions/ (tests/store checks it)


def _config(db: Database, connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    config.attributes["schema"] = db.schema
    return config


def head_revision() -> str:
    return HEAD_REVISION


def script_head() -> str:
    """The newest revision as Alembic reads it from versions/ (slow: imports Alembic)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(HERE))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:
    """The revisions of versions/, read from the file names (`0002_throttle_buckets.py`)
    without loading Alembic; tests/store checks them against Alembic's own list."""
    return {path.name.split("_", 1)[0] for path in (HERE / "versions").glob("[0-9]*_*.py")}


def _too_new(current: str | None) -> bool:
    """Whether a database at revision `current` was written by a newer fws."""
    return current is not None and current not in known_revisions()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`, then make sure the shared secrets exist; SchemaTooNew
    when the database is at a revision this fws does not know."""
    from alembic import command

    current = current_revision(db)
    if _too_new(current):
        raise SchemaTooNew(current, head_revision())
    with _migrating(db) as conn:
        if db.schema:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
        _refuse_foreign(conn, db.schema)
        command.upgrade(_config(db, conn), revision)
        _ensure_token_secret(conn)


def _refuse_foreign(conn: Connection, schema: str | None) -> None:
    """NotAnFwsDatabase when the database holds tables but no revision of ours: another
    application's (a mistyped --database), where fws created its tables beside that
    application's, or failed half-way on a name both use ("relation settings already
    exists", as "cannot be opened"). Checked inside the migration's lock: a revision
    another process has just written is ours."""
    inspector = inspect(conn)
    if inspector.has_table("alembic_version", schema=schema):
        return
    tables = inspector.get_table_names(schema=schema)
    if tables:
        raise NotAnFwsDatabase(tables)


# Any fixed number: PostgreSQL's advisory locks are named by one (per database).
_MIGRATION_LOCK = 0x667773  # "fws"


@contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    """The one transaction migrating the database at a time: processes that start together
    on a new database (servers, `fws server init`) queue here, and each after the first
    finds the schema and the secrets there. A plain BEGIN let them race: on SQLite the
    losers failed "database is locked", on PostgreSQL on a duplicate table, or went on
    before the winner had written the token secret."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn = conn.execution_options(fws_write=True)  # BEGIN IMMEDIATE: waits its turn
        with conn.begin():
            if not db.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            yield conn


create_schema = upgrade


class MigrationFailed(Exception):
    """Alembic could not bring the schema to HEAD_REVISION (e.g. the database was written by
    a newer fws, at a revision this one does not know)."""


class NotAnFwsDatabase(MigrationFailed):
    """The database holds tables but no fws schema revision: not fws's to change."""

    def __init__(self, tables: list[str]):
        shown = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
        super().__init__(f"it holds {len(tables)} tables ({shown}) but no fws schema revision: "
                         f"it is not an fws database; give a new, empty one")
        self.tables = tables


class SchemaOutOfDate(Exception):
    """The database's schema is not the one this fws needs; `fws server upgrade` fixes it."""

    def __init__(self, current: str | None, head: str):
        super().__init__(f"the database schema is at revision {current or 'none'}, this fws needs "
                         f"{head}: run `fws server upgrade --database …` first")
        self.current = current
        self.head = head


class SchemaTooNew(SchemaOutOfDate):
    """The database was written by a newer fws, at a revision this one does not know:
    `fws server upgrade` cannot help, only that newer fws (or a backup) can."""

    def __init__(self, current: str, head: str):
        Exception.__init__(self, f"the database schema is at revision {current}, newer than this "
                                 f"fws knows (its newest is {head}): it was written by a newer fws; "
                                 f"run that version")
        self.current = current
        self.head = head


def out_of_date(current: str | None) -> SchemaOutOfDate:
    """Why a database at revision `current` cannot be served: an old schema, or a new one."""
    if _too_new(current):
        return SchemaTooNew(current, head_revision())
    return SchemaOutOfDate(current, head_revision())


def open_database(url: str, *, create: bool = True, migrate: bool = False,
                  background_checkpoints: bool = False) -> Database:
    """The database at `url`, its schema created when new (if `create`) and checked current.

    Shared by `fws server` and the embedded service. An older schema is upgraded only with
    `migrate`: the embedded database is fws's own file, but migrating a shared server
    database is an operator's decision (`fws server upgrade`). `background_checkpoints`:
    see store/checkpoints.py (server processes).
    """
    db = Database(url, background_checkpoints=background_checkpoints)
    current = current_revision(db)
    if current == head_revision():
        # The common case, on every command of the embedded service: one query, and
        # Alembic (~50 ms to import) is not loaded at all.
        return db
    if (current is None and create) or (current is not None and migrate):
        try:
            upgrade(db)
        except Exception as error:
            # Two processes creating one new database race; the loser's transaction rolls
            # back whole, and the winner's schema is all we wanted.
            if current_revision(db) != head_revision():
                from alembic.util import CommandError  # loaded already: upgrade() ran Alembic

                if isinstance(error, CommandError):
                    raise MigrationFailed(str(error)) from error
                raise
        return db
    db.dispose()
    raise out_of_date(current)


def drop_schema(db: Database) -> None:
    """Remove a PostgreSQL test schema with everything in it."""
    if db.schema:
        with db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE'))


def token_secret(db: Database) -> bytes:
    with db.read() as conn:
        value = conn.execute(select(settings.c.value).where(settings.c.name == TOKEN_SECRET)).scalar_one()
    return value.encode()


def _ensure_token_secret(conn: Connection) -> None:
    # Shared by every server process: a token issued by one is honoured by all.
    exists = conn.execute(select(settings.c.name).where(settings.c.name == TOKEN_SECRET)).first()
    if exists is None:
        conn.execute(insert(settings).values(name=TOKEN_SECRET, value=secrets.token_hex(32)))
