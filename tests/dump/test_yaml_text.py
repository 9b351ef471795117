"""The metadata writer's YAML reads back as the data it was given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provtop.backend.dump.yaml_text import dump_yaml, dump_yaml_entry

TRICKY = {
    "plain": "ConvergeWorkChain",
    "spaces": "a b c",
    "looks like bool": "true",
    "looks like number": "123",
    "colon": "a: b",
    "comment": "a #b",
    "newline": "a\nb",
    "unicode": "Å",
    "separator": "x\u2028y",
    "empty": "",
    "dash": "-",
    "none": None,
    "float": 1.5,
    "big": 10**30,
    "flag": False,
    "nested": {"list": [1, "x", {"a": [1, 2]}, [], {}], "empty": {}},
    "lists": [[1, 2], [3]],
}


def test_round_trip_through_a_yaml_parser() -> None:
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(dump_yaml({"section": TRICKY})) == {"section": TRICKY}


def test_block_style_with_document_marker() -> None:
    text = dump_yaml({"Node data": {"pk": 7, "label": "relax", "ctime": datetime(2026, 1, 2, tzinfo=UTC)}})
    assert text == "---\nNode data:\n  pk: 7\n  label: relax\n  ctime: 2026-01-02T00:00:00+00:00\n"


def test_each_kind_of_scalar_and_a_lone_entry_are_written_as_yaml_reads_them() -> None:
    text = dump_yaml({"a": {"none": None, "on": True, "off": False, "int": 3, "float": 0.5, "str": "x", "num": "7"}})
    assert text == '---\na:\n  none: null\n  "on": true\n  "off": false\n  int: 3\n  float: 0.5\n  str: x\n  num: "7"\n'
    assert dump_yaml_entry("User data", {}) == "User data: {}\n"
    assert dump_yaml_entry("label", "relax") == "label: relax\n"
