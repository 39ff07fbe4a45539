"""SQL statements built by hand, as (SQL, arguments) pairs, for either dialect.

Pure: nothing here opens a connection or reads a setting. The dialect
("sqlite" or "postgres") is the caller's to give; left out, it is the engine
type of the table's (or the query's) Piccolo engine.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from piccolo.columns import JSON

Statement = tuple[str, list[Any]]  # SQL with the dialect's placeholders, and its arguments

_PG_PARAM = re.compile(r"\$(\d+)")
_DYNAMIC = object()  # a column default computed per row
_UNREAD = object()  # a column default not needed yet


@dataclass(frozen=True)
class _ColumnSpec:
    """What an INSERT needs to know of a table's columns, read once: going
    through Piccolo's column objects per row (ForeignKey's attribute proxy,
    default factories) cost more than the insert itself."""

    names: tuple[str, ...]
    sql_names: str
    json: frozenset[str]
    columns: tuple[Any, ...]

    def default(self, index: int) -> Any:
        value = self._defaults[index]
        if value is _UNREAD:
            value = self._defaults[index] = self._kind_of_default(index)
        if value is not _DYNAMIC:
            return value
        value = self.columns[index].get_default_value()
        return value.python() if hasattr(value, "python") else value

    def _kind_of_default(self, index: int) -> Any:
        """A constant default is read once: reading a ForeignKey's goes through
        its attribute proxy (a dir() per call), eight columns per complaint.
        Callables and Piccolo's Default objects (TimestamptzNow ...) are asked
        again for every row. Read only when a row first lacks the column: some
        defaults (serials) ask the table's engine."""
        column = self.columns[index]
        value = column.get_default_value()
        dynamic = callable(getattr(column, "default", None)) or hasattr(value, "python")
        return _DYNAMIC if dynamic else value

    @functools.cached_property
    def _defaults(self) -> list[Any]:
        return [_UNREAD] * len(self.columns)

    @functools.cached_property
    def pg_types(self) -> tuple[str, ...]:
        # Read only when a PostgreSQL INSERT ... SELECT needs its casts: some
        # Piccolo column types (JSON, serials) ask the table's engine.
        return tuple(c.column_type.split("(")[0] for c in self.columns)


@functools.cache
def _column_spec(table, with_id: bool = False) -> _ColumnSpec:
    columns = tuple(table._meta.non_default_columns)
    if with_id:  # the id was taken from the sequence beforehand
        columns = (table._meta.primary_key, *columns)
    return _ColumnSpec(
        names=tuple(c._meta.name for c in columns),
        sql_names=", ".join(f'"{c._meta.db_column_name}"' for c in columns),
        json=frozenset(c._meta.name for c in columns if isinstance(c, JSON)),
        columns=columns,
    )


def _placeholders(dialect: str, count: int, start: int = 1) -> list[str]:
    if dialect == "sqlite":
        return ["?"] * count
    return [f"${n}" for n in range(start, start + count)]


def _row_args(spec: _ColumnSpec, row: dict[str, Any]) -> list[Any]:
    args = []
    for index, name in enumerate(spec.names):
        value = row[name] if name in row else spec.default(index)
        if name in spec.json and not isinstance(value, str | None):
            value = json.dumps(value)
        args.append(value)
    return args


def insert_statement(
    table, rows: list[dict[str, Any]], returning: str | None = None, dialect: str | None = None
) -> Statement | None:
    """A multi-row INSERT for `rows`, compiled for `dialect` (by default the
    engine type of `table`'s engine).

    Rendering `Table` instances costs more CPU than the database spends on the
    insert (a submission's outbox rows were 15 % of the event loop's time under
    load). The values are bound as parameters, so SQLite stores them through
    the same adapters as Piccolo's own inserts, and asyncpg types them for
    PostgreSQL.
    """
    if not rows:
        return None
    dialect = dialect or table._meta.db.engine_type
    spec = _column_spec(table, with_id="id" in rows[0])
    args: list[Any] = []
    values = []
    for row in rows:
        marks = _placeholders(dialect, len(spec.names), len(args) + 1)
        values.append("(" + ", ".join(marks) + ")")
        args.extend(_row_args(spec, row))
    sql = f'INSERT INTO "{table._meta.tablename}" ({spec.sql_names}) VALUES ' + ", ".join(values)
    if returning:
        sql += f' RETURNING "{returning}"'
    return sql, args


def insert_select_statement(
    table,
    values: dict[str, Any],
    per_row: dict[str, str],
    source: str,
    source_args: list,
    dialect: str | None = None,
) -> Statement:
    """`INSERT INTO table (...) SELECT <per_row expressions>, <values> FROM
    <source>`: one row per source row, inside the caller's transaction and
    with no read before it (the outbox's recipients are found this way).

    `source` uses `{}` for its arguments. On PostgreSQL the constants are cast
    to their columns' types, which a SELECT list would not infer."""
    dialect = dialect or table._meta.db.engine_type
    spec = _column_spec(table)
    args = _row_args(spec, {**values, **dict.fromkeys(per_row)})
    select, constants = [], []
    marks = iter(_placeholders(dialect, len(spec.names) + len(source_args)))
    for index, (name, value) in enumerate(zip(spec.names, args, strict=True)):
        if name in per_row:
            select.append(per_row[name])
            continue
        mark = next(marks)
        select.append(mark if dialect == "sqlite" else f"{mark}::{spec.pg_types[index]}")
        constants.append(value)
    pieces = source.split("{}")
    if len(pieces) != len(source_args) + 1:
        raise ValueError("source needs one {} per argument")
    source_sql = pieces[0] + "".join(next(marks) + piece for piece in pieces[1:])
    sql = (
        f'INSERT INTO "{table._meta.tablename}" ({spec.sql_names}) '
        f"SELECT {', '.join(select)} FROM {source_sql}"
    )
    return sql, [*constants, *source_args]


def compiled(query, dialect: str | None = None) -> Statement:
    """A Piccolo query as SQL and arguments for `dialect` (by default its
    table's engine type), to run inside `write_chain` or `write_statements`."""
    [querystring] = query.querystrings
    sql, args = querystring.compile_string(
        engine_type=dialect or query.table._meta.db.engine_type
    )
    return sql, list(args)


def one_statement(statements: list[Statement]) -> Statement:
    """PostgreSQL: independent INSERT/UPDATE/DELETE statements as one, through
    data-modifying CTEs; a single statement is atomic without BEGIN/COMMIT.
    All parts see one snapshot, so none may read another's effect; a foreign
    key to a row a sibling inserts is fine (checked at the end of the
    statement)."""
    parts, args = [], []
    for sql, statement_args in statements:
        parts.append(_PG_PARAM.sub(lambda m, k=len(args): f"${int(m.group(1)) + k}", sql))
        args.extend(statement_args)
    *leading, last = parts
    if leading:
        last = "WITH " + ", ".join(f"part{n} AS ({p})" for n, p in enumerate(leading)) + " " + last
    return last, args


def json_column(value, default):
    """A JSON column's value as Python: Piccolo hands JSON back as text, and a
    row written by hand may hold anything, so unreadable text is `default`."""
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return default
    return value
