"""Calc jobs on the direct scheduler through the local transport, end to end, with provenance."""

from __future__ import annotations

import tarfile
from pathlib import Path

from provtop.backend.engine.engine import Engine
from provtop.backend.entities import (
    CalcJobNode,
    Computer,
    FolderData,
    Int,
    LinkType,
    RemoteData,
    RemoteStashFolderData,
    SinglefileData,
)
from provtop.backend.processes import ShellJob, submit
from provtop.backend.store.store import Store

from .processes_for_tests import AddJob, make_file


def links(node: CalcJobNode, link_type: LinkType) -> dict[str, object]:
    getter = node.get_incoming if link_type is LinkType.INPUT_CALC else node.get_outgoing
    return {t.label: t.node for t in getter(link_type)}


async def test_shelljob_runs_a_command_and_returns_stdout_stderr_and_files(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(
        ShellJob,
        command="sort data.txt | uniq -c > counts.txt; echo done; echo careful >&2",
        nodes={"data": make_file(b"b\na\nb\n", "data.txt")},
        outputs=["counts.txt"],
        metadata={"computer": "localhost"},
    )
    done = await engine.wait_terminated(node.pk)
    assert done.is_finished_ok, done.attributes
    outputs = links(done, LinkType.CREATE)
    assert outputs["stdout"].get_content() == b"done\n"
    assert outputs["stderr"].get_content() == b"careful\n"
    assert outputs["counts_txt"].get_content().split() == [b"1", b"a", b"2", b"b"]
    assert isinstance(outputs["remote_folder"], RemoteData)
    assert isinstance(outputs["retrieved"], FolderData)
    assert set(links(done, LinkType.INPUT_CALC)) == {"command", "nodes__data", "outputs"}


async def test_calcjob_subclass_goes_through_every_step_and_records_provenance(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(AddJob, x=Int(2), y=Int(40), metadata={"computer": "localhost", "label": "answer"})
    done = await engine.wait_terminated(node.pk)
    assert done.is_finished_ok, done.attributes
    assert links(done, LinkType.CREATE)["sum"].value == 42
    assert {"x", "y"} == set(links(done, LinkType.INPUT_CALC))
    attributes = done.attributes
    assert attributes["job_id"].isdigit()
    assert attributes["scheduler_state"] == "done"
    assert attributes["remote_workdir"].startswith(localhost.workdir)
    assert attributes["sealed"] is True
    assert "_provtop_submit.sh" in done.list_files() and "input.txt" in done.list_files()


async def test_failing_command_finishes_with_exit_status_400_and_keeps_outputs(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(ShellJob, command="echo partial; exit 7", metadata={"computer": "localhost"})
    done = await engine.wait_terminated(node.pk)
    assert done.process_state.value == "finished"
    assert done.exit_status == 400
    assert "7" in done.get_attribute("exit_message")
    assert links(done, LinkType.CREATE)["stdout"].get_content() == b"partial\n"


async def test_arguments_are_quoted_and_name_input_files(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(
        ShellJob, command="cat", arguments=["{data}"], nodes={"data": make_file(b"it's here\n", "my file.txt")},
        metadata={"computer": "localhost"},
    )
    done = await engine.wait_terminated(node.pk)
    assert links(done, LinkType.CREATE)["stdout"].get_content() == b"it's here\n"


async def test_submitted_process_waits_in_the_store_until_an_engine_takes_it(store: Store, localhost: Computer) -> None:
    node = submit(ShellJob, command="echo later", metadata={"computer": "localhost"})
    assert node.process_state.value == "created"
    async with Engine(store, claim_interval=0.1) as engine:
        done = await engine.wait_terminated(node.pk)
    assert isinstance(links(done, LinkType.CREATE)["stdout"], SinglefileData)
    assert done.is_finished_ok


async def test_stash_copies_the_chosen_files_and_records_a_remote_stash(engine: Engine, localhost: Computer,
                                                                       tmp_path: Path) -> None:
    options = {"stash": {"stash_mode": "copy", "target_base": str(tmp_path / "stash"), "source_list": ["*.dat"]}}
    node = await engine.submit(ShellJob, command="echo 1 > a.dat; echo 2 > b.dat; echo 3 > c.txt",
                               metadata={"computer": "localhost", "options": options})
    done = await engine.wait_terminated(node.pk)
    assert done.is_finished_ok, done.attributes
    stash = links(done, LinkType.CREATE)["remote_stash"]
    assert isinstance(stash, RemoteStashFolderData)
    assert sorted(p.name for p in Path(stash.target_basepath).iterdir()) == ["a.dat", "b.dat"]


async def test_archive_stash_holds_the_chosen_files(engine: Engine, localhost: Computer, tmp_path: Path) -> None:
    options = {"stash": {"stash_mode": "tar.gz", "target_base": str(tmp_path / "stash"), "source_list": ["out*"]}}
    node = await engine.submit(ShellJob, command="echo 1 > out1; echo 2 > other",
                               metadata={"computer": "localhost", "options": options})
    done = await engine.wait_terminated(node.pk)
    stash = links(done, LinkType.CREATE)["remote_stash"]
    with tarfile.open(stash.target_basepath) as archive:
        assert archive.getnames() == ["out1"]
