"""Nodes: immutable once stored (extras aside), processes sealed by terminate(), files, load_node."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provtop.backend.entities import (
    CalcJobNode,
    Dict,
    FolderData,
    Int,
    ProcessState,
    SinglefileData,
    WorkChainNode,
    load_node,
)
from provtop.backend.errors import InputError, ModificationNotAllowed, MultipleObjectsError, NotExistent, ValidationError
from provtop.backend.store.store import Store

# -- immutability of stored data nodes --------------------------------------------------------

CHANGES: dict[str, Callable[[Any], None]] = {
    "set_attribute": lambda node: node.set_attribute("value", 2),
    "set_attribute_many": lambda node: node.set_attribute_many({"other": 1}),
    "label": lambda node: setattr(node, "label", "new"),
    "description": lambda node: setattr(node, "description", "new"),
    "put_object_from_bytes": lambda node: node.put_object_from_bytes(b"x", "new.txt"),
    "put_object_from_stream": lambda node: node.put_object_from_stream(io.BytesIO(b"x"), "new.txt"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_stored_data_node_refuses_changes(profile_store: Store, change: str) -> None:
    node = Int(1, label="one", description="first").store()
    before = load_node(node.pk).serialize()

    with pytest.raises(ModificationNotAllowed):
        CHANGES[change](node)

    assert load_node(node.pk).serialize() == before
    assert node.serialize() == before


def test_an_unstored_node_takes_every_change(profile_store: Store) -> None:
    node = Int(1)

    for change in CHANGES.values():
        change(node)

    assert node.label == "new"
    assert node.get_attribute("other") == 1
    assert node.get_object_content("new.txt") == b"x"


def test_extras_of_a_stored_node_change_and_persist(profile_store: Store) -> None:
    node = Int(1).store()
    mtime = node.mtime

    node.set_extra("tag", "keep")
    node.set_extra_many({"score": 3, "nested": {"a": [1]}})
    node.delete_extra("score")

    assert load_node(node.pk).extras == {"tag": "keep", "nested": {"a": [1]}}
    assert load_node(node.pk).mtime > mtime


def test_deleting_a_missing_extra_is_a_not_existent_error(profile_store: Store) -> None:
    with pytest.raises(NotExistent):
        Int(1).store().delete_extra("nothing")


def test_attributes_handed_out_are_copies(profile_store: Store) -> None:
    node = Dict({"a": {"b": [1]}}).store()

    node.attributes["a"]["b"].append(2)
    node.get_attribute("a")["b"].append(3)
    node.get_dict()["new"] = 1

    assert load_node(node.pk).attributes == {"a": {"b": [1]}}
    assert node.attributes == {"a": {"b": [1]}}


def test_storing_twice_stores_once(profile_store: Store) -> None:
    node = Int(1)

    assert node.store() is node.store()
    assert load_node(node.pk).uuid == node.uuid


# -- process nodes: mutable until terminated --------------------------------------------------


def test_a_stored_process_takes_attributes_label_and_files_until_terminated(profile_store: Store) -> None:
    node = CalcJobNode(label="before").store()

    node.set_process_state(ProcessState.RUNNING, "running the job")
    node.set_attribute("job_id", "42")
    node.label = "after"
    node.description = "described"
    node.put_object_from_bytes(b"#!/bin/sh\n", "_submit.sh")

    loaded = load_node(node.pk)
    assert loaded.process_state is ProcessState.RUNNING
    assert loaded.get_attribute("job_id") == "42"
    assert loaded.label == "after"
    assert loaded.description == "described"
    assert loaded.get_object_content("_submit.sh") == b"#!/bin/sh\n"


@pytest.mark.parametrize("state", [ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED])
def test_terminate_records_the_final_state_and_seals(profile_store: Store, state: ProcessState) -> None:
    node = WorkChainNode().store()

    node.terminate(state, exit_status=3, exit_message="why")

    loaded = load_node(node.pk)
    assert loaded.is_sealed
    assert loaded.process_state is state
    assert (loaded.exit_status, loaded.get_attribute("exit_message")) == (3, "why")


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_sealed_process_refuses_changes(profile_store: Store, change: str) -> None:
    node = CalcJobNode(label="one").store()
    node.terminate(ProcessState.FINISHED, exit_status=0)
    before = load_node(node.pk).serialize()

    with pytest.raises(ModificationNotAllowed):
        CHANGES[change](node)
    with pytest.raises(ModificationNotAllowed):
        CHANGES[change](load_node(node.pk))

    assert load_node(node.pk).serialize() == before


def test_a_sealed_process_still_takes_extras(profile_store: Store) -> None:
    node = CalcJobNode().store()
    node.terminate(ProcessState.FINISHED, exit_status=0)

    node.set_extra("reviewed", True)

    assert load_node(node.pk).extras == {"reviewed": True}


def test_terminating_twice_is_refused(profile_store: Store) -> None:
    node = CalcJobNode().store()
    node.terminate(ProcessState.FINISHED, exit_status=0)

    with pytest.raises(ModificationNotAllowed):
        node.terminate(ProcessState.KILLED)


def test_terminate_refuses_a_state_that_is_not_final(profile_store: Store) -> None:
    node = CalcJobNode().store()

    with pytest.raises((ValueError, ValidationError)):
        node.terminate(ProcessState.RUNNING)

    assert not load_node(node.pk).is_sealed


def test_seal_refuses_a_process_that_has_not_terminated(profile_store: Store) -> None:
    node = CalcJobNode().store()
    node.set_process_state(ProcessState.RUNNING)

    with pytest.raises(ModificationNotAllowed):
        node.seal()


# -- files --------------------------------------------------------------------------------------


def test_same_content_is_stored_once(profile_store: Store) -> None:
    content = b"shared content " * 1000
    first = SinglefileData.from_bytes(content, filename="a.txt").store()
    folder = FolderData()
    folder.put_object_from_bytes(content, "x/b.txt")
    folder.put_object_from_stream(io.BytesIO(content), "y/c.txt")
    folder.store()

    keys = {entry.key for entry in [*first.list_files().values(), *folder.list_files().values()]}

    assert keys == {hashlib.sha256(content).hexdigest()}
    assert list(profile_store.repository.keys()) == [hashlib.sha256(content).hexdigest()]


def test_a_file_is_stored_under_its_sha256_with_its_size(profile_store: Store) -> None:
    content = b"\x00\x01 some bytes \xff"
    node = SinglefileData.from_bytes(content, filename="data.bin").store()

    entry = load_node(node.pk).list_files()["data.bin"]

    assert entry.key == hashlib.sha256(content).hexdigest()
    assert entry.size == len(content)
    assert profile_store.repository.object_path(entry.key).read_bytes() == content


def test_a_large_file_streams_in_and_out_unchanged(profile_store: Store, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    chunk = bytes(range(256)) * 4096  # 1 MiB
    with open(source, "wb") as handle:
        for index in range(5):
            handle.write(chunk[index:] + chunk[:index])
    node = SinglefileData(source).store()

    with load_node(node.pk).open_file() as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()

    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
    assert node.filename == "big.bin"


def test_folder_data_keeps_a_nested_tree(profile_store: Store, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "deep.txt").write_bytes(b"deep")
    (tree / "a" / "mid.txt").write_bytes(b"mid")
    (tree / "top.txt").write_bytes(b"top")

    node = load_node(FolderData(tree).store().pk)

    assert sorted(node.list_files()) == ["a/b/deep.txt", "a/mid.txt", "top.txt"]
    assert node.list_object_names() == ["a", "top.txt"]
    assert node.list_object_names("a") == ["b", "mid.txt"]
    assert node.get_object_content("a/b/deep.txt") == b"deep"


@pytest.mark.parametrize(
    ("given", "normalised"),
    [("a//b/./c.txt", "a/b/c.txt"), ("./x", "x"), ("dir/", "dir"), ("sp ace/ü.txt", "sp ace/ü.txt")],
)
def test_file_paths_are_normalised(profile_store: Store, given: str, normalised: str) -> None:
    node = FolderData()

    node.put_object_from_bytes(b"x", given)

    assert list(node.list_files()) == [normalised]
    assert node.get_object_content(given) == b"x"


@pytest.mark.parametrize("path", ["../escape", "a/../../b", "a/..", "/etc/passwd", "", ".", "a\\b", "nul\x00l"])
def test_file_paths_that_escape_or_are_absolute_are_refused(profile_store: Store, path: str) -> None:
    node = FolderData()

    with pytest.raises(ValidationError):
        node.put_object_from_bytes(b"x", path)

    assert node.list_files() == {}


def test_a_path_cannot_be_both_a_file_and_a_folder(profile_store: Store) -> None:
    node = FolderData()
    node.put_object_from_bytes(b"x", "a/b")

    with pytest.raises(ValidationError):
        node.put_object_from_bytes(b"y", "a")
    with pytest.raises(ValidationError):
        node.put_object_from_bytes(b"y", "a/b/c")


def test_reading_a_missing_file_is_a_not_existent_error(profile_store: Store) -> None:
    node = FolderData().store()

    with pytest.raises(NotExistent):
        node.get_object_content("nothing.txt")


def test_a_singlefile_data_holds_exactly_its_one_file(profile_store: Store) -> None:
    node = SinglefileData.from_bytes(b"x", filename="one.txt")
    node.put_object_from_bytes(b"y", "two.txt")

    with pytest.raises(ValidationError):
        node.store()

    assert not node.is_stored


def test_from_bytes_defaults_the_filename(profile_store: Store) -> None:
    node = SinglefileData.from_bytes(b"content").store()

    assert load_node(node.pk).get_content() == b"content"
    assert node.filename == "file.txt"


# -- load_node -----------------------------------------------------------------------------------


def test_load_node_by_pk_uuid_and_uuid_prefix(profile_store: Store) -> None:
    node = Int(5).store()

    for identifier in (node.pk, str(node.pk), node.uuid, node.uuid[:8], node.uuid.upper(), f" {node.uuid} "):
        loaded = load_node(identifier)
        assert (type(loaded), loaded.pk, loaded.value) == (Int, node.pk, 5)


def test_load_node_of_an_unknown_pk_is_a_not_existent_error(profile_store: Store) -> None:
    with pytest.raises(NotExistent, match="pk 999999"):
        load_node(999999)


def test_load_node_of_an_unknown_uuid_is_a_not_existent_error(profile_store: Store) -> None:
    with pytest.raises(NotExistent):
        load_node(str(uuid.uuid4()))


def _with_uuid(value: str) -> Int:
    data = Int(1).serialize()
    data["uuid"] = value
    return Int.from_serialized(data).store()


def test_load_node_of_an_ambiguous_uuid_prefix_is_refused(profile_store: Store) -> None:
    _with_uuid("abcd0000-0000-4000-8000-000000000001")
    _with_uuid("abcd1111-0000-4000-8000-000000000002")

    with pytest.raises(MultipleObjectsError):
        load_node("abcd")
    assert load_node("abcd1").uuid == "abcd1111-0000-4000-8000-000000000002"


@pytest.mark.parametrize("identifier", ["abc", "not-a-uuid", "12ab%", "-1"])
def test_load_node_refuses_what_is_neither_pk_nor_uuid(profile_store: Store, identifier: str) -> None:
    with pytest.raises(InputError):
        load_node(identifier)


def test_a_prefix_with_like_wildcards_matches_nothing_else(profile_store: Store) -> None:
    _with_uuid("abcd0000-0000-4000-8000-000000000001")

    with pytest.raises((InputError, NotExistent)):
        load_node("ab_d")


def test_storing_a_node_with_a_taken_uuid_is_refused_and_writes_nothing(profile_store: Store) -> None:
    first = _with_uuid("abcd0000-0000-4000-8000-000000000001")

    with pytest.raises(ValidationError):
        _with_uuid(first.uuid)

    assert load_node(first.uuid).pk == first.pk
