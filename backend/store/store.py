"""A profile's store: its database and its file repository, opened and version-checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import SchemaVersionError, StorageError
from . import migrations_runner
from .repository import FileRepository
from .schema import UserRow

class Store:
    """Everything persistent of one profile; entities read and write through it."""

    def __init__(self, engine: Engine, repository: FileRepository, *, name: str = "") -> None:
        self.name = name
        self.engine = engine
        self.repository = repository
        self._writer = sessionmaker(engine.execution_options(sqlite_immediate=True), expire_on_commit=False)
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._default_user_id: int | None = None
        self._active_session: ContextVar[Session | None] = ContextVar(f"provtop_session_{id(self)}", default=None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, engine: Engine, repository_path: Path, *, name: str = "", create: bool = False) -> Store:
        """Check the schema version (creating the schema if allowed) and the repository."""
        check_schema(engine, name=name, create=create)
        repository = FileRepository(repository_path)
        repository.ensure()
        return cls(engine, repository, name=name)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction; nested calls join the outer one and commit with it."""
        session = self._active_session.get()
        if session is not None:
            yield session
            return
        session = self._writer()
        token = self._active_session.set(session)
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StorageError(f"the store could not be written: {exc.orig}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            self._active_session.reset(token)
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session; inside a transaction it sees that transaction's writes."""
        session = self._active_session.get()
        if session is not None:
            yield session
            return
        session = self._reader()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @property
    def default_user_id(self) -> int:
        if self._default_user_id is None:
            with self.reading() as session:
                user_id = session.scalar(select(UserRow.id).order_by(UserRow.id).limit(1))
            if user_id is None:
                raise StorageError(f"the store of profile '{self.name}' has no user; recreate the profile")
            self._default_user_id = user_id
        return self._default_user_id

    def close(self) -> None:
        self.engine.dispose()


def check_schema(engine: Engine, *, name: str, create: bool) -> None:
    """Refuse a store whose schema this provtop cannot use, with what to do about it."""
    head = migrations_runner.head_revision()
    if migrations_runner.is_empty(engine):
        if not create:
            raise StorageError(f"the store of profile '{name}' is empty; run 'provtop storage migrate' to set it up")
        migrations_runner.upgrade_to_head(engine)
        return
    current = migrations_runner.current_revision(engine)
    if current == head:
        return
    if current is None:
        raise SchemaVersionError(
            f"the store of profile '{name}' has no schema version (older than this provtop's {head}): "
            "run `provtop storage migrate`"
        )
    if current in migrations_runner.known_revisions():
        raise SchemaVersionError(
            f"the store of profile '{name}' has schema version {current}, this provtop uses {head}: "
            "run `provtop storage migrate`"
        )
    raise SchemaVersionError(
        f"the store of profile '{name}' has schema version {current}, newer than this provtop's {head}; "
        "upgrade provtop to open it"
    )
