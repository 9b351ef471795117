"""Listing a remote tree: one `find` on the host gives what a walk over SFTP gives, and the walk
takes over where find's listing cannot be used."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from provtop.transports import NotFound, Transport, transport_for
from provtop.transports import tree as trees
from provtop.transports.models import ExecResult

from tests.fixtures.services import SshServer

from .conftest import ssh_settings


@pytest.fixture(params=["ssh", "ssh_async"])
async def ssh(request: pytest.FixtureRequest, sshd_server: SshServer) -> AsyncIterator[Transport]:
    async with transport_for(request.param, ssh_settings(sshd_server)) as opened:
        yield opened


def awkward_tree(root: Path) -> Path:
    """Nested directories, files of several modes and sizes, symlinks, names a shell would mangle."""
    (root / "a b" / "ünï" / "deep").mkdir(parents=True)
    (root / "-dash").mkdir()
    (root / "empty").mkdir()
    for relative, size, mode in [
        ("top.txt", 10, 0o644),
        ("a b/it's.dat", 3000, 0o600),
        ("a b/ünï/run.sh", 0, 0o755),
        ("a b/ünï/deep/x", 70000, 0o640),
        ("-dash/-f", 1, 0o444),
    ]:
        path = root / relative
        path.write_bytes(os.urandom(size))
        path.chmod(mode)
    (root / "link-to-file").symlink_to("top.txt")
    (root / "a b" / "link-to-dir").symlink_to("ünï")
    return root


def ordered(plan: trees.TreePlan) -> tuple[list[str], list[tuple[str, int, int]], list[tuple[str, str]]]:
    return sorted(plan.dirs), sorted(plan.files), sorted(plan.links)


@pytest.mark.parametrize("dereference", [False, True])
async def test_find_lists_what_the_sftp_walk_lists(ssh: Transport, tmp_path: Path, dereference: bool) -> None:
    root = str(awkward_tree(tmp_path / "tree"))

    found = await trees._find_tree(ssh, root, dereference=dereference)
    walked = await trees._walk_remote_tree(ssh, root, dereference=dereference)

    assert found is not None and ordered(found) == ordered(walked)
    assert ("a b/ünï/deep/x", 70000, 0o640) in found.files
    assert (("link-to-file", "top.txt") in found.links) is not dereference


async def test_a_root_that_is_a_symlink_is_listed_through(ssh: Transport, tmp_path: Path) -> None:
    awkward_tree(tmp_path / "tree")
    (tmp_path / "alias").symlink_to("tree")

    found = await trees._find_tree(ssh, str(tmp_path / "alias"), dereference=False)

    assert found is not None and ("top.txt", 10, 0o644) in found.files


async def test_the_walk_takes_over_when_the_listing_is_not_finds_alone(
    ssh: Transport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = str(awkward_tree(tmp_path / "tree"))
    exec_command = ssh.exec

    async def chatty_login(command: Any, **options: Any) -> ExecResult:  # a login script that prints
        result = await exec_command(command, **options)
        return result.model_copy(update={"stdout": "Welcome to the cluster\n" + result.stdout})

    monkeypatch.setattr(ssh, "exec", chatty_login)
    assert await trees._find_tree(ssh, root, dereference=False) is None

    plan = await trees.plan_remote_tree(ssh, root, dereference=False)

    assert ordered(plan) == ordered(await trees._walk_remote_tree(ssh, root, dereference=False))


async def test_a_missing_tree_is_reported_as_not_found(ssh: Transport, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        await trees.plan_remote_tree(ssh, str(tmp_path / "nowhere"), dereference=False)
