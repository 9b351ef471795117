"""`provtop storage maintain`: delete unreferenced objects past the grace period; --dry-run changes nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from provtop.backend.entities import SinglefileData, load_node
from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile
from provtop.backend.store.maintenance import GRACE_SECONDS

from .helpers import run_cli, run_json


@dataclass
class Repository:
    node: int
    referenced: Path
    old_orphan: Path
    recent_orphan: Path
    old_leftover: Path


def age(path: Path) -> None:
    """Set the file's mtime back past the grace period."""
    old = time.time() - 2 * GRACE_SECONDS
    os.utime(path, (old, old))


@pytest.fixture
def repository(default_home: Path) -> Iterator[Repository]:
    """A referenced object, an old and a recent unreferenced one, and an old crash leftover."""
    store = load_profile()
    try:
        node = SinglefileData.from_bytes(b"kept because a node uses it", filename="kept.txt").store()
        referenced = store.repository.object_path(node.list_files()["kept.txt"].key)
        old_orphan = store.repository.object_path(store.repository.put_bytes(b"nobody uses me")[0])
        recent_orphan = store.repository.object_path(store.repository.put_bytes(b"a writer may use me")[0])
        old_leftover = store.repository.root / "staging" / "tmp-crashed-write"
        old_leftover.write_bytes(b"half a file")
        for path in (referenced, old_orphan, old_leftover):
            age(path)
        yield Repository(node.pk, referenced, old_orphan, recent_orphan, old_leftover)  # type: ignore[arg-type]
    finally:
        set_current_store(None)
        store.close()


def present(repository: Repository) -> dict[str, bool]:
    return {name: getattr(repository, name).exists()
            for name in ("referenced", "old_orphan", "recent_orphan", "old_leftover")}


def test_dry_run_reports_what_it_would_delete_and_deletes_nothing(repository: Repository) -> None:
    plan = run_json("storage", "maintain", "--dry-run")
    text = run_cli("storage", "maintain", "--dry-run")

    assert plan["dry_run"] is True
    assert (plan["objects_total"], plan["unreferenced_objects"], plan["skipped_recent"], plan["staging_files"]) == (
        3, 1, 1, 1)
    assert plan["unreferenced_bytes"] == len(b"nobody uses me")
    assert "Would delete 1 unreferenced object(s)" in text.stdout
    assert all(present(repository).values())


def test_maintain_deletes_old_unreferenced_objects_and_leftovers_only(repository: Repository) -> None:
    result = run_cli("storage", "maintain", "--force")

    assert result.exit_code == 0, result.output
    assert present(repository) == {
        "referenced": True, "old_orphan": False, "recent_orphan": True, "old_leftover": False,
    }
    assert "deleted 1 object(s)" in result.stdout


def test_files_of_nodes_stay_readable_after_maintain(repository: Repository) -> None:
    run_cli("storage", "maintain", "--force")

    store = load_profile()
    try:
        assert load_node(repository.node).get_content() == b"kept because a node uses it"
    finally:
        set_current_store(None)
        store.close()


def test_maintain_asks_first_and_a_no_deletes_nothing(repository: Repository) -> None:
    result = run_cli("storage", "maintain", input="n\n")

    assert result.exit_code == 1
    assert all(present(repository).values())


def test_maintain_json_reports_what_it_did(repository: Repository) -> None:
    report = run_json("storage", "maintain", "--force")

    assert report == {"deleted_objects": 1, "freed_bytes": len(b"nobody uses me"), "deleted_staging_files": 1,
                      "vacuumed": True}


def test_a_second_maintain_finds_nothing_more_to_delete(repository: Repository) -> None:
    run_cli("storage", "maintain", "--force")

    plan = run_json("storage", "maintain", "--dry-run")

    assert (plan["unreferenced_objects"], plan["staging_files"]) == (0, 0)
