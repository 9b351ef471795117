"""Nodes: show one with its links, its attributes and extras; list them with filters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..entities.loading import load_node
from ..entities.nodes.node import NodeModel
from ..queries.filters import NodeFilter, PageRequest
from ..queries.nodes import count_nodes, find_nodes
from ..store.store import Store


class LinkInfo(BaseModel):
    pk: int
    uuid: str
    node_type: str
    label: str
    link_type: str
    link_label: str


class NodeDetail(BaseModel):
    node: NodeModel
    incoming: list[LinkInfo]
    outgoing: list[LinkInfo]


class NodePage(BaseModel):
    nodes: list[NodeModel]
    total: int
    next_after_pk: int | None


class NodeActions:
    store: Store

    def show_node(self, identifier: str | int) -> NodeDetail:
        node = load_node(identifier, self.store)

        def info(triples: list[Any]) -> list[LinkInfo]:
            return [
                LinkInfo(
                    pk=t.node.pk,
                    uuid=t.node.uuid,
                    node_type=t.node.node_type,
                    label=t.node.label,
                    link_type=t.link_type.value,
                    link_label=t.label,
                )
                for t in triples
            ]

        return NodeDetail(
            node=node.to_model(content=False), incoming=info(node.get_incoming()), outgoing=info(node.get_outgoing())
        )

    def node_attributes(self, identifier: str | int) -> dict[str, Any]:
        return load_node(identifier, self.store).attributes

    def node_extras(self, identifier: str | int) -> dict[str, Any]:
        return load_node(identifier, self.store).extras

    def list_nodes(self, flt: NodeFilter | None = None, page: PageRequest | None = None) -> NodePage:
        page = page or PageRequest()
        nodes = find_nodes(self.store, flt, page)
        more = len(nodes) == page.size
        return NodePage(
            nodes=[node.to_model(content=False) for node in nodes],
            total=count_nodes(self.store, flt),
            next_after_pk=nodes[-1].pk if nodes and more else None,
        )
