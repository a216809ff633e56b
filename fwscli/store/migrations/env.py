"""Alembic environment: runs on the connection handed over in config.attributes."""

from alembic import context
from sqlalchemy import text

from fwscli.store.schema import metadata

connection = context.config.attributes["connection"]
schema = context.config.attributes.get("schema")
if schema:
    connection.execute(text(f'SET search_path TO "{schema}"'))
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
