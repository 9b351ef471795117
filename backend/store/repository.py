"""Content-addressed file repository: each object is stored once under its sha256.

Objects are streamed in chunks (never a whole file in memory) to a temporary name
and renamed into place, so a crash leaves either no object or a complete one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import NotExistent, StorageError

CHUNK_SIZE = 1 << 20


class FileRepository:
    """Objects live at `objects/<first two hex digits>/<rest of the sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._objects = root / "objects"
        self._staging = root / "staging"

    def ensure(self) -> None:
        try:
            self._objects.mkdir(parents=True, exist_ok=True)
            self._staging.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the file repository at {self.root}: {exc.strerror}; check the directory's permissions"
            ) from None

    def object_path(self, key: str) -> Path:
        return self._objects / key[:2] / key[2:]

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Store what `stream` yields; return its key and size."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self._staging)
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(CHUNK_SIZE):
                    digest.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
            key = digest.hexdigest()
            target = self.object_path(key)
            if target.exists():
                os.unlink(tmp)
            else:
                target.parent.mkdir(exist_ok=True)
                os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key, size

    def put_bytes(self, content: bytes) -> tuple[str, int]:
        key = hashlib.sha256(content).hexdigest()
        target = self.object_path(key)
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=self._staging)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                target.parent.mkdir(exist_ok=True)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return key, len(content)

    def put_file(self, path: Path) -> tuple[str, int]:
        with open(path, "rb") as handle:
            return self.put_stream(handle)

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.object_path(key), "rb")
        except FileNotFoundError:
            raise NotExistent(f"object {key} is missing from the repository at {self.root}") from None

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def copy_to(self, key: str, destination: Path) -> None:
        """Copy an object to a file path without loading it into memory."""
        with self.open(key) as source, open(destination, "wb") as target:
            shutil.copyfileobj(source, target, CHUNK_SIZE)

    def has(self, key: str) -> bool:
        return self.object_path(key).exists()

    def keys(self) -> Iterator[str]:
        if not self._objects.exists():
            return
        for prefix in sorted(self._objects.iterdir()):
            for item in prefix.iterdir():
                yield prefix.name + item.name

    def size_of(self, key: str) -> int:
        return self.object_path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.object_path(key).unlink(missing_ok=True)

    def staging_leftovers(self) -> list[Path]:
        """Temporary files of writes that a crash interrupted."""
        return sorted(self._staging.iterdir()) if self._staging.exists() else []
