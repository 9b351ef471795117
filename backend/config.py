"""Where provtop keeps its configuration and data, and the profiles in it.

`PROVTOP_HOME` overrides both platformdirs locations so that tests and scripts
can run in a private directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from .atomic import atomic_write_bytes
from .errors import ConfigError, InputError, ProfileNotFound

DEFAULT_OPTIONS: dict[str, Any] = {
    "transport.task_retry_initial_interval": 20.0,
    "transport.task_maximum_attempts": 5,
}


def config_dir() -> Path:
    home = os.environ.get("PROVTOP_HOME")
    return Path(home) if home else platformdirs.user_config_path("provtop")


def data_dir() -> Path:
    home = os.environ.get("PROVTOP_HOME")
    return Path(home) / "data" if home else platformdirs.user_data_path("provtop")


def config_file() -> Path:
    return config_dir() / "config.toml"


@dataclass
class ProfileConfig:
    """One profile: a store (SQLite file or PostgreSQL URL) and its file repository."""

    name: str
    storage: str = "sqlite"
    url: str | None = None

    @property
    def directory(self) -> Path:
        return data_dir() / "profiles" / self.name

    @property
    def repository_path(self) -> Path:
        return self.directory / "repository"

    @property
    def database_url(self) -> str:
        if self.url:
            return self.url
        return f"sqlite:///{self.directory / 'store.sqlite'}"

    def to_toml(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"storage": self.storage}
        if self.url:
            entry["url"] = self.url
        return entry


@dataclass
class Config:
    """The whole configuration file: profiles, the default one and option values."""

    profiles: dict[str, ProfileConfig] = field(default_factory=dict)
    default_profile: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    # Tables this module does not manage (such as [tui.keys]) are kept as they are on save.
    other_tables: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Config:
        path = config_file()
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}; fix or remove the file") from None
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        profiles = {
            name: ProfileConfig(name=name, storage=entry.get("storage", "sqlite"), url=entry.get("url"))
            for name, entry in raw.get("profiles", {}).items()
        }
        others = {key: value for key, value in raw.items() if key not in ("profiles", "default_profile", "options")}
        return cls(profiles, raw.get("default_profile"), dict(raw.get("options", {})), others)

    def save(self) -> None:
        data: dict[str, Any] = dict(self.other_tables)
        if self.default_profile:
            data["default_profile"] = self.default_profile
        if self.options:
            data["options"] = self.options
        data["profiles"] = {name: p.to_toml() for name, p in sorted(self.profiles.items())}
        path = config_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, tomli_w.dumps(data).encode())
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror}; check the directory's permissions") from None

    def profile(self, name: str | None = None) -> ProfileConfig:
        name = name or self.default_profile
        if name is None:
            raise ProfileNotFound("no default profile; create one with 'provtop profile setup NAME'")
        try:
            return self.profiles[name]
        except KeyError:
            raise ProfileNotFound(f"no profile '{name}'; see 'provtop profile list'") from None

    def option(self, key: str) -> Any:
        if key not in DEFAULT_OPTIONS:
            raise InputError(f"unknown option '{key}'; known: {', '.join(sorted(DEFAULT_OPTIONS))}")
        return self.options.get(key, DEFAULT_OPTIONS[key])
