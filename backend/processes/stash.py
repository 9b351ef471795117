"""StashCalculation: stash the folder of a finished calc job after the fact, with provenance.

    submit(StashCalculation, source_node=remote_folder,
           metadata={"options": {"stash": {"stash_mode": "tar.gz", "target_base": "/scratch/keep"}}})

It runs on the source's computer and submits no scheduler job: the engine creates its working
folder, stashes the source folder (named by the source's uuid) and records RemoteData -> this
calculation -> `remote_stash`. A failed stash ends it with exit status 160 and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ..entities import CalcJobNode, FolderData, LinkType, RemoteData, RemoteStashData
from ..errors import InputError
from .calcjob import CalcJob, JobSpec, StashSource
from .spec import ExitCode, Port, ProcessInputs, ProcessSpec

ERROR_STASHING_FAILED = ExitCode(160, "stashing failed")


def check_source(source: RemoteData) -> None:
    """The source must be the folder of a calc job that finished (else its files may still change)."""
    creators = [t.node for t in source.get_incoming(LinkType.CREATE)]
    for creator in creators:
        if isinstance(creator, CalcJobNode) and not creator.is_terminated:
            raise InputError(f"RemoteData {source.pk} belongs to calc job {creator.pk}, which is still "
                             f"{creator.process_state}: stash it once it has finished")


class StashCalculation(CalcJob):
    spec: ClassVar[ProcessSpec] = ProcessSpec(
        inputs=[Port("source_node", (RemoteData,), help="The folder to stash, e.g. a calc job's remote_folder.")],
        outputs=[Port("remote_stash", (RemoteStashData,), required=False)],
    )

    def prepare(self, folder: Path, inputs: ProcessInputs) -> JobSpec:
        source: RemoteData = inputs.source_node
        if not (self.node.get_attribute("options") or {}).get("stash"):
            raise InputError("a StashCalculation needs metadata.options.stash (stash_mode, target_base, source_list)")
        return JobSpec(command="true", skip_submit=True,
                       stash_source=StashSource(path=source.remote_path, uuid=source.uuid))

    def parse(self, retrieved: FolderData) -> ExitCode | None:
        error = self.node.get_attribute("stash_error")
        if error:
            return ExitCode(ERROR_STASHING_FAILED.status, error)
        return None
