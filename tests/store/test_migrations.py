"""Migrations: the head constant the fast schema check uses, and a migrated database that
matches the tables the code describes (no drift between schema.py and versions/)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fwscli.store.migrations import HEAD_REVISION, current_revision, known_revisions, script_head
from fwscli.store.schema import metadata


def test_head_constant_is_the_newest_revision_file():
    assert HEAD_REVISION == script_head(), "bump HEAD_REVISION in fwscli/store/migrations/__init__.py"


def test_known_revisions_are_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from fwscli.store.migrations import HERE

    config = Config()
    config.set_main_option("script_location", str(HERE))
    assert known_revisions() == {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def test_migrated_schema_matches_the_tables_in_code(db):
    assert current_revision(db) == HEAD_REVISION
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
