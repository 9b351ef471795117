"""get_size_on_disk: du's block count, or stat's apparent sizes when asked or when du fails."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from provtop.transports import ExecResult, NotFound, Transport


@pytest.fixture
def sized_tree(remote_dir: Path) -> Path:
    root = remote_dir / "sized"
    (root / "sub").mkdir(parents=True)
    (root / "a").write_bytes(b"x" * 5000)
    (root / "sub" / "b").write_bytes(b"y" * 70000)
    return root


def apparent_size(root: Path) -> int:
    """What `stat` sums: every entry's size, directories included, the root too."""
    return root.lstat().st_size + sum(p.lstat().st_size for p in root.rglob("*"))


async def test_du_counts_allocated_blocks(transport: Transport, sized_tree: Path) -> None:
    size = await transport.get_size_on_disk(str(sized_tree))
    assert size % 512 == 0 and size >= 75000


async def test_stat_sums_apparent_sizes_of_every_entry(transport: Transport, sized_tree: Path) -> None:
    assert await transport.get_size_on_disk(str(sized_tree), method="stat") == apparent_size(sized_tree)
    assert await transport.get_size_on_disk(str(sized_tree / "a"), method="stat") == 5000


async def test_a_failing_du_falls_back_to_stat_with_a_warning(
    transport: Transport, sized_tree: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken_du(*args: object, **kwargs: object) -> ExecResult:
        return ExecResult(exit_code=1, stdout="", stderr="du: unrecognized option '--block-size=1'")

    monkeypatch.setattr(transport, "exec", broken_du)
    with caplog.at_level(logging.WARNING):
        size = await transport.get_size_on_disk(str(sized_tree))
    assert size == apparent_size(sized_tree)
    assert "may underestimate" in caplog.text and "unrecognized option" in caplog.text


async def test_size_of_a_missing_path_raises_not_found(transport: Transport, remote_dir: Path) -> None:
    with pytest.raises(NotFound):
        await transport.get_size_on_disk(str(remote_dir / "missing"))


async def test_an_unknown_size_method_is_refused(transport: Transport, sized_tree: Path) -> None:
    with pytest.raises(ValueError, match="'du' or 'stat'"):
        await transport.get_size_on_disk(str(sized_tree), method="bytes")  # type: ignore[arg-type]
