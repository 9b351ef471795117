"""serialize() / from_serialized(): exact round trips for every entity type, stored or not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from provtop.backend.entities import Computer, Group, Int, Link, Log, Node, SinglefileData, Str, User
from provtop.backend.errors import ValidationError
from provtop.backend.service.schemas import ENTITY_CLASSES
from provtop.backend.store.store import Store
from provtop.tui.cli.main import cli

from .entity_examples import UNSTORED, reload, stored

NAMES = sorted(UNSTORED)


@pytest.mark.parametrize("name", NAMES)
def test_unstored_round_trip_is_exact(profile_store: Store, name: str) -> None:
    entity = UNSTORED[name]()

    copy = type(entity).from_serialized(entity.serialize())

    assert copy.serialize() == entity.serialize()


@pytest.mark.parametrize("name", NAMES)
def test_stored_round_trip_is_exact(profile_store: Store, name: str) -> None:
    entity = stored(name)

    copy = type(entity).from_serialized(entity.serialize())

    assert copy.serialize() == entity.serialize()


@pytest.mark.parametrize("name", NAMES)
def test_an_entity_read_back_from_the_store_serializes_as_it_was_stored(profile_store: Store, name: str) -> None:
    entity = stored(name)

    loaded = reload(entity, profile_store)

    assert loaded.serialize(schema="read") == entity.serialize(schema="read")
    assert type(loaded).from_serialized(loaded.serialize()).serialize() == loaded.serialize()


@pytest.mark.parametrize("name", NAMES)
def test_write_schema_has_no_pk_and_read_schema_has_the_pk(profile_store: Store, name: str) -> None:
    entity = stored(name)

    assert "pk" not in entity.serialize()
    assert entity.serialize(schema="read")["pk"] == entity.pk


@pytest.mark.parametrize("name", NAMES)
def test_serialized_form_is_json_safe(profile_store: Store, name: str) -> None:
    for entity in (UNSTORED[name](), stored(name)):
        for schema in ("write", "read"):
            data = entity.serialize(schema=schema)

            assert json.loads(json.dumps(data, allow_nan=False)) == data


@pytest.mark.parametrize("name", NAMES)
def test_from_serialized_returns_an_unstored_entity_of_the_same_class(profile_store: Store, name: str) -> None:
    entity = stored(name)

    copy = type(entity).from_serialized(entity.serialize(schema="read"))

    assert type(copy) is type(entity)
    assert not copy.is_stored
    assert copy.pk is None


def test_node_from_serialized_picks_the_subclass_from_node_type(profile_store: Store) -> None:
    data = Int(5).serialize()

    assert type(Node.from_serialized(data)) is Int


def test_a_deserialized_node_can_be_stored_in_another_profile_and_keeps_its_files(
    profile_store: Store, open_profile: Any, backend: str
) -> None:
    data = SinglefileData.from_bytes(b"portable", filename="a.txt").store().serialize()
    other = open_profile("other", backend)

    copy = SinglefileData.from_serialized(data).store()

    assert copy.store_backend is other
    assert copy.get_content() == b"portable"
    assert copy.serialize() == data


def bad_data(case: str) -> tuple[type[Any], Any]:
    """Serialised data broken in one way each; built inside a test because nodes need a store."""
    if case == "not a mapping":
        return Int, ["value", 5]
    if case == "unknown field":
        return Int, {**Int(5).serialize(), "colour": "red"}
    if case == "missing email":
        return User, {"first_name": "no email"}
    if case == "wrong value type":
        data = Int(5).serialize()
        data["attributes"]["value"] = "five"
        return Int, data
    if case == "wrong node type":
        return Str, Int(5).serialize()
    if case == "unparsable ctime":
        return Int, {**Int(5).serialize(), "ctime": "yesterday"}
    if case == "unknown link type":
        return Link, {"source": "a", "target": "b", "link_type": "invented", "label": "x"}
    if case == "bad transport":
        return Computer, {**Computer("c", "h").serialize(), "transport_type": "telnet"}
    if case == "computer label with a slash":
        return Computer, {**Computer("c", "h").serialize(), "label": "a/b"}
    if case == "empty group label":
        return Group, {**Group("g").serialize(), "label": ""}
    if case == "padded group label":
        return Group, {**Group("g").serialize(), "label": " g "}
    if case == "unknown log level":
        return Log, {**Log("8f1c0c4e-5a3a-4f64-a0b4-3c8f5d8e9a01", "info", "m").serialize(), "levelname": "LOUD"}
    if case == "file content that does not match its hash":
        data = SinglefileData.from_bytes(b"original", filename="f.txt").serialize()
        data["repository_content"]["f.txt"] = "dGFtcGVyZWQ="  # base64 of b"tampered"
        return SinglefileData, data
    if case == "content that is not base64":
        data = SinglefileData.from_bytes(b"original", filename="f.txt").serialize()
        data["repository_content"]["f.txt"] = "%%% not base64 %%%"
        return SinglefileData, data
    raise AssertionError(case)


BAD_CASES = [
    "not a mapping",
    "unknown field",
    "missing email",
    "wrong value type",
    "wrong node type",
    "unparsable ctime",
    "unknown link type",
    "bad transport",
    "computer label with a slash",
    "empty group label",
    "padded group label",
    "unknown log level",
    "file content that does not match its hash",
    "content that is not base64",
]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_data_raises_validation_error_with_a_one_line_message(profile_store: Store, case: str) -> None:
    entity_class, data = bad_data(case)

    with pytest.raises(ValidationError) as raised:
        entity_class.from_serialized(data)

    message = str(raised.value)
    assert message and "\n" not in message


@pytest.mark.parametrize("name", sorted(ENTITY_CLASSES))
def test_schema_command_prints_the_json_schema_of_every_entity(name: str) -> None:
    result = CliRunner().invoke(cli, ["schema", name])

    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert schema == ENTITY_CLASSES[name].Model.model_json_schema()


def test_schema_command_refuses_an_unknown_entity_as_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["schema", "spaceship"])

    assert result.exit_code == 2
    assert "Traceback" not in result.output
