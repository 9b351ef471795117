"""Links as entities of their own, so they serialise like everything else."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select

from ..errors import NotExistent
from ..store.schema import LinkRow, NodeRow
from ..store.store import Store
from .current import get_store
from .entity import Entity, EntityModel
from .links import LinkType
from .loading import load_node


class LinkModel(EntityModel):
    source: str = Field(description="uuid of the node the link starts from.")
    target: str = Field(description="uuid of the node the link points to.")
    link_type: LinkType
    label: str


class Link(Entity):
    """source --link_type/label--> target, identified by the two nodes' uuids."""

    Model = LinkModel

    def __init__(self, source: str, target: str, link_type: LinkType | str, label: str) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.link_type = LinkType(link_type)
        self.label = label

    def store(self) -> Link:
        """Store through the target node, so that every link rule applies."""
        if self.is_stored:
            return self
        source, target = load_node(self.source), load_node(self.target)
        target.add_incoming(source, self.link_type, self.label)
        store = target.store_backend
        with store.reading() as session:
            pk = session.scalar(
                select(LinkRow.id).where(
                    LinkRow.input_id == source.pk,
                    LinkRow.output_id == target.pk,
                    LinkRow.type == self.link_type.value,
                    LinkRow.label == self.label,
                )
            )
        if pk is None:
            raise NotExistent(f"link '{self.label}' was not stored")
        self._mark_stored(pk, store)
        return self

    def to_model(self, *, content: bool = True) -> LinkModel:
        return LinkModel(pk=self.pk, source=self.source, target=self.target, link_type=self.link_type, label=self.label)

    @classmethod
    def _from_model(cls, model: LinkModel) -> Link:
        return cls(model.source, model.target, model.link_type, model.label)

    @classmethod
    def load(cls, pk: int, store: Store | None = None) -> Link:
        store = store or get_store()
        source_row = NodeRow.__table__.alias("source")
        target_row = NodeRow.__table__.alias("target")
        query = (
            select(source_row.c.uuid, target_row.c.uuid, LinkRow.type, LinkRow.label)
            .join(source_row, source_row.c.id == LinkRow.input_id)
            .join(target_row, target_row.c.id == LinkRow.output_id)
            .where(LinkRow.id == pk)
        )
        with store.reading() as session:
            row = session.execute(query).first()
        if row is None:
            raise NotExistent(f"no link with pk {pk}")
        link = cls(*row)
        link._mark_stored(pk, store)
        return link
