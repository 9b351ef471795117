"""Profiles: creating, opening and deleting them; the first run creates `default` on its own."""

from __future__ import annotations

import getpass
import re
import shutil
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from .config import Config, ProfileConfig
from .entities.computers import Computer
from .entities.current import set_current_store
from .entities.users import User
from .errors import InputError, StorageError
from .store.database import create_database_engine, parse_url
from .store.store import Store

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_PROFILE = "default"


def default_email() -> str:
    return f"{getpass.getuser()}@localhost"


def open_store(profile: ProfileConfig, *, create: bool = False) -> Store:
    """Open a profile's store, checking its schema version."""
    engine = create_database_engine(profile.database_url)
    try:
        return Store.open(engine, profile.repository_path, name=profile.name, create=create)
    except BaseException:
        engine.dispose()
        raise


def setup_profile(
    name: str,
    *,
    storage: str = "sqlite",
    url: str | None = None,
    email: str | None = None,
    with_localhost: bool = True,
    make_default: bool | None = None,
) -> ProfileConfig:
    """Create the store (schema, default user, a localhost computer), then record the profile.

    The configuration is written last, so a failure leaves no half-made profile behind.
    """
    if not _PROFILE_NAME.fullmatch(name):
        raise InputError(f"invalid profile name '{name}': use letters, digits, '.', '_' and '-'")
    config = Config.load()
    if name in config.profiles:
        raise InputError(f"a profile '{name}' exists already; see 'provtop profile list'")
    if storage not in ("sqlite", "postgresql"):
        raise InputError(f"unknown storage '{storage}'; choose sqlite or postgresql")
    if storage == "postgresql":
        if not url:
            raise InputError("a postgresql profile needs --url postgresql+psycopg://user@host:port/dbname")
        if parse_url(url) != "postgresql":
            raise InputError(f"'{url}' is not a PostgreSQL URL")
    elif url:
        raise InputError("--url is only for postgresql profiles; sqlite profiles live in the data directory")
    profile = ProfileConfig(name=name, storage=storage, url=url)
    created = _first_missing(profile.directory)
    try:
        profile.directory.mkdir(parents=True, exist_ok=True)
        store = open_store(profile, create=True)
        try:
            _populate_new_store(store, email or default_email(), with_localhost)
        finally:
            store.close()
        config.profiles[name] = profile
        if make_default or (make_default is None and config.default_profile is None):
            config.default_profile = name
        config.save()
    except OSError as exc:
        _remove(created)
        raise StorageError(f"cannot create profile '{name}' in {profile.directory}: {exc.strerror}") from None
    except BaseException:
        _remove(created)
        raise
    return profile


def _populate_new_store(store: Store, email: str, with_localhost: bool) -> None:
    set_current_store(store)
    try:
        with store.transaction():
            if not User.all_emails(store):
                User(email).store()
            if with_localhost and not Computer.all(store):
                Computer(
                    "localhost",
                    "localhost",
                    transport_type="local",
                    scheduler_type="direct",
                    workdir=str(store.repository.root.parent / "work"),
                    description="This machine, used by the demo workflows.",
                ).store()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot initialise the store: {exc}") from None
    finally:
        set_current_store(None)


def _first_missing(path: Path) -> Path | None:
    """The outermost directory that creating `path` would make, so a failure can remove it all."""
    missing = None
    while not path.exists() and path != path.parent:
        missing, path = path, path.parent
    return missing


def _remove(created: Path | None) -> None:
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)


def ensure_default_profile() -> Config:
    """With no profile at all, create `default` (SQLite, localhost) without asking."""
    config = Config.load()
    if not config.profiles:
        setup_profile(DEFAULT_PROFILE)
        config = Config.load()
    return config


def load_profile(name: str | None = None) -> Store:
    """Open a profile (the default one when `name` is None) and make it the current store.

    Only `default` is made on first use: naming an unknown profile creates nothing.
    """
    config = ensure_default_profile() if name in (None, DEFAULT_PROFILE) else Config.load()
    store = open_store(config.profile(name))
    set_current_store(store)
    return store


def delete_profile(name: str, *, delete_data: bool = True) -> ProfileConfig:
    config = Config.load()
    profile = config.profile(name)
    del config.profiles[name]
    if config.default_profile == name:
        config.default_profile = next(iter(sorted(config.profiles)), None)
    config.save()
    if delete_data:
        shutil.rmtree(profile.directory, ignore_errors=True)
    return profile


def set_default_profile(name: str) -> None:
    config = Config.load()
    config.profile(name)
    config.default_profile = name
    config.save()
