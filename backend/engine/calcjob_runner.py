"""The calc job lifecycle: upload, submit, poll, stash (when asked), retrieve, parse.

Each step saves the next one before it starts, and each step can run twice without harm: upload
overwrites, submit goes through the scheduler's exactly-once guard, retrieve and parse start from
files. So a crash at any moment loses at most the step that was running.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import posixpath
import shlex
import shutil
import tempfile
from contextlib import aclosing
from pathlib import Path
from typing import Any

from provtop.transports import AlreadyExists, NotFound, PermissionDenied, Transport
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import (
    CalcJobNode,
    Computer,
    FolderData,
    InstalledCode,
    LinkType,
    ProcessState,
    RemoteData,
    RemoteStashCompressedData,
    RemoteStashFolderData,
    load_node,
)
from ..processes.calcjob import (
    EXIT_STATUS_FILE,
    SCHEDULER_EXIT_CODES,
    SUBMIT_SCRIPT,
    CalcJob,
    CalcJobOptions,
    JobSpec,
)
from ..processes.launch import resolve_process
from ..processes.shelljob import copy_out
from ..processes.spec import ERROR_MISSING_OUTPUT, ERROR_NO_RETRIEVED_FOLDER, ExitCode, ProcessInputs
from ..schedulers import JobFailure, JobInfo, JobState, JobTemplate, Scheduler, SubmitRejected, scheduler_for
from ..schedulers.base import STDERR_NAME, STDOUT_NAME
from ..store.schema import RemoteJobRow
from .backoff import with_backoff
from .errors import StashFailed, TransportTaskFailed
from .fan_out import fan_out
from .leases import utcnow
from .runner import ProcessRunner
from .stashing import stash_files
from .submit_batcher import Submitted

STEPS = ("upload", "submit", "update", "stash", "retrieve", "parse")
CALC_STATES = {"upload": "uploading", "submit": "submitting", "update": "withscheduler", "stash": "stashing",
               "retrieve": "retrieving", "parse": "parsing"}


def remote_workdir(computer: Computer, uuid: str) -> str:
    return posixpath.join(computer.workdir, uuid[:2], uuid[2:4], uuid[4:])


def job_script_body(spec: JobSpec, options: CalcJobOptions, code: InstalledCode | None) -> str:
    lines: list[str] = []
    for name, value in options.environment.items():
        lines.append(f"export {name}={shlex.quote(value)}")
    if code is not None and code.get_attribute("prepend_text"):
        lines.append(code.get_attribute("prepend_text"))
    if options.prepend_text:
        lines.append(options.prepend_text)
    if isinstance(spec.command, list):
        argv = [code.filepath_executable, *spec.command] if code is not None else spec.command
        command = " ".join(shlex.quote(arg) for arg in argv)
    else:
        command = f"( {spec.command}\n)"
    for operator, name in (("<", spec.stdin_name), (">", spec.stdout_name), ("2>", spec.stderr_name)):
        if name:
            command += f" {operator} {shlex.quote(name)}"
    lines.append(command)
    lines.append(f"echo $? > {EXIT_STATUS_FILE}")
    if code is not None and code.get_attribute("append_text"):
        lines.append(code.get_attribute("append_text"))
    if options.append_text:
        lines.append(options.append_text)
    return "\n".join(lines)


def _scheduler_attributes(info: JobInfo) -> dict[str, Any]:
    return {"scheduler_state": info.state.value, "scheduler_raw_state": info.raw_state,
            "scheduler_pending_reason": info.reason}


class CalcJobRunner(ProcessRunner):
    node: CalcJobNode

    async def run_process(self) -> None:
        io = self.engine.io
        self.process_class: type[CalcJob] = resolve_process(self.node.process_type or "")
        flat, computer = await io.read(self._load_inputs_and_computer)
        self.computer: Computer = computer
        self.inputs = ProcessInputs(flat, self.process_class.spec)
        self.options = CalcJobOptions.model_validate(self.node.get_attribute("options") or {})
        self.scheduler: Scheduler = scheduler_for(computer.scheduler_type, computer.scheduler_settings)
        self.workdir = self.checkpoint.data.get("remote_workdir") or remote_workdir(computer, self.node.uuid)
        self.submitted_at: float | None = None  # loop time the job was sent to the scheduler, if this engine sent it
        step = "upload" if self.checkpoint.step == "start" else self.checkpoint.step
        if not self.node.get_attribute("paused"):  # a paused process keeps the reason in its status
            await self.save(attributes=self.step_attributes(step))
        while True:
            await self.pause_point()
            next_step = await getattr(self, f"_{step}")()
            if next_step is None:
                return
            step = next_step

    def step_attributes(self, step: str) -> dict[str, Any]:
        if step == "update":
            status = f"Monitoring scheduler: job {self.checkpoint.data.get('job_id')}"
        elif step == "parse":
            status = "Parsing the retrieved files"
        else:
            status = f"Waiting for transport task: {step}"
        state = ProcessState.RUNNING if step == "parse" else ProcessState.WAITING
        return {"process_state": state.value, "process_status": status, "calc_job_state": CALC_STATES[step]}

    def _load_inputs_and_computer(self) -> tuple[dict[str, Any], Computer]:
        flat = {t.label: t.node for t in self.node.get_incoming(LinkType.INPUT_CALC)}
        computer = self.node.computer
        if computer is None:
            raise ValueError(f"calc job {self.pk} has no computer")
        return flat, computer

    # -- upload -------------------------------------------------------------------------------

    async def _upload(self) -> str:
        sandbox = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="provtop-upload-"))
        try:
            spec, prepared = await asyncio.to_thread(self._prepare, sandbox)

            async def upload() -> None:
                async with self.engine.transports.use(self.computer) as transport:
                    await transport.mkdir(self.workdir, parents=True)
                    # Into the directory: a second upload (after a crash) merges, it does not nest.
                    await fan_out(sorted(os.listdir(sandbox)), lambda entry: transport.put(sandbox / entry, self.workdir))
                    for copy in spec.remote_copy_list:
                        await transport.copy(copy.source, posixpath.join(self.workdir, copy.target))
                    for link in spec.remote_symlink_list:
                        target = posixpath.join(self.workdir, link.target)
                        if not await transport.exists(target):
                            await transport.symlink(link.source, target)

            await self.transport_step("upload", upload)
            node = self.node

            def record(session: Session) -> None:
                # The step moves on in this same transaction: while it is `upload`, there is no remote_folder yet.
                for relpath in prepared:
                    node.put_object_from_file(sandbox / relpath, relpath)
                remote = RemoteData(remote_path=self.workdir, computer=self.computer)
                remote.add_incoming(node, LinkType.CREATE, "remote_folder")
                remote.store()

            next_step = "stash" if spec.skip_submit and (spec.stash or self.options.stash) else \
                "retrieve" if spec.skip_submit else "submit"
            await self.save(next_step, data={"remote_workdir": self.workdir, "job": spec.model_dump(mode="json")},
                            attributes={"remote_workdir": self.workdir,
                                        "retrieve_list": spec.retrieve_list}, also=record)
        finally:
            await asyncio.to_thread(shutil.rmtree, sandbox, True)
        return next_step

    def _prepare(self, sandbox: Path) -> tuple[JobSpec, list[str]]:
        """Run the user's prepare, write the job script; copy local files. Returns the files to keep."""
        calc = self.process_class(self.node, self.inputs)
        spec = calc.prepare(sandbox, self.inputs)
        code = self.inputs.get("code") if isinstance(self.inputs.get("code"), InstalledCode) else None
        template = JobTemplate(
            job_name=f"provtop-{self.pk}",
            body=job_script_body(spec, self.options, code),
            resources=self.options.resources,
        )
        (sandbox / SUBMIT_SCRIPT).write_text(self.scheduler.script(template))
        prepared = sorted(str(p.relative_to(sandbox)) for p in sandbox.rglob("*") if p.is_file())
        for copy in spec.local_copy_list:
            source = load_node(copy.node_uuid, self.engine.store)
            for relpath in source.list_files():
                if copy.source and relpath != copy.source and not relpath.startswith(copy.source.rstrip("/") + "/"):
                    continue
                inner = relpath[len(copy.source):].lstrip("/") if copy.source else relpath
                copy_out(source, relpath, sandbox / copy.target / inner if inner else sandbox / copy.target)
        return spec, prepared

    # -- submit -------------------------------------------------------------------------------

    async def _submit(self) -> str:
        async def submit() -> Submitted:
            return await self.engine.submitter.submit(self.computer, self.scheduler, self.workdir, SUBMIT_SCRIPT)

        try:
            job_id, self.submitted_at = await self.transport_step("submit", submit)
        except SubmitRejected as exc:
            raise SubmitRejected(f"{exc} (the job script is {self.workdir}/{SUBMIT_SCRIPT})") from None

        def record(session: Session) -> None:
            exists = session.scalar(select(RemoteJobRow.id).where(RemoteJobRow.computer_id == self.computer.pk,
                                                                  RemoteJobRow.job_id == job_id))
            if exists is None:
                session.add(RemoteJobRow(node_id=self.pk, computer_id=self.computer.pk, job_id=job_id,
                                         workdir=self.workdir, state="queued", submitted=utcnow()))

        await self.save("update", data={"job_id": job_id}, also=record,
                        attributes={"job_id": job_id, "scheduler_state": JobState.QUEUED.value})
        return "update"

    # -- update -------------------------------------------------------------------------------

    async def _update(self) -> str:
        job_id = self.checkpoint.data["job_id"]
        while True:
            try:
                done = await self._watch_until_done(job_id)
                break
            except TransportTaskFailed as exc:
                await self.pause(f"Pausing after failed transport task: {exc}")
        failure = done.failure.value if done.failure is not None else None  # why the scheduler ended it, if it did

        def record(session: Session) -> None:
            row = session.scalar(select(RemoteJobRow).where(RemoteJobRow.computer_id == self.computer.pk,
                                                            RemoteJobRow.job_id == job_id))
            if row is not None:
                row.state, row.finished = "done", utcnow()

        next_step = "stash" if (self.options.stash or self._job_spec().stash) else "retrieve"
        # What the scheduler said last goes with the next step, in one write.
        await self.save(next_step, data={"scheduler_failure": failure}, also=record,
                        attributes={**_scheduler_attributes(done), **({"scheduler_failure": failure} if failure else {})})
        return next_step

    async def _watch_until_done(self, job_id: str) -> JobInfo:
        """Show each new scheduler state in the status until the job is done; return the scheduler's last answer."""
        last: tuple[str, str | None] | None = None
        watch = self.engine.poller.watch(self.computer, self.scheduler, job_id, submitted_at=self.submitted_at)
        async with aclosing(watch) as answers:
            async for info in answers:
                if info.state is JobState.DONE:
                    return info
                if (info.state.value, info.reason) != last:
                    last = (info.state.value, info.reason)
                    reason = f" ({info.reason})" if info.reason and info.state is not JobState.RUNNING else ""
                    await self.set_status(f"Monitoring scheduler: job state {info.state.value.upper()}{reason}",
                                          **_scheduler_attributes(info))
                await self.pause_point()
        raise AssertionError("the poller's watch ended without an answer")

    def _job_spec(self) -> JobSpec:
        return JobSpec.model_validate(self.checkpoint.data["job"])

    # -- stash --------------------------------------------------------------------------------

    async def _stash(self) -> str:
        """Copy or archive files next to the job; a failure is reported (log, status, `stash_error`), the job goes on."""
        spec = self._job_spec()
        stash = spec.stash or self.options.stash
        assert stash is not None
        source_dir = spec.stash_source.path if spec.stash_source else self.workdir
        uuid = spec.stash_source.uuid if spec.stash_source else self.node.uuid
        target = posixpath.join(stash.target_base, uuid[:2], uuid[2:4], uuid[4:])
        if stash.stash_mode != "copy":
            target = f"{target}.{stash.stash_mode}"

        async def run_stash() -> None:
            try:
                async with self.engine.transports.use(self.computer) as transport:
                    await stash_files(transport, stash, source_dir, target)
            except (PermissionDenied, NotFound, AlreadyExists) as exc:
                raise StashFailed(str(exc)) from exc

        try:
            await with_backoff("stash", run_stash, self.engine.retry_policy())
        except Exception as exc:  # noqa: BLE001 - whatever failed, the job goes on to retrieve and parse
            message = f"stashing failed ({stash.stash_mode} of {', '.join(stash.source_list)} to {target}): {exc}"
            await self.engine.report(self.node, message, "WARNING")
            await self.save("retrieve", attributes={"stash_error": message,
                                                    "process_status": f"{message}; retrieving the results"})
            return "retrieve"
        node = self.node
        kind = RemoteStashFolderData if stash.stash_mode == "copy" else RemoteStashCompressedData

        def record(session: Session) -> None:
            stashed = kind(stash_mode=stash.stash_mode, target_basepath=target, source_list=stash.source_list,
                           dereference=stash.dereference, computer=self.computer)
            stashed.add_incoming(node, LinkType.CREATE, "remote_stash")
            stashed.store()

        await self.save("retrieve", also=record)
        return "retrieve"

    # -- retrieve -----------------------------------------------------------------------------

    async def _retrieve(self) -> str:
        local = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="provtop-retrieve-"))
        patterns = [*self._job_spec().retrieve_list, STDOUT_NAME, STDERR_NAME, EXIT_STATUS_FILE]
        try:
            async def retrieve() -> None:
                async with self.engine.transports.use(self.computer) as transport:
                    sources = await self._retrieved_sources(transport, patterns, local)
                    await fan_out(sources, lambda source: self._get(transport, *source))

            await self.transport_step("retrieve", retrieve)
            node = self.node

            retrieved = await asyncio.to_thread(FolderData, tree=local)  # hashes and copies into the repository

            def record(session: Session) -> None:
                retrieved.add_incoming(node, LinkType.CREATE, "retrieved")
                retrieved.store()
                self.checkpoint.data["retrieved"] = retrieved.pk

            await self.save("parse", also=record)
        finally:
            await asyncio.to_thread(shutil.rmtree, local, True)
        return "parse"

    async def _retrieved_sources(self, transport: Transport, patterns: list[str], local: Path) -> list[tuple[str, Path]]:
        """(remote path, local target) of every file the patterns match, each once; local folders made for them."""
        listing = await transport.listdir(self.workdir)  # one listing serves every top-level pattern
        sources: list[tuple[str, Path]] = []
        for pattern in dict.fromkeys(patterns):
            if "/" in pattern:
                matches = await transport.glob(posixpath.join(self.workdir, pattern))
                sources += [(match, local / posixpath.relpath(match, self.workdir)) for match in matches]
            else:
                sources += [(posixpath.join(self.workdir, n), local / n) for n in listing if fnmatch.fnmatchcase(n, pattern)]
        folders = {target.parent for _, target in sources} - {local}
        if folders:
            await asyncio.to_thread(lambda: [folder.mkdir(parents=True, exist_ok=True) for folder in folders])
        return list(dict.fromkeys(sources))

    @staticmethod
    async def _get(transport: Transport, remote: str, target: Path) -> None:
        try:
            await transport.get(remote, target)
        except NotFound:
            pass  # gone since it was listed: as if it had not matched

    # -- parse --------------------------------------------------------------------------------

    async def _parse(self) -> None:
        retrieved_pk = self.checkpoint.data.get("retrieved")
        retrieved = None
        if retrieved_pk is not None:
            retrieved = await self.engine.io.read(lambda: load_node(retrieved_pk, self.engine.store))
        if not isinstance(retrieved, FolderData):
            await self.terminate(ProcessState.FINISHED, ERROR_NO_RETRIEVED_FOLDER)
            return None
        calc = self.process_class(self.node, self.inputs)
        calc.command_exit_status = CalcJob.read_exit_status(retrieved)
        failure = self.checkpoint.data.get("scheduler_failure")
        calc.scheduler_exit_code = SCHEDULER_EXIT_CODES.get(JobFailure(failure)) if failure else None
        result = await asyncio.to_thread(calc.parse, retrieved)
        outputs = calc.collected_outputs()
        exit_code = calc.scheduler_exit_code or ExitCode()
        if isinstance(result, ExitCode):
            exit_code = result
        elif isinstance(result, dict):
            outputs.update(result)
        elif result is not None:
            raise TypeError(f"{self.process_class.__name__}.parse returned {type(result).__name__}; "
                            "return a dict of outputs, an ExitCode or None")
        if exit_code.status == 0:
            missing = [p.name for p in self.process_class.spec.outputs
                       if p.required and not p.dynamic and p.name not in outputs]
            if missing:
                exit_code = ExitCode(ERROR_MISSING_OUTPUT.status, f"{ERROR_MISSING_OUTPUT.message} ({', '.join(missing)})")
        await self.terminate(ProcessState.FINISHED, exit_code, outputs,
                             attributes={"command_exit_status": calc.command_exit_status})
        return None
