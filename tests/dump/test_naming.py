"""Directory names: AiiDA's scheme, made safe and deterministic whatever a label holds."""

from __future__ import annotations

import pytest

from provtop.backend.dump.naming import (
    child_directory_name,
    group_path_parts,
    node_directory_name,
    safe_component,
    unique_group_paths,
)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("relax", "relax"),
        ("my label", "my label"),
        ("../x", "_x"),
        ("/etc", "_etc"),
        ("a\nb", "a_b"),
        ("..", "unnamed"),
        ("", "unnamed"),
        ("  . ", "unnamed"),
        ("a:b*c?", "a_b_c_"),
        ("Å-ström", "Å-ström"),
    ],
)
def test_safe_component(label: str, expected: str) -> None:
    assert safe_component(label) == expected


def test_long_labels_are_cut_to_a_bounded_number_of_bytes_on_a_character_boundary() -> None:
    name = safe_component("é" * 300)
    assert len(name.encode()) <= 120 and set(name) == {"é"}


def test_process_directory_prefers_label_then_process_label_then_type() -> None:
    assert node_directory_name("my-label", "Workflow", "type", 29) == "my-label-29"
    assert node_directory_name("", "MultiplyAddWorkChain", "type", 29) == "MultiplyAddWorkChain-29"
    assert node_directory_name("", None, "aiida.calculations:add", 4) == "aiida.calculations_add-4"


def test_child_directory_drops_the_default_link_label_and_a_repeated_process_label() -> None:
    assert child_directory_name(1, "CALL", "multiply", 12) == "01-multiply-12"
    assert child_directory_name(2, "CALL", "ArithmeticAddCalculation", 14) == "02-ArithmeticAddCalculation-14"
    assert child_directory_name(1, "relax", "PwCalculation", 15) == "01-relax-PwCalculation-15"
    assert child_directory_name(3, "relax", "relax", 16) == "03-relax-16"


def test_group_labels_nest_on_slashes_without_escaping() -> None:
    assert group_path_parts("project/alpha") == ["project", "alpha"]
    assert group_path_parts("../../etc") == ["etc"]
    assert group_path_parts("/abs/") == ["abs"]
    assert group_path_parts("a/workflows") == ["a", "workflows_"]


def test_colliding_group_paths_get_the_pk_of_the_later_group() -> None:
    paths = unique_group_paths([(3, "a?b"), (1, "a:b"), (7, "A:B"), (9, "a_b-3")])
    assert paths == {1: "a_b", 3: "a_b-3", 7: "A_B-7", 9: "a_b-3-9"}
