"""Link types and the rules that keep provenance meaningful (AiiDA's semantics)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from ..errors import ValidationError

if TYPE_CHECKING:
    from .nodes.node import Node

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")


class LinkType(StrEnum):
    CREATE = "create"
    RETURN = "return"
    INPUT_CALC = "input_calc"
    INPUT_WORK = "input_work"
    CALL_CALC = "call_calc"
    CALL_WORK = "call_work"


class LinkTriple(NamedTuple):
    """One neighbour of a node: the node at the other end, the type and the label."""

    node: Node
    link_type: LinkType
    label: str


# For each type: (what the source must be, what the target must be).
_ENDPOINTS: dict[LinkType, tuple[str, str]] = {
    LinkType.CREATE: ("calculation", "data"),
    LinkType.RETURN: ("workflow", "data"),
    LinkType.INPUT_CALC: ("data", "calculation"),
    LinkType.INPUT_WORK: ("data", "workflow"),
    LinkType.CALL_CALC: ("workflow", "calculation"),
    LinkType.CALL_WORK: ("workflow", "workflow"),
}

# Types whose label must be unique among the target's incoming links of that type.
UNIQUE_INCOMING_LABEL = {LinkType.INPUT_CALC, LinkType.INPUT_WORK}
# Types whose label must be unique among the source's outgoing links of that type.
UNIQUE_OUTGOING_LABEL = {LinkType.CREATE, LinkType.RETURN}
# Types of which a target may have at most one incoming link: one creator, one caller.
SINGLE_INCOMING = {LinkType.CREATE: {LinkType.CREATE}, LinkType.CALL_CALC: {LinkType.CALL_CALC, LinkType.CALL_WORK},
                   LinkType.CALL_WORK: {LinkType.CALL_CALC, LinkType.CALL_WORK}}


def validate_label(label: str) -> None:
    """Labels are identifiers without a leading or trailing underscore; `__` separates namespaces."""
    if not _LABEL.fullmatch(label):
        raise ValidationError(
            f"invalid link label '{label}': use letters, digits and underscores, not starting or ending with '_'"
        )


def validate_endpoints(source: Node, target: Node, link_type: LinkType) -> None:
    source_kind, target_kind = _ENDPOINTS[link_type]
    if source.provenance_kind != source_kind or target.provenance_kind != target_kind:
        raise ValidationError(
            f"a {link_type.value} link goes from a {source_kind} to a {target_kind} node, "
            f"not from {type(source).__name__} to {type(target).__name__}"
        )
    if source is target or (source.is_stored and source.pk == target.pk):
        raise ValidationError("a node cannot link to itself")
