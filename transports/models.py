"""Values a transport returns: the same pydantic models whatever the transport."""

from __future__ import annotations

import stat as statmod

from pydantic import BaseModel, ConfigDict


class FileStat(BaseModel):
    """What `stat` says about a path; `mode` holds the file type bits as well as the permissions."""

    model_config = ConfigDict(frozen=True)

    size: int
    mode: int
    uid: int
    gid: int
    atime: float
    mtime: float

    @property
    def is_dir(self) -> bool:
        return statmod.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return statmod.S_ISREG(self.mode)

    @property
    def is_symlink(self) -> bool:
        return statmod.S_ISLNK(self.mode)

    @property
    def permissions(self) -> int:
        return statmod.S_IMODE(self.mode)


class DirEntry(BaseModel):
    """One entry of a directory listing with its lstat, so a symlink shows as a symlink."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: str
    stat: FileStat


class ExecResult(BaseModel):
    """A finished command: exit code and its output decoded as UTF-8 (undecodable bytes replaced)."""

    model_config = ConfigDict(frozen=True)

    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0
