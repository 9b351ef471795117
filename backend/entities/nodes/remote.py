"""Data that lives on a computer rather than in the store: remote folders and their stashes."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from ...errors import ValidationError
from .data import Data


class RemoteAttributes(BaseModel):
    model_config = ConfigDict(extra="allow")

    remote_path: str


class RemoteData(Data):
    """A folder on a computer, such as a calculation's working directory."""

    node_type: ClassVar[str] = "data.core.remote.RemoteData."
    Attributes = RemoteAttributes

    def __init__(self, remote_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if remote_path is not None:
            self._attributes["remote_path"] = remote_path

    @property
    def remote_path(self) -> str:
        return self._attributes["remote_path"]

    def _validate_before_store(self) -> None:
        super()._validate_before_store()
        if self._computer is None:
            raise ValidationError(f"a {type(self).__name__} needs the computer its folder lives on")


StashMode = Literal["copy", "tar", "tar.gz", "tar.bz2", "tar.xz"]


class StashAttributes(BaseModel):
    model_config = ConfigDict(extra="allow")

    target_basepath: str
    stash_mode: StashMode
    source_list: list[str]
    dereference: bool = False


class RemoteStashData(Data):
    """Files kept on a computer after a calculation, outside its working directory."""

    node_type: ClassVar[str] = "data.core.remote.stash.RemoteStashData."
    Attributes = StashAttributes

    def __init__(
        self,
        stash_mode: str | None = None,
        target_basepath: str | None = None,
        source_list: list[str] | None = None,
        dereference: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if stash_mode is not None:
            self._attributes.update(
                stash_mode=stash_mode,
                target_basepath=target_basepath,
                source_list=list(source_list or []),
                dereference=dereference,
            )

    @property
    def target_basepath(self) -> str:
        return self._attributes["target_basepath"]

    @property
    def stash_mode(self) -> str:
        return self._attributes["stash_mode"]

    @property
    def source_list(self) -> list[str]:
        return list(self._attributes["source_list"])

    def _validate_before_store(self) -> None:
        super()._validate_before_store()
        if self._computer is None:
            raise ValidationError(f"a {type(self).__name__} needs the computer its files live on")


class RemoteStashFolderData(RemoteStashData):
    """A stash made by copying (mode `copy`): `target_basepath` is a folder."""

    node_type: ClassVar[str] = "data.core.remote.stash.folder.RemoteStashFolderData."


class RemoteStashCompressedData(RemoteStashData):
    """A stash made as one archive (tar, tar.gz, tar.bz2, tar.xz): `target_basepath` is the archive."""

    node_type: ClassVar[str] = "data.core.remote.stash.compress.RemoteStashCompressedData."
