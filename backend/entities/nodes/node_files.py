"""A node's files: stored once in the content-addressed repository, listed by relative path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from ...errors import NotExistent, ValidationError
from .repository_paths import normalise_repository_path

if TYPE_CHECKING:
    from ...store.store import Store


class FileEntry(BaseModel):
    """One file of a node: the repository object holding its bytes, and its size."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="sha256 of the content; the object's name in the repository.")
    size: int = Field(ge=0)


class NodeFiles:
    """The file half of a node; `Node` provides the state and the mutability rules it uses."""

    _files: dict[str, FileEntry]
    pk: int | None
    uuid: str
    is_stored: bool
    store_backend: Store
    _check_mutable: Callable[[str], None]
    _persist: Callable[..., None]

    def put_object_from_stream(self, stream: BinaryIO, path: str) -> None:
        self._check_mutable("files")
        relpath = normalise_repository_path(path)
        key, size = self.store_backend.repository.put_stream(stream)
        self._add_file(relpath, FileEntry(key=key, size=size))

    def put_object_from_bytes(self, content: bytes, path: str) -> None:
        self._check_mutable("files")
        relpath = normalise_repository_path(path)
        key, size = self.store_backend.repository.put_bytes(content)
        self._add_file(relpath, FileEntry(key=key, size=size))

    def put_object_from_file(self, source: Path, path: str) -> None:
        with open(source, "rb") as handle:
            self.put_object_from_stream(handle, path)

    def put_object_from_tree(self, source: Path, path: str = "") -> None:
        """Copy every file under the directory `source` into the node, below `path`."""
        for item in sorted(source.rglob("*")):
            if item.is_file():
                relative = item.relative_to(source).as_posix()
                self.put_object_from_file(item, f"{path}/{relative}" if path else relative)

    def _add_file(self, relpath: str, entry: FileEntry) -> None:
        for existing in self._files:
            if existing.startswith(relpath + "/") or relpath.startswith(existing + "/"):
                raise ValidationError(f"'{relpath}' clashes with '{existing}': a path is either a file or a folder")
        self._files[relpath] = entry
        if self.is_stored:
            self._persist(repository_metadata=self._files_json())

    def _files_json(self) -> dict[str, Any]:
        return {path: entry.model_dump() for path, entry in self._files.items()}

    def list_files(self) -> dict[str, FileEntry]:
        """Every file of the node, by relative path."""
        return dict(self._files)

    def list_object_names(self, path: str = "") -> list[str]:
        """Names directly below `path` (files and folders), like a directory listing."""
        prefix = normalise_repository_path(path) + "/" if path else ""
        names = {rel[len(prefix) :].split("/", 1)[0] for rel in self._files if rel.startswith(prefix)}
        if prefix and not names:
            raise NotExistent(f"node {self.pk} has no folder '{path}'")
        return sorted(names)

    def _file_entry(self, path: str) -> FileEntry:
        relpath = normalise_repository_path(path)
        try:
            return self._files[relpath]
        except KeyError:
            raise NotExistent(f"node {self.pk or self.uuid} has no file '{relpath}'") from None

    def open(self, path: str) -> BinaryIO:
        return self.store_backend.repository.open(self._file_entry(path).key)

    def get_object_content(self, path: str) -> bytes:
        return self.store_backend.repository.get_bytes(self._file_entry(path).key)
