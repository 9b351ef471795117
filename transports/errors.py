"""Typed transport errors whose messages tell a user what to do next.

Every transport maps its library's exceptions (OSError, asyncssh, paramiko) onto these classes,
so callers handle one hierarchy whatever the transport.
"""

from __future__ import annotations

import errno


class TransportError(Exception):
    """Base of every error a transport raises; `str(error)` is a one-line message for the user."""

    def __init__(self, message: str, *, host: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.path = path


class NotFound(TransportError):
    """A path (or a glob pattern's matches) does not exist."""

    def __init__(self, path: str, *, host: str | None = None, what: str = "No such file or directory") -> None:
        where = f" on {host}" if host else ""
        super().__init__(f"{what}{where}: {path}", host=host, path=path)


class AlreadyExists(TransportError):
    """A path that must be new already exists."""

    def __init__(self, path: str, *, host: str | None = None) -> None:
        where = f" on {host}" if host else ""
        super().__init__(f"Already exists{where}: {path}", host=host, path=path)


class PermissionDenied(TransportError):
    """The user the transport runs as may not read, write or enter a path, or may not log in."""

    def __init__(self, path: str | None, *, host: str | None = None, detail: str = "") -> None:
        where = f" on {host}" if host else ""
        if path is None:
            message = (
                f"Login refused{where}{': ' + detail if detail else ''}; "
                "check the user name and that the key is in the remote authorized_keys"
            )
        else:
            message = f"Permission denied{where}: {path}; check its owner and mode"
        super().__init__(message, host=host, path=path)


class ConnectionLost(TransportError):
    """The connection dropped or could not be made, even after reconnecting with backoff."""

    def __init__(self, host: str, reason: str, *, attempts: int = 1) -> None:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"Lost the connection to {host}{tries}: {reason}; "
            "check that the host is reachable (`ssh HOST true`) and try again",
            host=host,
        )
        self.reason = reason


class HostKeyError(TransportError):
    """The host's key is unknown or differs from known_hosts, so the connection was refused."""

    def __init__(self, host: str, *, fingerprint: str | None, label: str | None, changed: bool) -> None:
        state = "changed (possible man-in-the-middle, or a reinstalled host)" if changed else "unknown"
        shown = fingerprint or "unavailable"
        hint = f"provtop computer trust {label or host}"
        super().__init__(
            f"Host key of {host} is {state}; fingerprint {shown}. If you trust it, run `{hint}`",
            host=host,
        )
        self.fingerprint = fingerprint
        self.changed = changed


class TransportTimeout(TransportError):
    """A command or connection took longer than its timeout; the remote process was stopped."""

    def __init__(self, what: str, seconds: float, *, host: str | None = None) -> None:
        where = f" on {host}" if host else ""
        super().__init__(
            f"{what}{where} did not finish within {seconds:g} s; raise the timeout or check the host's load",
            host=host,
        )
        self.seconds = seconds


class UnsafeArchive(TransportError):
    """An archive holds a member that would land outside the target or is a device or special file."""

    def __init__(self, archive: str, member: str, reason: str, *, host: str | None = None) -> None:
        super().__init__(
            f"Refused to extract {archive}: member {member!r} {reason}; nothing was extracted",
            host=host,
            path=archive,
        )
        self.member = member


class CommandFailed(TransportError):
    """A helper command the transport ran itself (tar, du, cp) exited with an error."""

    def __init__(self, what: str, exit_code: int, stderr: str, *, host: str | None = None) -> None:
        where = f" on {host}" if host else ""
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else "no error output"
        super().__init__(f"{what}{where} failed (exit {exit_code}): {detail}", host=host)
        self.exit_code = exit_code
        self.stderr = stderr


def from_os_error(exc: OSError, path: str, *, host: str | None = None) -> TransportError:
    """The typed error for an OSError (also SFTP status errors that carry an errno)."""
    code = exc.errno
    if code == errno.ENOENT:
        return NotFound(path, host=host)
    if code in (errno.EACCES, errno.EPERM):
        return PermissionDenied(path, host=host)
    if code == errno.EEXIST:
        return AlreadyExists(path, host=host)
    detail = exc.strerror or str(exc) or type(exc).__name__
    where = f" on {host}" if host else ""
    return TransportError(f"{detail}{where}: {path}", host=host, path=path)
