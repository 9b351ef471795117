"""RemoteData.get_size_on_disk measures through the computer's transport (local here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provtop.backend.entities import Computer, Float, RemoteData
from provtop.backend.errors import InputError, NotExistent
from provtop.backend.store.store import Store


@pytest.fixture
def remote_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "workdir"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.dat").write_bytes(b"x" * 10_000)
    (folder / "sub" / "b.dat").write_bytes(b"y" * 5_000)
    return folder


def stored_remote(store: Store, folder: Path) -> RemoteData:
    return RemoteData(str(folder), computer=Computer.load("localhost", store)).store()


def test_stat_sums_apparent_sizes_of_files(store: Store, remote_folder: Path) -> None:
    remote = stored_remote(store, remote_folder)
    size = remote.get_size_on_disk(method="stat")
    directories = sum(p.stat().st_size for p in (remote_folder, remote_folder / "sub"))
    assert size == 15_000 + directories
    assert remote.get_size_on_disk("sub/b.dat", method="stat") == 5_000


def test_du_counts_blocks_on_disk(store: Store, remote_folder: Path) -> None:
    remote = stored_remote(store, remote_folder)
    assert remote.get_size_on_disk() >= 15_000
    assert remote.get_size_on_disk() % 512 == 0


def test_missing_path_and_unknown_method_are_clear_errors(store: Store, remote_folder: Path) -> None:
    remote = stored_remote(store, remote_folder)
    with pytest.raises(NotExistent, match="does not exist"):
        remote.get_size_on_disk("nope")
    with pytest.raises(InputError, match="'du' or 'stat'"):
        remote.get_size_on_disk(method="ls")


def test_float_value_is_a_float_after_a_round_trip(any_store: Store) -> None:
    assert isinstance(Float(1e300).store().value, float)
