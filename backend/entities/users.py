"""Users: who created a node or a group, identified by email."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import NotExistent, UniquenessError
from ..store.schema import UserRow
from ..store.store import Store
from .current import get_store
from .entity import Entity, EntityModel


class UserModel(EntityModel):
    email: str
    first_name: str = ""
    last_name: str = ""
    institution: str = ""


class User(Entity):
    Model = UserModel

    def __init__(self, email: str, first_name: str = "", last_name: str = "", institution: str = "") -> None:
        super().__init__()
        self.email = email
        self.first_name = first_name
        self.last_name = last_name
        self.institution = institution

    def store(self) -> User:
        store = self.store_backend
        try:
            with store.transaction() as session:
                row = UserRow(
                    email=self.email, first_name=self.first_name, last_name=self.last_name, institution=self.institution
                )
                session.add(row)
                session.flush()
        except IntegrityError:
            raise UniquenessError(f"a user with email '{self.email}' exists already") from None
        self._mark_stored(row.id, store)
        return self

    def to_model(self, *, content: bool = True) -> UserModel:
        return UserModel(
            pk=self.pk,
            email=self.email,
            first_name=self.first_name,
            last_name=self.last_name,
            institution=self.institution,
        )

    @classmethod
    def _from_model(cls, model: UserModel) -> User:
        return cls(model.email, model.first_name, model.last_name, model.institution)

    @classmethod
    def from_row(cls, row: UserRow, store: Store) -> User:
        user = cls(row.email, row.first_name, row.last_name, row.institution)
        user._mark_stored(row.id, store)
        return user

    @classmethod
    def load(cls, pk: int, store: Store | None = None) -> User:
        store = store or get_store()
        with store.reading() as session:
            row = session.get(UserRow, pk)
            if row is None:
                raise NotExistent(f"no user with pk {pk}")
            return cls.from_row(row, store)

    @classmethod
    def by_email(cls, email: str, store: Store | None = None) -> User:
        store = store or get_store()
        with store.reading() as session:
            row = session.scalar(select(UserRow).where(UserRow.email == email))
            if row is None:
                raise NotExistent(f"no user '{email}'; users are created with their first profile")
            return cls.from_row(row, store)

    @classmethod
    def all_emails(cls, store: Store) -> list[str]:
        with store.reading() as session:
            return list(session.scalars(select(UserRow.email).order_by(UserRow.id)))

    @classmethod
    def default(cls, store: Store | None = None) -> User:
        store = store or get_store()
        return cls.load(store.default_user_id, store)
