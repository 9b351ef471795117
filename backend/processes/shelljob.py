"""ShellJob: run any shell command with given input files, without writing a class.

    submit(ShellJob, command="sort data.txt | uniq -c > counts.txt",
           nodes={"data": SinglefileData.from_bytes(b"b\\na\\nb\\n", "data.txt")}, outputs=["counts.txt"],
           metadata={"computer": "localhost"})

Without `arguments`, `command` is shell text. With `arguments`, `command` is the executable and
each argument is quoted; `{name}` in an argument becomes the file name of node `name` (or its value
for Int, Str, ...). stdout and stderr always come back as outputs; each of `outputs` (globs) comes
back as a SinglefileData (FolderData for a directory) labelled after the file. A non-zero exit of
the command finishes the job with exit status 400, outputs still attached.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import ClassVar

from ..entities import Data, Dict, FolderData, List, SinglefileData, Str
from .calcjob import EXIT_STATUS_FILE, CalcJob, JobSpec
from .spec import ERROR_COMMAND_FAILED, ExitCode, Port, ProcessInputs, ProcessSpec

STDOUT = "stdout"
STDERR = "stderr"


def copy_out(node: Data, relpath: str, path: Path) -> None:
    """Write one file of a node to `path`, streamed (inputs may be large)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with node.open(relpath) as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)


def output_label(filename: str) -> str:
    """A link label for a file name: letters, digits and single underscores."""
    label = re.sub(r"[^A-Za-z0-9]+", "_", filename).strip("_")
    return label if label and not label[0].isdigit() else f"file_{label}"


class ShellJob(CalcJob):
    spec: ClassVar[ProcessSpec] = ProcessSpec(
        inputs=[
            Port("command", (Str,), help="shell text, or the executable when `arguments` are given"),
            Port("arguments", (List,), required=False),
            Port("nodes", (Data,), required=False, dynamic=True),
            Port("filenames", (Dict,), required=False, help="node name -> file name in the working directory"),
            Port("outputs", (List,), required=False, help="file names or globs to bring back"),
        ],
        # Besides stdout and stderr: one output per file matched by `outputs`, labelled after the file.
        outputs=[Port(STDOUT, (SinglefileData,)), Port(STDERR, (SinglefileData,))],
    )

    def _filename(self, name: str, node: Data, filenames: dict[str, str]) -> str:
        if name in filenames:
            return filenames[name]
        if isinstance(node, SinglefileData):
            return node.filename
        return name

    def prepare(self, folder: Path, inputs: ProcessInputs) -> JobSpec:
        filenames = inputs["filenames"].get_dict() if "filenames" in inputs else {}
        substitutions: dict[str, str] = {}
        for name, node in inputs["nodes"].items():
            target = self._filename(name, node, filenames)
            if isinstance(node, SinglefileData):
                copy_out(node, node.filename, folder / target)
            elif isinstance(node, FolderData):
                for relpath in node.list_files():
                    copy_out(node, relpath, folder / target / relpath)
            else:
                substitutions[name] = str(getattr(node, "value", node.attributes))
                continue
            substitutions[name] = target
        command = inputs["command"].value
        retrieve = list(inputs["outputs"].get_list()) if "outputs" in inputs else []
        spec = JobSpec(command=command, stdout_name=STDOUT, stderr_name=STDERR, retrieve_list=[STDOUT, STDERR, *retrieve])
        if "arguments" in inputs:
            arguments = [str(arg).format(**substitutions) for arg in inputs["arguments"].get_list()]
            spec.command = [command, *arguments]
        return spec

    def parse(self, retrieved: FolderData) -> dict[str, Data] | ExitCode | None:
        files = retrieved.list_files()
        for name in (STDOUT, STDERR):
            if name in files:
                with retrieved.open(name) as stream:
                    self.out(name, SinglefileData(stream, filename=name))
            else:
                self.out(name, SinglefileData.from_bytes(b"", filename=name))
        wanted = self.inputs["outputs"].get_list() if "outputs" in self.inputs else []
        tops = sorted({relpath.split("/", 1)[0] for relpath in files} - {STDOUT, STDERR, EXIT_STATUS_FILE})
        for top in tops:
            if top.startswith("_scheduler-") or not any(Path(top).match(pattern) for pattern in wanted):
                continue
            if top in files:  # a file: streamed, never held in memory whole
                with retrieved.open(top) as stream:
                    self.out(output_label(top), SinglefileData(stream, filename=top))
                continue
            folder = FolderData()
            for relpath in files:
                if relpath.startswith(top + "/"):
                    with retrieved.open(relpath) as stream:
                        folder.put_object_from_stream(stream, relpath[len(top) + 1 :])
            self.out(output_label(top), folder)
        if self.command_exit_status != 0 and self.scheduler_exit_code is not None:
            return self.scheduler_exit_code  # says more than "the command failed": out of memory, walltime
        if self.command_exit_status not in (0, None):
            return ExitCode(ERROR_COMMAND_FAILED.status, f"the command exited with status {self.command_exit_status}")
        if self.command_exit_status is None:
            return ExitCode(ERROR_COMMAND_FAILED.status, "the command did not finish (no exit status was recorded)")
        return None
