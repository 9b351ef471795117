"""Running commands through a transport: output, stdin, environment, directory and timeout."""

from __future__ import annotations

from pathlib import Path

import pytest
from provtop.transports import Transport, TransportTimeout, transport_for

from .conftest import ssh_settings

LOGIN_SHELL_PROBE = "shopt -q login_shell 2>/dev/null && echo login || echo plain"


async def test_exec_returns_exit_code_stdout_and_stderr(transport: Transport) -> None:
    result = await transport.exec("echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.stdout, result.stderr, result.ok) == (3, "out\n", "err\n", False)


async def test_exec_feeds_binary_stdin(transport: Transport) -> None:
    assert (await transport.exec("wc -c", stdin=b"\x00\xff\x01")).stdout.strip() == "3"


async def test_exec_passes_stdin_through_unchanged(transport: Transport) -> None:
    assert (await transport.exec("cat", stdin="line 1\nline 2\n")).stdout == "line 1\nline 2\n"


async def test_exec_exports_environment_values_verbatim(transport: Transport) -> None:
    value = "a 'quoted' \"value\" with $HOME and `ticks`"
    result = await transport.exec('printf %s "$PROVTOP_VALUE"', env={"PROVTOP_VALUE": value})
    assert result.stdout == value


async def test_exec_refuses_an_environment_name_that_is_not_an_identifier(transport: Transport) -> None:
    with pytest.raises(ValueError, match="environment variable name"):
        await transport.exec("true", env={"A; rm -rf /": "x"})


async def test_exec_runs_in_the_given_directory(transport: Transport, remote_dir: Path) -> None:
    workdir = remote_dir / 'it\'s a "dir"'
    workdir.mkdir()
    assert (await transport.exec("pwd", cwd=str(workdir))).stdout.strip() == str(workdir)


async def test_exec_in_a_missing_directory_fails_without_running(transport: Transport, remote_dir: Path) -> None:
    marker = remote_dir / "ran"
    result = await transport.exec(["touch", str(marker)], cwd=str(remote_dir / "missing"))
    assert not result.ok and not marker.exists()


async def test_an_argument_vector_is_quoted_not_interpreted(
    transport: Transport, remote_dir: Path, weird_names: list[str]
) -> None:
    await transport.exec(["touch", "--", *(str(remote_dir / name) for name in weird_names)])
    assert sorted(p.name for p in remote_dir.iterdir()) == sorted(weird_names)


async def test_exec_past_its_timeout_raises_and_stops_the_command(transport: Transport, remote_dir: Path) -> None:
    marker = remote_dir / "finished"
    with pytest.raises(TransportTimeout, match="did not finish within 0.5 s"):
        await transport.exec(f"sleep 5; touch {marker}", timeout=0.5)
    result = await transport.exec(["pgrep", "-f", f"[s]leep 5; touch {marker}"])
    assert result.exit_code == 1, result.stdout


async def test_commands_do_not_run_in_a_login_shell_by_default(transport: Transport) -> None:
    result = await transport.exec(LOGIN_SHELL_PROBE)
    assert result.stdout == "plain\n"


async def test_login_shell_runs_commands_under_bash_l_with_their_directory_and_environment(
    transport: Transport, request: pytest.FixtureRequest, remote_dir: Path
) -> None:
    settings = {"label": "test"} if transport.kind == "local" else ssh_settings(request.getfixturevalue("sshd_server"))
    async with transport_for(transport.kind, settings | {"login_shell": True}) as login:
        result = await login.exec(
            f'{LOGIN_SHELL_PROBE}; echo "$GREETING"; pwd', env={"GREETING": "it's"}, cwd=str(remote_dir)
        )
    assert result.ok, result.stderr
    assert result.stdout.splitlines()[-3:] == ["login", "it's", str(remote_dir)]
