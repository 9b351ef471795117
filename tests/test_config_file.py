"""The configuration file keeps what provtop does not manage itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from provtop.backend.config import Config, config_file


def test_saving_keeps_tables_that_other_parts_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVTOP_HOME", str(tmp_path))
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text('[tui.keys]\nkill = "x"\n\n[options]\n"transport.task_maximum_attempts" = 3\n')

    config = Config.load()
    config.options["transport.task_retry_initial_interval"] = 5
    config.save()

    reloaded = Config.load()
    assert reloaded.other_tables == {"tui": {"keys": {"kill": "x"}}}
    assert reloaded.option("transport.task_maximum_attempts") == 3
    assert reloaded.option("transport.task_retry_initial_interval") == 5
