"""Nodes: the vertices of the provenance graph, with attributes, extras, files and links.

A stored node is immutable except its extras; process nodes stay mutable until sealed.
"""

from __future__ import annotations

import base64
import copy
import uuid as uuid_module
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field, create_model
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ...errors import ModificationNotAllowed, NotExistent, ValidationError
from ...store.schema import ComputerRow, NodeRow, UserRow
from ...store.store import Store
from ..computers import Computer
from ..entity import Entity, EntityModel, validate_model
from ..links import LinkType
from ..users import User
from .node_files import FileEntry, NodeFiles
from .node_links import NodeLinks

# Built once: constructing a statement costs about as much as executing it.
_INSERT_NODE = insert(NodeRow)
_UPDATE_NODE = update(NodeRow).where(NodeRow.id == bindparam("node_pk"))  # SET: the columns given


class NodeModel(EntityModel):
    uuid: str
    node_type: str
    process_type: str | None = None
    label: str = ""
    description: str = ""
    ctime: datetime
    mtime: datetime
    attributes: dict[str, Any] = Field(default_factory=dict)
    extras: dict[str, Any] = Field(default_factory=dict)
    computer: str | None = Field(default=None, description="Label of the computer, if any.")
    user: str | None = Field(default=None, description="Email of the creator; None means the default user.")
    repository_metadata: dict[str, FileEntry] = Field(default_factory=dict, description="Relative path -> file.")
    repository_content: dict[str, str] | None = Field(
        default=None, description="Relative path -> base64 of the file's bytes; None when not serialised."
    )


class Node(NodeFiles, NodeLinks, Entity):
    """Base of data and process nodes; subclasses set `node_type` and may declare `Attributes`."""

    Model: ClassVar[type[NodeModel]] = NodeModel
    node_type: ClassVar[str] = "node.Node."
    provenance_kind: ClassVar[str] = "node"
    Attributes: ClassVar[type[BaseModel] | None] = None
    _registry: ClassVar[dict[str, type[Node]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "node_type" in cls.__dict__:
            Node._registry[cls.node_type] = cls
        fields: dict[str, Any] = {"node_type": (Literal[cls.node_type], cls.node_type)}
        if cls.Attributes is not None:
            fields["attributes"] = (cls.Attributes, Field(default_factory=cls.Attributes))
        cls.Model = create_model(f"{cls.__name__}Model", __base__=NodeModel, **fields)

    def __init__(
        self,
        *,
        label: str = "",
        description: str = "",
        computer: Computer | None = None,
        user: User | None = None,
    ) -> None:
        super().__init__()
        self._uuid = str(uuid_module.uuid4())
        self._ctime = datetime.now(UTC)
        self._mtime = self._ctime
        self._label = label
        self._description = description
        self.process_type: str | None = None
        self._attributes: dict[str, Any] = {}
        self._extras: dict[str, Any] = {}
        self._files: dict[str, FileEntry] = {}
        # A Computer, or its label (deserialised) or pk (loaded), resolved on first use.
        self._computer: Computer | str | int | None = computer
        self._user: User | str | None = user
        self._pending_links: list[tuple[Node, LinkType, str]] = []

    # -- identity ---------------------------------------------------------------------------

    @property
    def uuid(self) -> str:
        return self._uuid

    @property
    def ctime(self) -> datetime:
        return self._ctime

    @property
    def mtime(self) -> datetime:
        return self._mtime

    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, value: str) -> None:
        self._set_column("label", value)

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._set_column("description", value)

    def _set_column(self, name: str, value: str) -> None:
        """Change a plain column (label, description): kept in memory, and saved when stored."""
        self._check_mutable(name)
        setattr(self, f"_{name}", value)
        if self.is_stored:
            self._persist(**{name: value})

    @property
    def computer(self) -> Computer | None:
        if isinstance(self._computer, (str, int)):
            self._computer = Computer.load(self._computer, self.store_backend)
        return self._computer

    @property
    def user(self) -> User:
        if self._user is None:
            return User.default(self.store_backend)
        if isinstance(self._user, str):
            self._user = User.by_email(self._user, self.store_backend)
        return self._user

    # -- mutability -------------------------------------------------------------------------

    @property
    def is_mutable(self) -> bool:
        """Whether attributes and files may still change: unstored nodes only, for data."""
        return not self.is_stored

    def _check_mutable(self, what: str) -> None:
        if not self.is_mutable:
            raise ModificationNotAllowed(
                f"cannot change the {what} of stored node {self.pk}: stored nodes are immutable except extras"
            )

    def _persist(self, **values: Any) -> None:
        """Write changed columns of a stored node, with a new mtime."""
        self._mtime = datetime.now(UTC)
        with self.store_backend.transaction() as session:
            session.connection().execute(_UPDATE_NODE, {"node_pk": self.pk, "mtime": self._mtime, **values})
            # A row this session loaded earlier reloads on next use, as after an ORM update.
            loaded = session.identity_map.get(identity_key(NodeRow, self.pk))
            if loaded is not None:
                session.expire(loaded)

    # -- attributes and extras --------------------------------------------------------------

    @property
    def attributes(self) -> dict[str, Any]:
        return copy.deepcopy(self._attributes)

    def get_attribute(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self._attributes.get(key, default))

    def set_attribute(self, key: str, value: Any) -> None:
        self.set_attribute_many({key: value})

    def set_attribute_many(self, values: dict[str, Any]) -> None:
        self._check_mutable("attributes")
        self._attributes.update(copy.deepcopy(values))
        if self.is_stored:
            self._persist(attributes=self._attributes, **self._mirrored_columns())

    def _mirrored_columns(self) -> dict[str, Any]:
        """Columns that copy an attribute so that queries can use an index."""
        return {}

    @property
    def extras(self) -> dict[str, Any]:
        return copy.deepcopy(self._extras)

    def get_extra(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self._extras.get(key, default))

    def set_extra(self, key: str, value: Any) -> None:
        self.set_extra_many({key: value})

    def set_extra_many(self, values: dict[str, Any]) -> None:
        self._extras.update(copy.deepcopy(values))
        if self.is_stored:
            self._persist(extras=self._extras)

    def delete_extra(self, key: str) -> None:
        if key not in self._extras:
            raise NotExistent(f"node {self.pk} has no extra '{key}'")
        del self._extras[key]
        if self.is_stored:
            self._persist(extras=self._extras)

    @staticmethod
    def from_row(row: NodeRow, store: Store) -> Node:
        return node_from_row(row, store)

    # -- storing ----------------------------------------------------------------------------

    def _validate_before_store(self) -> None:
        """Subclasses check their own rules here (required attributes, a computer, ...)."""
        if self.Attributes is not None:
            validate_model(self.Attributes, self._attributes, f"{type(self).__name__} attributes")

    def store(self) -> Self:
        """Store the node, its files' references and its queued incoming links, in one transaction."""
        if self.is_stored:
            return self
        self._validate_before_store()
        store = self.store_backend
        with store.transaction() as session:
            connection = session.connection()
            links = self._checked_links(connection, self._pending_links)
            values = {
                "uuid": self._uuid,
                "node_type": self.node_type,
                "process_type": self.process_type,
                "label": self._label,
                "description": self._description,
                "ctime": self._ctime,
                "mtime": self._mtime,
                "attributes": self._attributes,
                "extras": self._extras,
                "repository_metadata": self._files_json(),
                "computer_id": self._computer_id(session),
                "user_id": self._user_id(session, store),
                **self._mirrored_columns(),
            }
            # A Core insert on the session's connection: the ORM's unit of work costs more than the write.
            try:
                result = connection.execute(_INSERT_NODE, values)
            except IntegrityError:
                raise ValidationError(f"a node with uuid {self._uuid} is stored already") from None
            pk = self._pk = result.inserted_primary_key[0]
            try:
                self._insert_links(connection, links)
            except BaseException:
                self._pk = None
                raise
        self._mark_stored(pk, store)
        self._pending_links = []
        return self

    def _computer_id(self, session: Session) -> int | None:
        if self._computer is None:
            return None
        if isinstance(self._computer, int):
            return self._computer
        if isinstance(self._computer, Computer) and self._computer.is_stored:
            return self._computer.pk
        label = self._computer if isinstance(self._computer, str) else self._computer.label
        computer_id = session.scalar(select(ComputerRow.id).where(ComputerRow.label == label))
        if computer_id is None:
            raise NotExistent(f"no computer '{label}'; store it first or see 'provtop computer list'")
        return computer_id

    def _user_id(self, session: Session, store: Store) -> int:
        if self._user is None:
            return store.default_user_id
        if isinstance(self._user, User) and self._user.is_stored:
            return self._user.pk  # type: ignore[return-value]
        email = self._user if isinstance(self._user, str) else self._user.email
        user_id = session.scalar(select(UserRow.id).where(UserRow.email == email))
        if user_id is None:
            raise NotExistent(f"no user '{email}'")
        return user_id

    # -- serialisation ----------------------------------------------------------------------

    def to_model(self, *, content: bool = True) -> NodeModel:
        computer = self._computer if isinstance(self._computer, str) else getattr(self.computer, "label", None)
        user = self._user if isinstance(self._user, str) or self._user is None else self._user.email
        if user is None and self.is_stored:
            user = self.user.email
        files = None
        if content:
            files = {path: base64.b64encode(self.get_object_content(path)).decode() for path in sorted(self._files)}
        return self.Model.model_validate(
            {
                "pk": self.pk,
                "uuid": self._uuid,
                "node_type": self.node_type,
                "process_type": self.process_type,
                "label": self._label,
                "description": self._description,
                "ctime": self._ctime,
                "mtime": self._mtime,
                "attributes": self._attributes,
                "extras": self._extras,
                "computer": computer,
                "user": user,
                "repository_metadata": self._files_json(),
                "repository_content": files,
            }
        )

    def serialize(self, *, schema: Literal["write", "read"] = "write", content: bool = True) -> dict[str, Any]:
        exclude = {"pk"} if schema == "write" else set()
        # exclude_unset keeps the attributes exactly as they are (no typed defaults added).
        return self.to_model(content=content).model_dump(mode="json", exclude=exclude, exclude_unset=True)

    @classmethod
    def _from_model(cls, model: NodeModel) -> Self:
        node_class = Node._registry.get(model.node_type, cls)
        if not issubclass(node_class, cls):
            raise ValidationError(f"node_type '{model.node_type}' is not a {cls.__name__}")
        node = node_class.__new__(node_class)
        Node.__init__(node, label=model.label, description=model.description)
        node._uuid = model.uuid
        node._ctime = model.ctime
        node._mtime = model.mtime
        node.process_type = model.process_type
        # Files first: the attributes may seal a process node, and a sealed node takes no files.
        content = model.repository_content or {}
        for path, entry in model.repository_metadata.items():
            if path in content:
                try:
                    raw = base64.b64decode(content[path], validate=True)
                except ValueError:
                    raise ValidationError(f"the content of '{path}' is not base64") from None
                node.put_object_from_bytes(raw, path)
                if node._files[path] != entry:
                    raise ValidationError(f"the content of '{path}' does not match its sha256 and size")
            else:
                node._files[path] = entry
        attributes = model.attributes
        node._attributes = (
            attributes.model_dump(mode="json", exclude_unset=True) if isinstance(attributes, BaseModel) else attributes
        )
        node._extras = dict(model.extras)
        node._computer = model.computer
        node._user = model.user
        return node


def node_from_row(row: NodeRow, store: Store) -> Node:
    """Build the node of the right class from its row."""
    node_class = Node._registry.get(row.node_type, Node)
    node = node_class.__new__(node_class)
    Node.__init__(node, label=row.label, description=row.description)
    node._uuid = row.uuid
    node._ctime = row.ctime
    node._mtime = row.mtime
    node.process_type = row.process_type
    node._attributes = row.attributes
    node._extras = row.extras
    node._files = {path: FileEntry(**entry) for path, entry in row.repository_metadata.items()}
    node._computer = row.computer_id
    node._user = None if row.user_id == store.default_user_id else User.load(row.user_id, store)
    node._mark_stored(row.id, store)
    return node
