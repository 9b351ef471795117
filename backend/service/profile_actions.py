"""Profiles, as the CLI manages them: these need no open store."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from ..config import Config, ProfileConfig
from ..profiles import delete_profile, set_default_profile, setup_profile
from .models import ActionResult, ProfileInfo


def _info(profile: ProfileConfig, default: str | None) -> ProfileInfo:
    return ProfileInfo(
        name=profile.name,
        storage=profile.storage,
        database=make_url(profile.database_url).render_as_string(hide_password=True),
        repository=str(profile.repository_path),
        is_default=profile.name == default,
    )


def list_profiles() -> list[ProfileInfo]:
    config = Config.load()
    return [_info(profile, config.default_profile) for _, profile in sorted(config.profiles.items())]


def show_profile(name: str | None = None) -> ProfileInfo:
    config = Config.load()
    return _info(config.profile(name), config.default_profile)


def create_profile(
    name: str, *, storage: str = "sqlite", url: str | None = None, email: str | None = None, make_default: bool = False
) -> ProfileInfo:
    setup_profile(name, storage=storage, url=url, email=email, make_default=make_default or None)
    return show_profile(name)


def remove_profile(name: str, *, keep_data: bool = False) -> ActionResult:
    profile = delete_profile(name, delete_data=not keep_data)
    kept = f"; its data stays in {profile.directory}" if keep_data else ""
    return ActionResult(message=f"deleted profile '{name}'{kept}")


def make_default(name: str) -> ActionResult:
    set_default_profile(name)
    return ActionResult(message=f"'{name}' is now the default profile")
