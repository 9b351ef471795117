"""The entities of the provenance graph, as a user of the Python API meets them."""

from __future__ import annotations

from .computers import Computer
from .groups import Group
from .link_records import Link
from .links import LinkTriple, LinkType
from .loading import load_node
from .logs import Log
from .nodes.code import InstalledCode
from .nodes.data import Bool, Data, Dict, Float, Int, List, Str
from .nodes.files import FolderData, SinglefileData
from .nodes.node import FileEntry, Node
from .nodes.process import (
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    ProcessNode,
    ProcessState,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
)
from .nodes.remote import RemoteData, RemoteStashCompressedData, RemoteStashData, RemoteStashFolderData
from .users import User

__all__ = [
    "Bool",
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationNode",
    "Computer",
    "Data",
    "Dict",
    "FileEntry",
    "Float",
    "FolderData",
    "Group",
    "InstalledCode",
    "Int",
    "Link",
    "LinkTriple",
    "LinkType",
    "List",
    "Log",
    "Node",
    "ProcessNode",
    "ProcessState",
    "RemoteData",
    "RemoteStashCompressedData",
    "RemoteStashData",
    "RemoteStashFolderData",
    "SinglefileData",
    "Str",
    "User",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "load_node",
]
