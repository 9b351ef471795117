"""What a process directory holds: its files by relative path, each with its source.

A file comes either from the repository (copied by key, never loaded) or is generated
(the metadata file). Each carries a digest of its content, so an incremental run compares
digests and writes only the files that differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..queries.dump_content import FileRef, ProcessContent
from .metadata import METADATA_FILE, render_metadata
from .naming import safe_component
from .options import ProcessDumpOptions

DIGEST_LENGTH = 16
NAMESPACE_SEPARATOR = "__"


@dataclass(frozen=True, slots=True)
class FileSource:
    size: int
    digest: str
    key: str | None = None
    data: bytes | None = None


def repository_file(ref: FileRef) -> FileSource:
    # Repository keys are sha256 of the content, so the digest costs nothing.
    return FileSource(ref.size, ref.key[:DIGEST_LENGTH], key=ref.key)


def generated_file(data: bytes) -> FileSource:
    return FileSource(len(data), hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH], data=data)


def _link_path(label: str) -> str:
    """A link label as nested directories: 'pseudos__Si' -> 'pseudos/Si'."""
    return "/".join(safe_component(part) for part in label.split(NAMESPACE_SEPARATOR) if part)


def _sections(content: ProcessContent, options: ProcessDumpOptions) -> Iterable[tuple[str, dict[str, FileRef]]]:
    """(sub-directory, files) pairs in AiiDA's order: inputs, outputs, node_inputs, node_outputs."""
    yield "inputs", content.files
    retrieved = content.retrieved
    if retrieved is not None:
        yield "outputs", retrieved.files
    if options.include_inputs:
        for link in content.inputs:
            yield f"node_inputs/{_link_path(link.label)}", link.files
    if options.include_outputs:
        for link in content.outputs:
            if link is not retrieved:
                yield f"node_outputs/{_link_path(link.label)}", link.files


def node_files(
    content: ProcessContent,
    kind: str,
    options: ProcessDumpOptions,
    users: dict[int, dict[str, Any]],
    computers: dict[int, dict[str, Any]],
) -> dict[str, FileSource]:
    """Every file of one process directory (its sub-process directories excluded).

    In flat mode files go straight into the directory; a file whose name is taken already
    (by the metadata file or an earlier input) keeps its sub-directory instead of silently
    overwriting, which AiiDA does.
    """
    files = {METADATA_FILE: generated_file(render_metadata(content, options, users, computers))}
    if kind == "workflow":
        return files
    for directory, entries in _sections(content, options):
        for relative, ref in entries.items():
            path = f"{directory}/{relative}"
            if options.flat and not _clashes(files, relative):
                path = relative
            files[path] = repository_file(ref)
    return files


def _clashes(files: dict[str, FileSource], path: str) -> bool:
    """Whether `path` is taken, or is a folder of a taken file, or a taken file is its folder."""
    if path in files:
        return True
    parts = path.split("/")
    if any("/".join(parts[:i]) in files for i in range(1, len(parts))):
        return True
    prefix = f"{path}/"
    return any(taken.startswith(prefix) for taken in files)
