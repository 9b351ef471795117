"""transports is the bottom layer: it must not import backend or tui, and errors must read well."""

from __future__ import annotations

import ast
from pathlib import Path

import provtop.transports
import pytest
from provtop.transports import (
    ConnectionLost,
    HostKeyError,
    LocalTransport,
    PermissionDenied,
    TransportTimeout,
    open_transport,
    transport_class,
)

PACKAGE = Path(provtop.transports.__file__).parent


def imported_modules(source: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level
            modules.add(prefix + (node.module or ""))
    return modules


def test_transports_imports_nothing_from_backend_or_tui() -> None:
    offenders = {
        f"{path.name}: {module}"
        for path in PACKAGE.glob("*.py")
        for module in imported_modules(path)
        if module.startswith(("provtop.backend", "provtop.tui", "..", "backend", "tui", "textual"))
    }
    assert offenders == set()


def test_the_factory_maps_kind_names_to_classes() -> None:
    assert transport_class("local") is LocalTransport
    assert isinstance(open_transport("local", label="here"), LocalTransport)
    with pytest.raises(ValueError, match="ssh_async"):
        transport_class("ftp")


def test_error_messages_say_what_to_do() -> None:
    assert "provtop computer trust hpc" in str(
        HostKeyError("hpc.example.org", fingerprint="SHA256:abc", label="hpc", changed=False)
    )
    assert "SHA256:abc" in str(HostKeyError("h", fingerprint="SHA256:abc", label=None, changed=True))
    assert "authorized_keys" in str(PermissionDenied(None, host="h"))
    assert "ssh HOST true" in str(ConnectionLost("h", "reset by peer"))
    assert "raise the timeout" in str(TransportTimeout("The command 'x'", 2, host="h"))
