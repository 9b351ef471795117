"""Data nodes holding plain values: Int, Float, Str, Bool, Dict, List."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr

from .node import Node


class Data(Node):
    """Anything that is not a process: inputs and outputs of calculations and workflows."""

    node_type: ClassVar[str] = "data.Data."
    provenance_kind: ClassVar[str] = "data"


def _value_attributes(name: str, value_type: Any) -> type[BaseModel]:
    return type(
        name,
        (BaseModel,),
        {"__annotations__": {"value": value_type}, "model_config": ConfigDict(extra="allow")},
    )


class _BaseType(Data):
    """A single value in the attribute `value`."""

    _python_type: ClassVar[type] = object

    def __init__(self, value: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._attributes["value"] = self._python_type(value)

    @property
    def value(self) -> Any:
        return self._attributes["value"]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} pk={self.pk} value={self.value!r}>"


class Int(_BaseType):
    node_type: ClassVar[str] = "data.core.int.Int."
    Attributes = _value_attributes("IntAttributes", StrictInt)
    _python_type = int


class Float(_BaseType):
    node_type: ClassVar[str] = "data.core.float.Float."
    Attributes = _value_attributes("FloatAttributes", StrictFloat)
    _python_type = float

    @property
    def value(self) -> float:
        # PostgreSQL's jsonb keeps numbers as numerics, so 1e300 may come back as an int.
        return float(self._attributes["value"])


class Str(_BaseType):
    node_type: ClassVar[str] = "data.core.str.Str."
    Attributes = _value_attributes("StrAttributes", StrictStr)
    _python_type = str


class Bool(_BaseType):
    node_type: ClassVar[str] = "data.core.bool.Bool."
    Attributes = _value_attributes("BoolAttributes", StrictBool)
    _python_type = bool


class Dict(Data):
    """A dictionary, stored as the node's attributes (so attribute filters reach its keys)."""

    node_type: ClassVar[str] = "data.core.dict.Dict."

    def __init__(self, value: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._attributes.update(value or {})

    def get_dict(self) -> dict[str, Any]:
        return self.attributes

    def __getitem__(self, key: str) -> Any:
        return self.get_attribute(key)


class ListAttributes(BaseModel):
    model_config = ConfigDict(extra="allow")

    list: list[Any]


class List(Data):
    node_type: ClassVar[str] = "data.core.list.List."
    Attributes = ListAttributes

    def __init__(self, value: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._attributes["list"] = list(value or [])

    def get_list(self) -> list[Any]:
        return self.get_attribute("list")
