"""put, get and copy: files, trees and globs, with `cp -r` destination rules."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from provtop.transports import NotFound, Transport


def make_tree(root: Path) -> Path:
    """A small tree with a nested directory, an executable, a hidden file and a symlink."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "top.txt").write_text("top")
    (root / ".hidden").write_text("hidden")
    (root / "sub" / "deeper" / "leaf.bin").write_bytes(os.urandom(3000))
    run = root / "sub" / "run.sh"
    run.write_text("#!/bin/sh\n")
    run.chmod(0o755)
    (root / "link").symlink_to("top.txt")
    return root


def tree_listing(root: Path) -> dict[str, bytes | str]:
    """Every path under root with its content, or the symlink's target."""
    listing: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            listing[key] = "-> " + os.readlink(path)
        elif path.is_file():
            listing[key] = path.read_bytes()
        else:
            listing[key] = "dir"
    return listing


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.rglob("*") if ".provtop-" in p.name]


@pytest.fixture
def local_dir(tmp_path: Path) -> Path:
    path = tmp_path / "local"
    path.mkdir()
    return path


async def test_put_writes_a_file_under_the_new_name_keeping_its_mode(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    source = local_dir / "script.sh"
    source.write_bytes(b"#!/bin/sh\necho hi\n")
    source.chmod(0o750)
    await transport.put(str(source), str(remote_dir / "copy.sh"))
    copied = remote_dir / "copy.sh"
    assert copied.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o750
    assert leftovers(remote_dir) == []


async def test_put_into_an_existing_directory_keeps_the_base_name(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    (local_dir / "f.txt").write_text("x")
    await transport.put(str(local_dir / "f.txt"), str(remote_dir))
    assert (remote_dir / "f.txt").read_text() == "x"


async def test_put_replaces_an_existing_file(transport: Transport, local_dir: Path, remote_dir: Path) -> None:
    (local_dir / "f").write_text("new")
    (remote_dir / "f").write_text("old content")
    await transport.put(str(local_dir / "f"), str(remote_dir / "f"))
    assert (remote_dir / "f").read_text() == "new"


async def test_put_of_a_tree_creates_the_destination_as_a_copy(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    tree = make_tree(local_dir / "tree")
    await transport.put(str(tree), str(remote_dir / "uploaded"))
    assert tree_listing(remote_dir / "uploaded") == tree_listing(tree)
    assert os.access(remote_dir / "uploaded" / "sub" / "run.sh", os.X_OK)
    assert leftovers(remote_dir) == []


async def test_put_of_a_tree_into_an_existing_directory_nests_it(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    tree = make_tree(local_dir / "tree")
    await transport.put(str(tree), str(remote_dir))
    assert tree_listing(remote_dir / "tree") == tree_listing(tree)


async def test_put_with_dereference_copies_symlink_targets(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    tree = make_tree(local_dir / "tree")
    await transport.put(str(tree), str(remote_dir / "deref"), dereference=True)
    link = remote_dir / "deref" / "link"
    assert not link.is_symlink() and link.read_text() == "top"


async def test_put_of_a_glob_copies_every_match_into_the_directory(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    for name in ["a.out", "b.out", "c.log"]:
        (local_dir / name).write_text(name)
    await transport.put(str(local_dir / "*.out"), str(remote_dir / "results"))
    assert sorted(p.name for p in (remote_dir / "results").iterdir()) == ["a.out", "b.out"]


async def test_put_of_a_missing_source_raises_not_found(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    with pytest.raises(NotFound):
        await transport.put(str(local_dir / "missing"), str(remote_dir / "x"))
    with pytest.raises(NotFound, match="Nothing matches"):
        await transport.put(str(local_dir / "*.none"), str(remote_dir))


async def test_get_writes_a_file_and_a_tree(transport: Transport, local_dir: Path, remote_dir: Path) -> None:
    tree = make_tree(remote_dir / "tree")
    await transport.get(str(tree / "top.txt"), str(local_dir / "top-copy.txt"))
    await transport.get(str(tree), str(local_dir / "tree-copy"))
    assert (local_dir / "top-copy.txt").read_text() == "top"
    assert tree_listing(local_dir / "tree-copy") == tree_listing(tree)
    assert leftovers(local_dir) == []


async def test_get_of_a_tree_into_an_existing_directory_merges_into_the_nested_copy(
    transport: Transport, local_dir: Path, remote_dir: Path
) -> None:
    tree = make_tree(remote_dir / "tree")
    (local_dir / "tree").mkdir()
    (local_dir / "tree" / "kept.txt").write_text("kept")
    (local_dir / "tree" / "top.txt").write_text("stale")
    await transport.get(str(tree), str(local_dir))
    assert (local_dir / "tree" / "kept.txt").read_text() == "kept"
    assert (local_dir / "tree" / "top.txt").read_text() == "top"
    assert (local_dir / "tree" / "sub" / "deeper" / "leaf.bin").read_bytes() == (
        tree / "sub" / "deeper" / "leaf.bin"
    ).read_bytes()


async def test_get_of_a_glob_takes_every_match(transport: Transport, local_dir: Path, remote_dir: Path) -> None:
    for name in ["1.dat", "2.dat", "3.txt"]:
        (remote_dir / name).write_text(name)
    await transport.get(str(remote_dir / "*.dat"), str(local_dir / "dats"))
    assert sorted(p.name for p in (local_dir / "dats").iterdir()) == ["1.dat", "2.dat"]


async def test_get_of_a_missing_path_raises_not_found(transport: Transport, local_dir: Path, remote_dir: Path) -> None:
    with pytest.raises(NotFound):
        await transport.get(str(remote_dir / "missing"), str(local_dir / "x"))


async def test_copy_on_the_host_handles_files_trees_and_globs(transport: Transport, remote_dir: Path) -> None:
    tree = make_tree(remote_dir / "tree")
    await transport.copy(str(tree / "top.txt"), str(remote_dir / "top2.txt"))
    await transport.copy(str(tree), str(remote_dir / "tree2"))
    await transport.copy(str(tree / "sub" / "*"), str(remote_dir / "subs"))
    assert (remote_dir / "top2.txt").read_text() == "top"
    assert tree_listing(remote_dir / "tree2") == tree_listing(tree)
    assert sorted(p.name for p in (remote_dir / "subs").iterdir()) == ["deeper", "run.sh"]


async def test_transfers_handle_awkward_names(
    transport: Transport, local_dir: Path, remote_dir: Path, weird_name: str
) -> None:
    source = local_dir / weird_name
    (source / weird_name).mkdir(parents=True)
    (source / weird_name / weird_name).write_text(weird_name)
    await transport.put(str(source), str(remote_dir))
    await transport.copy(str(remote_dir / weird_name), str(remote_dir / "copied"))
    await transport.get(str(remote_dir / "copied"), str(local_dir / "back"))
    assert (local_dir / "back" / weird_name / weird_name).read_text() == weird_name
