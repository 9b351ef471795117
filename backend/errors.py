"""One exception hierarchy: every message says what is wrong and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping


class ProvtopError(Exception):
    """Base of every error a user can act on; the CLI prints it as one line."""

    exit_code = 1

    def explain(self, controls: Mapping[str, str]) -> str:
        """The message for a front end other than the CLI: where its remedy names an option, the
        front end's own words for it (`controls`: option name -> what to do there)."""
        return str(self)


class ConfigError(ProvtopError):
    """The configuration file or a profile entry is unusable."""


class ProfileNotFound(ProvtopError):
    """A profile name that the configuration does not know."""


class StorageError(ProvtopError):
    """The store cannot be opened, reached or written."""


class SchemaVersionError(StorageError):
    """The store's schema is older or newer than this provtop."""


class NotExistent(ProvtopError):
    """A looked-up entity (node, group, computer, ...) does not exist."""


class MultipleObjectsError(ProvtopError):
    """An identifier matched more than one entity."""


class UniquenessError(ProvtopError):
    """Storing would break a uniqueness rule (label, uuid, ...)."""


class ModificationNotAllowed(ProvtopError):
    """A stored node is immutable except its extras; a sealed process is final."""


class ValidationError(ProvtopError):
    """A value does not satisfy the rules of its entity (link rules, labels, types)."""


class InputError(ProvtopError):
    """Bad input given on the command line or through the service API."""


class RemoteError(ProvtopError):
    """Talking to a computer failed (connection, host key, missing path, permission)."""
