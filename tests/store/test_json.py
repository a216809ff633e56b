"""JSON documents on SQLite: written by SQLAlchemy's JSON, read back by the schema's own
reader (faster than SQLAlchemy's) as the same values."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from fwscli.store.prepared import Prepared
from fwscli.store.schema import Json

DOCUMENTS = [[], ["a@example.com"], {}, {"Name": "Zoë", "Line2": None, "n": [1, 2.5]}, "text", 0, None]


@pytest.fixture()
def table():
    engine = create_engine("sqlite://")
    documents = Table("documents", MetaData(), Column("id", Integer, primary_key=True),
                      Column("document", Json, nullable=True))
    documents.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(documents), [{"id": n, "document": value} for n, value in enumerate(DOCUMENTS)])
    yield engine, documents
    engine.dispose()


def test_documents_read_back_as_written(table):
    engine, documents = table
    query = select(documents.c.document).order_by(documents.c.id)
    with engine.connect() as conn:
        assert [row.document for row in conn.execute(query)] == DOCUMENTS
        assert [row.document for row in Prepared(query).execute(conn)] == DOCUMENTS


def test_an_empty_list_read_is_a_new_list_each_time(table):
    engine, documents = table
    with engine.connect() as conn:
        first, second = (conn.execute(select(documents.c.document).where(documents.c.id == 0)).scalar_one()
                         for _ in range(2))
    assert first == [] and first is not second


@pytest.mark.parametrize("text", [' {"a": 1}', '{"a": 1} ', '\n[1, 2]\n', '"x"', "null", "1.5e3"])
def test_text_another_writer_stored_reads_as_json_loads_reads_it(text):
    import json

    from fwscli.store.schema import _sqlite_json

    assert _sqlite_json(text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a": 1} x', "{", "", "  "])
def test_text_that_is_not_json_fails_as_json_loads_fails(text):
    import json

    from fwscli.store.schema import _sqlite_json

    with pytest.raises(json.JSONDecodeError):
        _sqlite_json(text)
