"""Plain DB-API inserts and updates for SQLite's hot path (every run's creation, its
`running` and final status), with the values SQLAlchemy itself would bind.

Building, cache-keying and executing a SQLAlchemy `insert()`/`update()` costs about ten
times what SQLite takes to run the statement; a run makes three such writes. Here each
value goes through its column type's own bind processor (the JSON columns' serializer,
SQLite's `DateTime` text, `None` as JSON `null` where SQLAlchemy stores that), so a row
written here reads back exactly like one written through SQLAlchemy; only the statement
text is built by hand, once per set of column names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Select, Table
from sqlalchemy.engine import Dialect

_Processor = Callable[[Any], Any] | None


class SqliteRows:
    """Statements on one table for one SQLite dialect; the caller owns the transaction."""

    def __init__(self, table: Table, dialect: Dialect, key: str = "id") -> None:
        self._table = table
        self._key = key
        self._processors: dict[str, _Processor] = {
            column.name: column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in table.columns
        }
        self._defaults: dict[str, Any] = {
            column.name: column.default.arg  # type: ignore[attr-defined]
            for column in table.columns
            if column.default is not None and column.default.is_scalar
        }
        self._inserts: dict[tuple[str, ...], str] = {}
        self._updates: dict[tuple[str, ...], str] = {}

    def insert(self, connection: Any, values: Mapping[str, Any]) -> None:
        """INSERT the row; omitted columns take their scalar Python default, as
        SQLAlchemy's `insert().values()` gives them."""
        row = {**{k: v for k, v in self._defaults.items() if k not in values}, **values}
        names = tuple(row)
        sql = self._inserts.get(names)
        if sql is None:
            marks = ", ".join("?" * len(names))
            sql = self._inserts[names] = (
                f"INSERT INTO {self._table.name} ({', '.join(names)}) VALUES ({marks})"
            )
        connection.execute(sql, [self._bind(name, value) for name, value in row.items()])

    def update(self, connection: Any, key: Any, values: Mapping[str, Any]) -> int:
        """UPDATE the row whose key is `key`; the number of rows changed."""
        names = tuple(values)
        sql = self._updates.get(names)
        if sql is None:
            assignments = ", ".join(f"{name} = ?" for name in names)
            sql = self._updates[names] = (
                f"UPDATE {self._table.name} SET {assignments} WHERE {self._key} = ?"
            )
        params = [self._bind(name, value) for name, value in values.items()]
        params.append(self._bind(self._key, key))
        return int(connection.execute(sql, params).rowcount)

    def _bind(self, name: str, value: Any) -> Any:
        processor = self._processors[name]  # KeyError: not a column of this table
        return value if processor is None else processor(value)


class SqliteSelect:
    """A SQLAlchemy `select()` run as a plain DB-API statement (SQLite's hot path): its
    SQL built once for the dialect (IN lists of constants expanded), each value read back
    through its column type's own result processor, as SQLAlchemy would return it.
    `binds`: the names of its `bindparam`s, given at each call."""

    def __init__(self, statement: Select[Any], dialect: Dialect, binds: tuple[str, ...]) -> None:
        compiled = statement.compile(dialect=dialect)
        state = compiled.construct_expanded_state(dict.fromkeys(binds))
        self._sql: str = state.statement
        self._order = list(state.positiontup or [])
        self._constants = {k: v for k, v in state.parameters.items() if k not in binds}
        self._processors: list[_Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def first(self, connection: Any, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row, its values processed; None when there is none."""
        values = [params[n] if n in params else self._constants[n] for n in self._order]
        row = connection.execute(self._sql, values).fetchone()
        if row is None:
            return None
        return tuple(v if p is None else p(v) for p, v in zip(self._processors, row, strict=True))
