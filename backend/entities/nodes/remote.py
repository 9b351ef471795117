"""Data that lives on a computer rather than in the store: remote folders and their stashes."""

from __future__ import annotations

import posixpath
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from ... import event_loop
from ...errors import InputError, NotExistent, ValidationError
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

    async def aget_size_on_disk(self, relpath: str | None = None, method: str = "du") -> int:
        """Bytes used by the folder (or `relpath` inside it) on its computer.

        `du` counts blocks on disk; `stat` sums apparent sizes (and is the fallback when du fails).
        """
        from ...computer_transport import computer_transport

        if method not in ("du", "stat"):
            raise InputError(f"unknown size method '{method}'; use 'du' or 'stat'")
        computer = self.computer
        if computer is None:
            raise ValidationError("this RemoteData has no computer")
        path = posixpath.join(self.remote_path, relpath) if relpath else self.remote_path
        async with computer_transport(computer) as transport:
            if not await transport.exists(path):
                raise NotExistent(f"the remote path {path} does not exist on computer '{computer.label}'")
            return await transport.get_size_on_disk(path, method=method)

    def get_size_on_disk(self, relpath: str | None = None, method: str = "du") -> int:
        """Blocking form of `aget_size_on_disk`, for scripts outside an event loop."""
        return event_loop.run(self.aget_size_on_disk(relpath, method))

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
