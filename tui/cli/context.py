"""What every command shares: the chosen profile and its service, opened on first use."""

from __future__ import annotations

import click

from provtop.backend.service import Service


class CliContext:
    def __init__(self, profile: str | None) -> None:
        self.profile = profile
        self._service: Service | None = None

    @property
    def service(self) -> Service:
        if self._service is None:
            self._service = Service.open(self.profile)
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None


pass_cli = click.make_pass_decorator(CliContext)
