"""The engine tests' fixtures (profile, localhost, engines, a restartable sshd), plus a service on the profile."""

from __future__ import annotations

import pytest
from provtop.backend.service.core import Service
from provtop.backend.store.store import Store

from tests.engine.conftest import (  # noqa: F401
    engine,
    engine_process,
    localhost,
    restartable_sshd,
    store,
)


@pytest.fixture
def service(store: Store) -> Service:  # noqa: F811
    return Service(store)
