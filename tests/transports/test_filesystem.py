"""The file system half of the transport interface, the same for every transport."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from provtop.transports import AlreadyExists, NotFound, PermissionDenied, Transport


async def test_home_and_username_are_known_once_open(transport: Transport) -> None:
    assert os.path.isabs(transport.home)
    assert transport.username


async def test_relative_paths_start_at_the_home_directory(transport: Transport) -> None:
    assert (await transport.stat(".")).is_dir
    assert await transport.exists(transport.home)


async def test_mkdir_with_parents_creates_missing_parents_and_accepts_existing(
    transport: Transport, remote_dir: Path
) -> None:
    deep = remote_dir / "a" / "b" / "c"
    await transport.mkdir(str(deep), parents=True)
    await transport.mkdir(str(deep), parents=True)
    assert deep.is_dir()


async def test_mkdir_without_parents_refuses_existing_and_missing_parent(
    transport: Transport, remote_dir: Path
) -> None:
    with pytest.raises(AlreadyExists):
        await transport.mkdir(str(remote_dir))
    with pytest.raises(NotFound):
        await transport.mkdir(str(remote_dir / "missing" / "child"))


async def test_stat_reports_size_permissions_and_type(transport: Transport, remote_dir: Path) -> None:
    path = remote_dir / "f"
    path.write_bytes(b"12345")
    path.chmod(0o640)
    (remote_dir / "link").symlink_to("f")
    info = await transport.stat(str(path))
    assert (info.size, info.permissions, info.is_file, info.is_dir) == (5, 0o640, True, False)
    assert (await transport.stat(str(remote_dir / "link"))).is_file
    assert (await transport.stat(str(remote_dir / "link"), follow_symlinks=False)).is_symlink


async def test_stat_of_a_missing_path_names_the_path(transport: Transport, remote_dir: Path) -> None:
    missing = str(remote_dir / "nope")
    with pytest.raises(NotFound, match="nope"):
        await transport.stat(missing)


async def test_iterdir_gives_every_entry_with_its_lstat(transport: Transport, remote_dir: Path) -> None:
    (remote_dir / "file").write_text("x")
    (remote_dir / "dir").mkdir()
    (remote_dir / "link").symlink_to("dir")
    entries = {e.name: e for e in await transport.iterdir(str(remote_dir))}
    assert set(entries) == {"file", "dir", "link"}
    assert entries["file"].stat.is_file and entries["dir"].stat.is_dir and entries["link"].stat.is_symlink
    assert entries["file"].path == str(remote_dir / "file")


async def test_listdir_is_sorted_and_a_pattern_skips_hidden_names(transport: Transport, remote_dir: Path) -> None:
    for name in ["b.txt", "a.txt", ".hidden.txt", "c.dat"]:
        (remote_dir / name).write_text("x")
    assert await transport.listdir(str(remote_dir)) == [".hidden.txt", "a.txt", "b.txt", "c.dat"]
    assert await transport.listdir(str(remote_dir), "*.txt") == ["a.txt", "b.txt"]


async def test_glob_matches_across_directory_levels(transport: Transport, remote_dir: Path) -> None:
    for sub in ["x1", "x2", "y"]:
        (remote_dir / sub).mkdir()
        (remote_dir / sub / "out.txt").write_text(sub)
    assert await transport.glob(str(remote_dir / "x*" / "*.txt")) == [
        str(remote_dir / "x1" / "out.txt"),
        str(remote_dir / "x2" / "out.txt"),
    ]
    assert await transport.glob(str(remote_dir / "z*")) == []


async def test_exists_counts_a_dangling_symlink(transport: Transport, remote_dir: Path) -> None:
    (remote_dir / "dangling").symlink_to("nowhere")
    assert await transport.exists(str(remote_dir / "dangling"))
    assert not await transport.exists(str(remote_dir / "nowhere"))


async def test_remove_deletes_a_file_and_reports_a_missing_one(transport: Transport, remote_dir: Path) -> None:
    path = remote_dir / "f"
    path.write_text("x")
    await transport.remove(str(path))
    assert not path.exists()
    with pytest.raises(NotFound):
        await transport.remove(str(path))


async def test_rmtree_deletes_a_whole_tree(transport: Transport, remote_dir: Path) -> None:
    tree = remote_dir / "t"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "f").write_text("x")
    (tree / "link").symlink_to("/")
    await transport.rmtree(str(tree))
    assert not tree.exists()


async def test_rename_replaces_an_existing_file(transport: Transport, remote_dir: Path) -> None:
    (remote_dir / "new").write_text("new")
    (remote_dir / "old").write_text("old")
    await transport.rename(str(remote_dir / "new"), str(remote_dir / "old"))
    assert (remote_dir / "old").read_text() == "new"
    assert not (remote_dir / "new").exists()


async def test_symlink_stores_the_target_as_given(transport: Transport, remote_dir: Path) -> None:
    await transport.symlink("../elsewhere", str(remote_dir / "link"))
    assert os.readlink(remote_dir / "link") == "../elsewhere"


async def test_chmod_sets_permission_bits(transport: Transport, remote_dir: Path) -> None:
    path = remote_dir / "script"
    path.write_text("#!/bin/sh\n")
    await transport.chmod(str(path), 0o751)
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


async def test_an_operation_the_user_may_not_do_raises_permission_denied(
    transport: Transport, protected_file: Path
) -> None:
    with pytest.raises(PermissionDenied, match="Permission denied"):
        await transport.remove(str(protected_file))


async def test_paths_with_spaces_quotes_unicode_and_dashes_work(
    transport: Transport, remote_dir: Path, weird_name: str
) -> None:
    name = weird_name
    path = remote_dir / name
    await transport.mkdir(str(path))
    await transport.symlink(name, str(remote_dir / f"{name}.link"))
    assert await transport.listdir(str(remote_dir)) == sorted([name, f"{name}.link"])
    assert await transport.glob(str(remote_dir / f"{name[:1]}*")) == sorted(
        str(remote_dir / n) for n in [name, f"{name}.link"] if n[:1] == name[:1]
    )
    await transport.rmtree(str(path))
    assert not path.exists()
