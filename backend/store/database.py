"""Opening a store's database: SQLite (WAL, foreign keys) or PostgreSQL, with clear errors."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..errors import InputError, StorageError
from .json_contains import json_contains

SUPPORTED_DRIVERS = {"sqlite", "postgresql"}


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Autocommit at the driver level lets SQLAlchemy's own BEGIN (below) take effect.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # LIKE is case sensitive on PostgreSQL; filters must give the same answers here.
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()
    dbapi_connection.create_function("json_contains", 2, _sqlite_json_contains, deterministic=True)


def _begin(connection: Any) -> None:
    # Writers take the write lock when their transaction starts, so two writers queue on
    # busy_timeout instead of failing on a stale snapshot; readers never wait for writers.
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # VACUUM and friends run outside any transaction
    immediate = options.get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_json_contains(left: str | None, right: str | None) -> int | None:
    if left is None or right is None:
        return None
    try:
        return int(json_contains(json.loads(left), json.loads(right)))
    except (TypeError, ValueError):
        return 0


def parse_url(url: str) -> str:
    """Check that `url` names a supported database; return the driver family."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: e.g. a port that is not a number
        raise InputError(
            f"malformed database URL '{url}'; expected e.g. postgresql+psycopg://user@host:5432/dbname"
        ) from None
    family = parsed.get_backend_name()
    if family not in SUPPORTED_DRIVERS:
        raise InputError(f"unsupported database '{family}' in '{url}'; use sqlite or postgresql")
    if family == "postgresql" and not parsed.database:
        raise InputError(f"the URL '{url}' names no database; add '/DBNAME' at its end")
    return family


def create_database_engine(url: str) -> Engine:
    """Create an engine and prove it can connect; fail with a one-line reason otherwise."""
    family = parse_url(url)
    if family == "sqlite":
        # Unescaped UTF-8 in JSON text: SQLite's JSON paths do not match keys written as \uXXXX escapes.
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin)
    else:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = make_url(url).render_as_string(hide_password=True)
        raise StorageError(f"cannot open the database at {where}: {reason}") from None
    return engine
