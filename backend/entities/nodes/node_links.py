"""A node's links: queued until the node is stored, checked against the link rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from ...errors import ModificationNotAllowed, ValidationError
from ...store.schema import LinkRow, NodeRow
from ..links import LinkTriple, LinkType, validate_endpoints, validate_label

if TYPE_CHECKING:
    from ...store.store import Store
    from .node import Node

_INSERT_LINKS = insert(LinkRow)
_OUTPUT_LABEL_TAKEN = (
    select(LinkRow.id)
    .where(LinkRow.input_id == bindparam("source"), LinkRow.type == bindparam("type"))
    .where(LinkRow.label == bindparam("label"))
    .limit(1)
)
_OUTPUT_LINK_TYPES = (LinkType.CREATE, LinkType.RETURN)
_LinkValues = tuple[int, str, str]  # source pk, link type, label


class NodeLinks:
    """The link half of a node; `Node` provides identity and how rows become nodes."""

    _pending_links: list[tuple[Node, LinkType, str]]
    pk: int | None
    is_stored: bool
    store_backend: Store
    from_row: Callable[[NodeRow, Store], Node]

    def add_incoming(self, source: Node, link_type: LinkType, label: str) -> None:
        """Link `source` -> self. Queued until self is stored; a stored target accepts only RETURN."""
        link_type = LinkType(link_type)
        validate_label(label)
        validate_endpoints(source, self, link_type)  # type: ignore[arg-type]
        if source.is_stored and not source.accepts_outgoing_links:
            raise ModificationNotAllowed(f"node {source.pk} is sealed and takes no new outgoing links")
        if not self.is_stored:
            self._check_pending_link(source, link_type, label)
            self._pending_links.append((source, link_type, label))
            return
        if link_type is not LinkType.RETURN:
            raise ModificationNotAllowed(f"a {link_type.value} link cannot be added to stored node {self.pk}")
        if not source.is_stored:
            raise ValidationError(f"store the source {type(source).__name__} before linking it")
        with self.store_backend.transaction() as session:
            connection = session.connection()
            self._insert_links(connection, self._checked_links(connection, [(source, link_type, label)]))

    @property
    def accepts_outgoing_links(self) -> bool:
        return True

    def _check_pending_link(self, source: Node, link_type: LinkType, label: str) -> None:
        for pending_source, pending_type, pending_label in self._pending_links:
            if pending_type in (LinkType.INPUT_CALC, LinkType.INPUT_WORK) and pending_label == label:
                raise ValidationError(f"this node has an input labelled '{label}' already")
            if pending_type is LinkType.CREATE and link_type is LinkType.CREATE:
                raise ValidationError("a data node has one creator only")
            if pending_type in (LinkType.CALL_CALC, LinkType.CALL_WORK) and link_type in (
                LinkType.CALL_CALC,
                LinkType.CALL_WORK,
            ):
                raise ValidationError("a process has one caller only")
            if (pending_source, pending_type, pending_label) == (source, link_type, label):
                raise ValidationError(f"this node has a {link_type.value} link labelled '{label}' already")

    @staticmethod
    def _checked_links(connection: Connection, links: Iterable[tuple[Node, LinkType, str]]) -> list[_LinkValues]:
        """(source pk, type, label) of each link, once the rules that need the store hold.

        Outputs created or returned by one source have unique labels: for a node being stored,
        the only rule involving rows already stored (the pending links were checked as they were
        queued). Checked before anything is written, so a refused node leaves nothing behind.
        """
        checked = []
        for source, link_type, label in links:
            if source.pk is None:
                raise ValidationError(f"store the source {type(source).__name__} of link '{label}' first")
            if link_type in _OUTPUT_LINK_TYPES:
                taken = {"source": source.pk, "type": link_type.value, "label": label}
                if connection.execute(_OUTPUT_LABEL_TAKEN, taken).first() is not None:
                    raise ValidationError(f"node {source.pk} has a {link_type.value} output labelled '{label}' already")
            checked.append((source.pk, link_type.value, label))
        return checked

    def _insert_links(self, connection: Connection, links: list[_LinkValues]) -> None:
        if not links:
            return
        rows = [
            {"input_id": source, "output_id": self.pk, "type": link_type, "label": label}
            for source, link_type, label in links
        ]
        try:
            connection.execute(_INSERT_LINKS, rows)
        except IntegrityError:
            # Only a concurrent writer gets here: the checks before cover every link rule.
            raise ValidationError(
                f"links into node {self.pk} break a link rule: one creator, one caller, and unique labels "
                "for inputs and for created or returned outputs"
            ) from None

    def get_incoming(self, link_type: LinkType | None = None) -> list[LinkTriple]:
        return self._neighbours(LinkRow.output_id, LinkRow.input_id, link_type)

    def get_outgoing(self, link_type: LinkType | None = None) -> list[LinkTriple]:
        return self._neighbours(LinkRow.input_id, LinkRow.output_id, link_type)

    def _neighbours(self, own: Any, other: Any, link_type: LinkType | None) -> list[LinkTriple]:
        if not self.is_stored:
            return []
        store = self.store_backend
        query = (
            select(NodeRow, LinkRow.type, LinkRow.label)
            .join(LinkRow, other == NodeRow.id)
            .where(own == self.pk)
            .order_by(LinkRow.id)
        )
        if link_type is not None:
            query = query.where(LinkRow.type == LinkType(link_type).value)
        with store.reading() as session:
            rows = session.execute(query).all()
            return [LinkTriple(self.from_row(row, store), LinkType(kind), label) for row, kind, label in rows]
