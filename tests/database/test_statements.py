"""The statement builder is pure: the SQL and arguments it builds, for both
dialects, with no engine and no database. The tables below are never bound to
an engine; the dialect is always passed."""

from __future__ import annotations

import re

import pytest
from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.database.statements import (
    insert_select_statement,
    insert_statement,
    json_column,
    one_statement,
)


class Desk(Table, tablename="desk"):
    name = Varchar(length=40)


class Ticket(Table, tablename="ticket"):
    code = Varchar(length=20)
    desk = ForeignKey(references=Desk, null=True, default=None)
    tags = JSON(default="[]")
    priority = Integer(default=3)
    note = Text(null=True, default=None)


class Reminder(Table, tablename="reminder"):
    """No JSON or serial columns: Piccolo names their types only through an engine."""

    ticket = ForeignKey(references=Ticket)
    recipient = Integer()
    channel = Varchar(length=16, default="push")
    body = Text()
    due_at = Timestamptz()


TICKET_COLUMNS = '"code", "desk", "tags", "priority", "note"'


@pytest.fixture(autouse=True)
def no_engine_is_consulted():
    yield
    for table in (Desk, Ticket, Reminder):
        assert table._meta._db is None, f"building statements looked up {table.__name__}'s engine"


def test_insert_on_sqlite_binds_every_column_with_defaults_and_json_as_text():
    sql, args = insert_statement(
        Ticket,
        [{"code": "A-1", "tags": ["x", "y"]}, {"code": "A-2", "desk": 4, "priority": 1}],
        dialect="sqlite",
    )
    assert sql == (
        f'INSERT INTO "ticket" ({TICKET_COLUMNS}) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)'
    )
    assert args == ["A-1", None, '["x", "y"]', 3, None, "A-2", 4, "[]", 1, None]


def test_insert_on_postgres_numbers_its_placeholders_across_rows():
    sql, args = insert_statement(
        Ticket, [{"code": "A-1"}, {"code": "A-2", "note": "late"}], "id", dialect="postgres"
    )
    assert sql == (
        f'INSERT INTO "ticket" ({TICKET_COLUMNS}) '
        "VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10) "
        'RETURNING "id"'
    )
    assert args == ["A-1", None, "[]", 3, None, "A-2", None, "[]", 3, "late"]


def test_json_text_and_null_are_stored_as_given():
    _sql, args = insert_statement(Ticket, [{"code": "A", "tags": '{"raw": 1}'}], dialect="sqlite")
    assert args[2] == '{"raw": 1}'
    _sql, args = insert_statement(Ticket, [{"code": "B", "tags": None}], dialect="sqlite")
    assert args[2] is None


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_row_with_an_id_inserts_the_id_first(dialect):
    sql, args = insert_statement(Ticket, [{"id": 41, "code": "A"}], dialect=dialect)
    assert sql.startswith(f'INSERT INTO "ticket" ("id", {TICKET_COLUMNS}) VALUES (')
    assert sql.count("?" if dialect == "sqlite" else "$") == 6
    assert args == [41, "A", None, "[]", 3, None]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_no_rows_is_no_statement(dialect):
    assert insert_statement(Ticket, [], dialect=dialect) is None


def test_insert_select_on_sqlite():
    sql, args = insert_select_statement(
        Reminder,
        {"ticket": 7, "body": "answer due", "due_at": "2026-01-02T03:04:05+00:00"},
        {"recipient": '"user"."id"'},
        '"user" WHERE "user"."unit" = {} AND "user"."active" = {}',
        [12, True],
        dialect="sqlite",
    )
    assert sql == (
        'INSERT INTO "reminder" ("ticket", "recipient", "channel", "body", "due_at") '
        'SELECT ?, "user"."id", ?, ?, ? FROM "user" WHERE "user"."unit" = ? AND "user"."active" = ?'
    )
    assert args == [7, "push", "answer due", "2026-01-02T03:04:05+00:00", 12, True]


def test_insert_select_on_postgres_casts_constants_to_their_column_types():
    sql, args = insert_select_statement(
        Reminder,
        {"ticket": 7, "body": "answer due", "due_at": "2026-01-02T03:04:05+00:00"},
        {"recipient": '"user"."id"'},
        '"user" WHERE "user"."unit" = {} AND "user"."active" = {}',
        [12, True],
        dialect="postgres",
    )
    assert sql == (
        'INSERT INTO "reminder" ("ticket", "recipient", "channel", "body", "due_at") '
        'SELECT $1::INTEGER, "user"."id", $2::VARCHAR, $3::TEXT, $4::TIMESTAMPTZ '
        'FROM "user" WHERE "user"."unit" = $5 AND "user"."active" = $6'
    )
    assert args == [7, "push", "answer due", "2026-01-02T03:04:05+00:00", 12, True]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_insert_select_refuses_a_source_whose_arguments_do_not_match(dialect):
    with pytest.raises(ValueError, match=re.escape("one {} per argument")):
        insert_select_statement(
            Reminder,
            {"ticket": 1, "body": "b", "due_at": None},
            {"recipient": "u.id"},
            "u WHERE u.unit = {}",
            [1, 2],
            dialect=dialect,
        )


def test_one_statement_renumbers_each_part_and_joins_them_as_ctes():
    sql, args = one_statement(
        [
            ('INSERT INTO "a" ("x", "y") VALUES ($1, $2)', ["x", "y"]),
            ('UPDATE "b" SET "z" = $1 WHERE "id" = $2 OR "id" = $1', [5, 6]),
            ('DELETE FROM "c" WHERE "id" = $1', [9]),
        ]
    )
    assert sql == (
        'WITH part0 AS (INSERT INTO "a" ("x", "y") VALUES ($1, $2)), '
        'part1 AS (UPDATE "b" SET "z" = $3 WHERE "id" = $4 OR "id" = $3) '
        'DELETE FROM "c" WHERE "id" = $5'
    )
    assert args == ["x", "y", 5, 6, 9]


def test_one_statement_of_one_is_that_statement():
    statement = ('UPDATE "b" SET "z" = $1', [5])
    assert one_statement([statement]) == statement


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "default"),
        ('{"a": [1, 2]}', {"a": [1, 2]}),
        ("[]", []),
        ("not json", "default"),
        ({"already": "python"}, {"already": "python"}),
        ([3], [3]),
    ],
)
def test_json_column_reads_text_and_falls_back_on_the_default(value, expected):
    assert json_column(value, "default") == expected
