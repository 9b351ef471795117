"""Shell text built only from quoted pieces, so no path or value can inject commands."""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Mapping, Sequence

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def quote_args(args: Sequence[str]) -> str:
    """Join arguments into one command line, each quoted with shlex."""
    return " ".join(shlex.quote(arg) for arg in args)


def command_text(
    command: str | Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> str:
    """The shell text that runs `command` in `cwd` with `env` exported.

    A string command is shell text the caller wrote on purpose; a sequence is an argument vector
    and gets quoted. Environment names must be identifiers; values and `cwd` are quoted.
    """
    text = command if isinstance(command, str) else quote_args(command)
    prefix = []
    if cwd is not None:
        prefix.append(f"cd {shlex.quote(cwd)} || exit 1;")
    for name, value in (env or {}).items():
        if not _ENV_NAME.match(name):
            raise ValueError(f"Not a valid environment variable name: {name!r}")
        prefix.append(f"export {name}={shlex.quote(value)};")
    if not prefix:
        return text
    return " ".join(prefix) + f" {text}"


def marked(command: str) -> tuple[str, str]:
    """`command` led by a unique no-op word, and that word, so `kill_marked` can find it later.

    A timed-out remote command cannot always be signalled through SSH (sshd refuses signal
    requests without privilege separation, e.g. for root), so its session is found by this mark.
    """
    mark = f"provtop-exec-{secrets.token_hex(6)}"
    return f": {mark}; {command}", mark


def kill_marked(mark: str) -> str:
    """Shell text killing every session whose leader's command line holds `mark`.

    sshd starts each command as a session leader, so the session id is the shell's pid. The
    bracket keeps the pattern from matching this command's own command line.
    """
    pattern = shlex.quote(f"[{mark[0]}]{mark[1:]}")
    return f'for p in $(pgrep -f {pattern}); do pkill -KILL -s "$p"; done; true'
