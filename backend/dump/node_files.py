"""What a process directory holds: its files by relative path, each with its source.

A file comes either from the repository (copied by key, never loaded) or is generated
(the metadata file). Each has a digest of its content, so an incremental run compares
digests and writes only the files that differ.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ..queries.dump_content import FileSource, ProcessContent
from ..queries.dump_graph import People
from .metadata import METADATA_FILE, MetadataWriter
from .naming import safe_component
from .options import ProcessDumpOptions

NAMESPACE_SEPARATOR = "__"


def generated_file(data: bytes) -> FileSource:
    return {"size": len(data), "data": data}


@functools.lru_cache(maxsize=1 << 14)  # link labels repeat across processes
def _link_path(label: str) -> str:
    """A link label as nested directories: 'pseudos__Si' -> 'pseudos/Si'."""
    return "/".join(safe_component(part) for part in label.split(NAMESPACE_SEPARATOR) if part)


def _sections(content: ProcessContent, options: ProcessDumpOptions) -> Iterable[tuple[str, dict[str, FileSource]]]:
    """(sub-directory, files) pairs in AiiDA's order: inputs, outputs, node_inputs, node_outputs."""
    yield "inputs", content.files
    if content.retrieved is not None:
        yield "outputs", content.retrieved.files
    if options.include_inputs:
        for link in content.inputs:
            yield f"node_inputs/{_link_path(link.label)}", link.files
    if options.include_outputs:
        for link in content.outputs:
            yield f"node_outputs/{_link_path(link.label)}", link.files


class NodeFileBuilder:
    """Every file of each process directory of one dump (sub-process directories excluded)."""

    def __init__(self, options: ProcessDumpOptions, people: People) -> None:
        self.options = options
        self.metadata = MetadataWriter(options, people)

    def files(self, content: ProcessContent) -> dict[str, FileSource]:
        """In flat mode files go straight into the directory; a file whose name is taken already
        (by the metadata file or an earlier input) keeps its sub-directory instead of silently
        overwriting, which AiiDA does.
        """
        files = {METADATA_FILE: generated_file(self.metadata.render(content))}
        if content.info.kind == "workflow":
            return files
        flat = self.options.flat
        for directory, entries in _sections(content, self.options):
            if not flat:
                prefix = directory + "/"
                for relative, source in entries.items():  # a plain loop: no dict built per section
                    files[prefix + relative] = source
                continue
            for relative, source in entries.items():
                files[relative if not _clashes(files, relative) else f"{directory}/{relative}"] = source
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
