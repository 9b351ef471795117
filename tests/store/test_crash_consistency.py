"""A writer killed with SIGKILL mid-way leaves a store that reopens consistent.

Every node visible afterwards has all its files (right sha256 and size), no link dangles, each
transaction is all-or-nothing, and the schema check and `storage maintain` still work.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from provtop.backend.entities import CalcFunctionNode, FolderData, Int, LinkType, SinglefileData
from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile
from provtop.backend.queries.filters import NodeFilter
from provtop.backend.queries.nodes import iter_nodes
from provtop.backend.store import migrations_runner
from provtop.backend.store.schema import LinkRow, NodeRow
from provtop.backend.store.store import Store
from provtop.tui.cli.main import cli

WRITER = Path(__file__).with_name("crash_writer.py")
NODES = 1000
KILL_AFTER = 300  # nodes committed before the kill; the writer is then well inside its loop


def run_writer_and_kill(profile: str, stderr_path: Path) -> int:
    """Start the writer, SIGKILL it once it reports KILL_AFTER nodes; return how many it reported."""
    with open(stderr_path, "wb") as stderr:
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), profile, str(NODES)], stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        committed = 0
        try:
            assert writer.stdout is not None
            for line in writer.stdout:
                committed = int(line.split()[1])
                if committed >= KILL_AFTER:
                    writer.send_signal(signal.SIGKILL)
                    break
        finally:
            writer.kill()
            writer.wait()
    assert committed >= KILL_AFTER, f"the writer stopped early:\n{stderr_path.read_text()}"
    assert writer.returncode == -signal.SIGKILL, "the writer finished before it was killed"
    return committed


def missing_or_corrupt_files(store: Store) -> list[str]:
    problems = []
    with store.reading() as session:
        for pk, metadata in session.execute(select(NodeRow.id, NodeRow.repository_metadata)):
            for path, entry in metadata.items():
                location = store.repository.object_path(entry["key"])
                if not location.is_file():
                    problems.append(f"node {pk}: {path} is missing")
                    continue
                content = location.read_bytes()
                if hashlib.sha256(content).hexdigest() != entry["key"] or len(content) != entry["size"]:
                    problems.append(f"node {pk}: {path} does not match its sha256 or size")
    return problems


def dangling_links(store: Store) -> list[int]:
    source, target = aliased(NodeRow), aliased(NodeRow)
    query = (
        select(LinkRow.id)
        .outerjoin(source, source.id == LinkRow.input_id)
        .outerjoin(target, target.id == LinkRow.output_id)
        .where((source.id.is_(None)) | (target.id.is_(None)))
    )
    with store.reading() as session:
        return list(session.scalars(query))


@pytest.fixture
def killed_writer_store(profile_store: Store, tmp_path: Path) -> Iterator[tuple[Store, int]]:
    """The store after a writer was killed mid-way, reopened as a new process would."""
    profile_store.close()
    set_current_store(None)
    committed = run_writer_and_kill(profile_store.name, tmp_path / "writer.stderr")
    reopened = load_profile(profile_store.name)
    yield reopened, committed
    reopened.close()


def test_every_visible_node_has_all_its_files(killed_writer_store: tuple[Store, int]) -> None:
    store, committed = killed_writer_store

    with store.reading() as session:
        nodes = session.scalar(select(func.count()).select_from(NodeRow)) or 0
    assert nodes >= committed
    assert missing_or_corrupt_files(store) == []


def test_no_link_points_to_a_missing_node(killed_writer_store: tuple[Store, int]) -> None:
    store, _ = killed_writer_store

    assert dangling_links(store) == []


def test_each_transaction_is_all_or_nothing(killed_writer_store: tuple[Store, int]) -> None:
    store, committed = killed_writer_store

    calcs = list(iter_nodes(store, NodeFilter(node_types=[CalcFunctionNode.node_type])))
    folders = list(iter_nodes(store, NodeFilter(node_types=[FolderData.node_type])))
    inputs = list(iter_nodes(store, NodeFilter(node_types=[SinglefileData.node_type])))

    assert len(calcs) == len(folders) == len(inputs) >= committed // 3
    for calc in calcs:
        assert calc.is_sealed
        assert [(t.link_type, t.label) for t in calc.get_incoming()] == [(LinkType.INPUT_CALC, "structure")]
        assert [(t.link_type, t.label) for t in calc.get_outgoing()] == [(LinkType.CREATE, "retrieved")]


def test_the_reopened_store_passes_the_schema_check_and_takes_writes(killed_writer_store: tuple[Store, int]) -> None:
    store, _ = killed_writer_store

    assert migrations_runner.current_revision(store.engine) == migrations_runner.head_revision()
    if store.dialect == "sqlite":
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    assert Int(1).store().is_stored


def test_storage_maintain_runs_and_keeps_every_referenced_file(killed_writer_store: tuple[Store, int]) -> None:
    store, _ = killed_writer_store
    runner = CliRunner()

    dry_run = runner.invoke(cli, ["-p", store.name, "storage", "maintain", "--dry-run"])
    real = runner.invoke(cli, ["-p", store.name, "storage", "maintain", "--force"])

    assert dry_run.exit_code == 0, dry_run.output
    assert "Would delete" in dry_run.stdout
    assert real.exit_code == 0, real.output
    assert missing_or_corrupt_files(store) == []
