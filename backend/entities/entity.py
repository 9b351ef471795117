"""The base of every stored thing: identity, the current store, and pydantic serialisation."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from ..errors import ValidationError
from ..store.store import Store
from .current import get_store


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_model(model_class: type[ModelT], data: Any, what: str) -> ModelT:
    """Validate, reporting the first problem in one line a user can act on."""
    try:
        return model_class.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or what
        raise ValidationError(f"invalid {what}: '{where}': {first['msg']}") from None


class EntityModel(BaseModel):
    """What an entity serialises to; `pk` is the store's row id and only a stored entity has one."""

    model_config = ConfigDict(extra="forbid")

    pk: int | None = Field(default=None, description="Row id in the store; read only, ignored on deserialisation.")


class Entity:
    """An entity is either unstored (a plain Python object) or stored (it has a pk in a store)."""

    Model: ClassVar[type[EntityModel]] = EntityModel

    def __init__(self) -> None:
        self._pk: int | None = None
        self._store: Store | None = None

    @property
    def pk(self) -> int | None:
        return self._pk

    @property
    def is_stored(self) -> bool:
        return self._pk is not None

    @property
    def store_backend(self) -> Store:
        """The store this entity lives in, or the current profile's store for an unstored one."""
        return self._store if self._store is not None else get_store()

    def _mark_stored(self, pk: int, store: Store) -> None:
        self._pk = pk
        self._store = store

    def to_model(self, *, content: bool = True) -> EntityModel:
        raise NotImplementedError

    def serialize(self, *, schema: Literal["write", "read"] = "write", content: bool = True) -> dict[str, Any]:
        """A JSON-safe dict. The "write" schema recreates the entity; "read" adds its pk."""
        exclude = {"pk"} if schema == "write" else set()
        return self.to_model(content=content).model_dump(mode="json", exclude=exclude)

    @classmethod
    def from_serialized(cls, data: dict[str, Any]) -> Self:
        """A new, unstored entity equal to the serialised one."""
        return cls._from_model(validate_model(cls.Model, data, cls.__name__))

    @classmethod
    def _from_model(cls, model: Any) -> Self:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other) or not isinstance(other, Entity):
            return NotImplemented
        if self.is_stored and other.is_stored:
            return self._pk == other._pk and self._store is other._store
        return self is other

    def __hash__(self) -> int:
        return hash((type(self), self._pk)) if self.is_stored else id(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} pk={self._pk}>"
