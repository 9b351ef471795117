"""Whatever a label contains and whatever is found on disk, a dump stays inside its target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provtop.backend.dump import dump_group, dump_process, dump_profile
from provtop.backend.dump.errors import UnsafeTargetError
from provtop.backend.dump.guard import check_link_target, check_relative
from provtop.backend.entities import FolderData, LinkType
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, delete_node, group, multiply_add, tree

HOSTILE = ["../x", "/etc", "../../etc/passwd", "a\nb", "tab\there", "x" * 300, "..", "dots...", "new\u2028line"]


def _inside(root: Path, base: Path) -> None:
    """Every entry below `base` (found without following symlinks) is inside `root`."""
    for directory, dirnames, filenames in os.walk(base):
        for name in dirnames + filenames:
            path = Path(directory) / name
            assert os.path.realpath(path.parent).startswith(str(root.resolve()))
            assert "\n" not in name and len(name.encode()) <= 255


def test_hostile_group_labels_stay_inside_and_get_distinct_directories(store: Store, out: Path, tmp_path: Path) -> None:
    calcs = {label: calcjob(f"c{index}") for index, label in enumerate(HOSTILE)}
    for label, calc in calcs.items():
        group(label, calc)

    dump_profile(out, all_entries=True)

    _inside(out, out)
    assert sorted(os.listdir(tmp_path)) == ["dumps", "provtop-home"]
    directories = [path for path in tree(out) if path.endswith("/calculations/")]
    assert len(directories) == len(HOSTILE)


def test_hostile_process_labels_stay_inside(
    store: Store, out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calcs = [calcjob(label) for label in HOSTILE]
    group("g", *calcs)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    dump_group("g", out)
    for calc in calcs:
        dump_process(calc)  # the default path is made from the label

    _inside(out, out)
    _inside(cwd, cwd)
    names = sorted(path for path in tree(out) if path.count("/") == 2 and path.endswith("/"))
    assert len(names) == len(HOSTILE)
    assert len(os.listdir(cwd)) == len(HOSTILE)
    assert sorted(os.listdir(tmp_path)) == ["cwd", "dumps", "provtop-home"]


def test_colliding_sanitised_group_labels_are_told_apart_deterministically(store: Store, out: Path) -> None:
    first, second, third = group("a:b", calcjob("one")), group("a?b", calcjob("two")), group("A:B", calcjob("three"))

    dump_profile(out, all_entries=True)

    groups_dir = sorted(os.listdir(out / "groups"))
    assert groups_dir == sorted(["a_b", f"a_b-{second.pk}", f"A_B-{third.pk}"])
    assert first.pk < second.pk < third.pk


def test_a_symlink_planted_in_the_dump_is_not_followed(store: Store, out: Path, tmp_path: Path) -> None:
    made = group("g", calcjob("c"))
    dump_profile(out, all_entries=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    groups = out / "groups/g"
    for entry in os.listdir(groups):
        target = groups / entry
        if target.is_dir():
            os.rename(target, outside / entry)
    os.symlink(outside / "calculations", groups / "calculations")

    made.add_nodes([calcjob("new")])
    with pytest.raises(UnsafeTargetError, match="symlink"):
        dump_profile(out, all_entries=True)

    assert len(os.listdir(outside / "calculations")) == 1


def test_a_directory_without_safeguard_is_never_deleted(store: Store, out: Path) -> None:
    keep, gone = calcjob("keep"), calcjob("gone")
    group("g", keep, gone)
    dump_group("g", out)
    gone_dir = out / f"calculations/gone-{gone.pk}"
    (gone_dir / ".provtop_dump_safeguard").unlink()

    delete_node(store, gone.pk)
    result = dump_group("g", out)

    assert gone_dir.is_dir()
    assert any("did not make it" in note for note in result.notes)


def test_a_symlink_in_place_of_a_dumped_file_is_replaced_not_written_through(
    store: Store, out: Path, tmp_path: Path
) -> None:
    calc = calcjob("c")
    dump_process(calc, out, include_extras=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not touch")
    metadata = out / "provtop_node_metadata.yaml"
    metadata.unlink()
    os.symlink(secret, metadata)

    calc.set_extra("x", 1)
    dump_process(calc, out, include_extras=True)

    assert secret.read_text() == "do not touch"
    assert not metadata.is_symlink() and "x: 1" in metadata.read_text()


def test_a_symlink_where_a_new_file_goes_is_refused(store: Store, out: Path, tmp_path: Path) -> None:
    calc = calcjob("c", seal=False, with_retrieved=False)
    dump_process(calc, out, dump_unsealed=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not touch")
    (out / "outputs").mkdir()
    os.symlink(secret, out / "outputs/aiida.out")

    retrieved = FolderData()
    retrieved.put_object_from_bytes(b"overwritten?", "aiida.out")
    retrieved.add_incoming(calc, LinkType.CREATE, "retrieved")
    retrieved.store()
    with pytest.raises(UnsafeTargetError, match="symlink"):
        dump_process(calc, out, dump_unsealed=True)

    assert secret.read_text() == "do not touch"


@pytest.mark.parametrize("path", ["../x", "/etc", "a/../b", "a//b", "./a", "a/./b", "a\x00b", ""])
def test_plan_paths_that_leave_the_dump_are_refused(path: str) -> None:
    with pytest.raises(UnsafeTargetError):
        check_relative(path)


@pytest.mark.parametrize(("link", "target"), [("a/b", "../../x"), ("a", "/etc"), ("a/b", "../c/../../d")])
def test_symlink_targets_that_leave_the_dump_are_refused(link: str, target: str) -> None:
    with pytest.raises(UnsafeTargetError):
        check_link_target(link, target)


def test_symlink_targets_inside_the_dump_are_accepted() -> None:
    check_link_target("groups/b/calculations/x-1", "../../a/calculations/x-1")


def test_a_workflow_label_cannot_escape_through_its_children(store: Store, out: Path) -> None:
    workflow = multiply_add("../../../escape")

    dump_process(workflow, out / "w")

    _inside(out, out)
    assert not (out.parent.parent / "escape").exists()
