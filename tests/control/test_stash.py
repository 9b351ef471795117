"""Stashing: every mode on the local and ssh transports, failures that are visible, StashCalculation and its CLI."""

from __future__ import annotations

import asyncio
import os
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import (
    Computer,
    LinkType,
    Log,
    RemoteData,
    RemoteStashCompressedData,
    RemoteStashFolderData,
    load_node,
)
from provtop.backend.entities.current import get_store, set_current_store
from provtop.backend.errors import InputError, ValidationError
from provtop.backend.processes import ShellJob
from provtop.backend.service.core import Service
from provtop.backend.store.store import Store
from provtop.tui.cli.main import cli

from tests.fixtures.services import SshServer

MODES = ["copy", "tar", "tar.gz", "tar.bz2", "tar.xz"]
MAKE_FILES = "mkdir sub; echo alpha > a.dat; echo beta > sub/b.dat; echo gamma > c.txt; echo delta > sub/d.txt"
EXPECTED = {"a.dat": b"alpha\n", "sub/b.dat": b"beta\n"}


def outputs(node: object) -> dict[str, object]:
    return {t.label: t.node for t in node.get_outgoing(LinkType.CREATE)}  # type: ignore[attr-defined]


def stashed_files(stash: object) -> dict[str, bytes]:
    """The files a stash holds, by relative path, read back from disk (the 'remote' is this machine)."""
    path = Path(stash.target_basepath)  # type: ignore[attr-defined]
    if isinstance(stash, RemoteStashFolderData):
        return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with tarfile.open(path) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]


@pytest.fixture(params=["local", "ssh"])
def computer(request: pytest.FixtureRequest, store: Store, tmp_path: Path) -> Computer:
    if request.param == "local":
        return Computer("host", "localhost", transport_type="local", workdir=str(tmp_path / "work"),
                        scheduler_settings={"poll_interval": 0.2}).store()
    server: SshServer = request.getfixturevalue("sshd_server")
    settings = {"port": server.port, "username": server.username, "identity_files": [str(server.client_key)],
                "known_hosts": [str(server.known_hosts)], "ssh_config": os.devnull}
    return Computer("host", server.host, transport_type="ssh", workdir=str(tmp_path / "work"),
                    transport_settings=settings, scheduler_settings={"poll_interval": 0.2}).store()


@pytest.mark.parametrize("mode", MODES)
async def test_every_stash_mode_holds_exactly_the_matched_files(mode: str, computer: Computer, engine: Engine,
                                                                tmp_path: Path) -> None:
    stash = {"stash_mode": mode, "target_base": str(tmp_path / "stash"), "source_list": ["*.dat", "sub/*.dat"]}
    node = await engine.submit(ShellJob, command=MAKE_FILES, metadata={"computer": "host", "options": {"stash": stash}})
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 60)

    assert done.is_finished_ok, done.attributes
    stashed = outputs(done)["remote_stash"]
    kind = RemoteStashFolderData if mode == "copy" else RemoteStashCompressedData
    assert isinstance(stashed, kind)
    assert stashed.attributes["stash_mode"] == mode and stashed.source_list == ["*.dat", "sub/*.dat"]
    assert stashed.attributes["dereference"] is False
    assert stashed_files(stashed) == EXPECTED


async def test_a_stash_into_an_unwritable_target_is_reported_and_the_job_still_finishes(
        localhost: Computer, engine: Engine, tmp_path: Path, service: Service) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    stash = {"stash_mode": "tar.gz", "target_base": str(blocker / "stash"), "source_list": ["*"]}
    node = await engine.submit(ShellJob, command="echo kept", metadata={"computer": "localhost", "options": {"stash": stash}})
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 60)

    assert done.is_finished_ok, done.attributes
    assert "remote_stash" not in outputs(done)
    assert outputs(done)["stdout"].get_content() == b"kept\n"  # nothing else lost
    error = done.get_attribute("stash_error")
    assert error and error.startswith("stashing failed (tar.gz of * to ")
    warnings = [log.message for log in Log.for_node(done) if log.levelname == "WARNING"]  # type: ignore[attr-defined]
    assert warnings == [error]
    store = get_store()
    try:
        result = CliRunner().invoke(cli, ["--profile", "test", "process", "show", str(node.pk)])
    finally:
        set_current_store(store)
    assert "stash failed" in result.output and "stashing failed" in result.output


async def test_stash_calculation_stashes_a_finished_jobs_folder_with_provenance(
        localhost: Computer, engine: Engine, tmp_path: Path, service: Service) -> None:
    node = await engine.submit(ShellJob, command=MAKE_FILES, metadata={"computer": "localhost"})
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 60)
    remote = outputs(done)["remote_folder"]
    assert isinstance(remote, RemoteData)

    result = await asyncio.to_thread(service.stash_remote, remote.pk, mode="tar.gz",
                                     target_base=str(tmp_path / "keep"), source_list=["*.dat"])

    assert result.exit_status == 0, result.message
    calc = load_node(result.pk)
    assert {t.label: t.node.pk for t in calc.get_incoming(LinkType.INPUT_CALC)} == {"source_node": remote.pk}
    stashed = outputs(calc)["remote_stash"]
    assert stashed.pk == result.stash_pk and isinstance(stashed, RemoteStashCompressedData)
    assert Path(stashed.target_basepath).is_file() and remote.uuid[4:] in stashed.target_basepath
    assert stashed_files(stashed) == {"a.dat": b"alpha\n"}
    assert calc.get_attribute("job_id") is None  # no scheduler job


def test_stash_cli_without_engine_and_its_one_line_errors(localhost: Computer, tmp_path: Path,
                                                          service: Service) -> None:
    async def make() -> RemoteData:
        async with Engine(service.store, claim_interval=0.1) as engine:
            node = await engine.submit(ShellJob, command=MAKE_FILES, metadata={"computer": "localhost"})
            return outputs(await engine.wait_terminated(node.pk))["remote_folder"]  # type: ignore[return-value]

    remote = asyncio.run(make())
    store = get_store()

    def invoke(*args: str) -> tuple[int, str]:
        try:
            result = CliRunner().invoke(cli, ["--profile", "test", "stash", *args])
        finally:
            set_current_store(store)
        return result.exit_code, result.output

    code, output = invoke(str(remote.pk), "--mode", "copy", "--target-base", str(tmp_path / "k"), "--source-list", "sub/*")
    assert code == 0 and "stashed to" in output, output
    assert sorted(p.name for p in (tmp_path / "k").rglob("*") if p.is_file()) == ["b.dat", "d.txt"]

    code, output = invoke(str(remote.pk), "--mode", "zip", "--target-base", "/tmp/x")
    assert code == 1 and output.count("\n") == 1 and "'stash_mode'" in output, output
    code, output = invoke(str(remote.pk), "--target-base", "relative/dir")
    assert code == 1 and "target_base must be an absolute path" in output and output.count("\n") == 1, output
    code, output = invoke("99999", "--target-base", "/tmp/x")
    assert code == 1 and "no node with pk 99999" in output
    with pytest.raises(InputError, match="not a RemoteData"):
        service.stash_remote(remote.get_incoming(LinkType.CREATE)[0].node.pk, mode="tar", target_base="/tmp/x")
    with pytest.raises(ValidationError, match="absolute"):
        service.stash_remote(remote.pk, mode="tar", target_base="x")
