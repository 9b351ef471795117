"""Data nodes made of files: one file (SinglefileData) or a tree (FolderData)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from ...errors import ValidationError
from .data import Data


class SinglefileAttributes(BaseModel):
    model_config = ConfigDict(extra="allow")

    filename: str


class SinglefileData(Data):
    node_type: ClassVar[str] = "data.core.singlefile.SinglefileData."
    Attributes = SinglefileAttributes
    DEFAULT_FILENAME = "file.txt"

    def __init__(self, file: str | Path | BinaryIO | None = None, filename: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if file is None:
            return
        if isinstance(file, (str, Path)):
            path = Path(file)
            name = filename or path.name
            self.put_object_from_file(path, name)
        else:
            name = filename or self.DEFAULT_FILENAME
            self.put_object_from_stream(file, name)
        self._attributes["filename"] = name

    @classmethod
    def from_bytes(cls, content: bytes, filename: str | None = None, **kwargs: Any) -> Self:
        return cls(io.BytesIO(content), filename=filename or cls.DEFAULT_FILENAME, **kwargs)

    @property
    def filename(self) -> str:
        return self._attributes["filename"]

    def get_content(self) -> bytes:
        return self.get_object_content(self.filename)

    def open_file(self) -> BinaryIO:
        return self.open(self.filename)

    def _validate_before_store(self) -> None:
        super()._validate_before_store()
        if list(self.list_files()) != [self.filename]:
            raise ValidationError("a SinglefileData holds exactly its one file")


class FolderData(Data):
    """A tree of files; `tree` copies a directory into it."""

    node_type: ClassVar[str] = "data.core.folder.FolderData."

    def __init__(self, tree: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if tree is not None:
            self.put_object_from_tree(Path(tree))
