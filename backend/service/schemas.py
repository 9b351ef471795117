"""JSON schemas of every entity's serialised form, by the names users type."""

from __future__ import annotations

from typing import Any

from .. import entities as e
from ..entities.entity import Entity
from ..errors import InputError

ENTITY_CLASSES: dict[str, type[Entity]] = {
    "user": e.User,
    "computer": e.Computer,
    "code": e.InstalledCode,
    "node": e.Node,
    "int": e.Int,
    "float": e.Float,
    "str": e.Str,
    "bool": e.Bool,
    "dict": e.Dict,
    "list": e.List,
    "singlefile": e.SinglefileData,
    "folder": e.FolderData,
    "remote": e.RemoteData,
    "remote-stash-folder": e.RemoteStashFolderData,
    "remote-stash-compressed": e.RemoteStashCompressedData,
    "calcjob": e.CalcJobNode,
    "calcfunction": e.CalcFunctionNode,
    "workflow": e.WorkflowNode,
    "workchain": e.WorkChainNode,
    "workfunction": e.WorkFunctionNode,
    "link": e.Link,
    "group": e.Group,
    "log": e.Log,
}


def entity_schema(name: str) -> dict[str, Any]:
    try:
        entity_class = ENTITY_CLASSES[name.lower()]
    except KeyError:
        raise InputError(f"unknown entity '{name}'; choose one of: {', '.join(ENTITY_CLASSES)}") from None
    return entity_class.Model.model_json_schema()
