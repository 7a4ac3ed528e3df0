"""What the pages take from the app that mounts them: the store engine, the settings, the clock and
the standard (``app.state.store_engine``, ``app.state.settings``, ``app.state.clock``; tests set
the last two). The portal never imports the API: the app hands these over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from sqlalchemy.engine import Engine

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard


def engine(request: Request) -> Engine:
    made: Any = request.app.state.store_engine()
    return made  # type: ignore[no-any-return]


def settings(request: Request) -> Settings:
    found = getattr(request.app.state, "settings", None)
    return found if isinstance(found, Settings) else get_settings()


def clock(request: Request) -> Clock:
    found = getattr(request.app.state, "clock", None)
    return found if found is not None else SYSTEM_CLOCK


def today(request: Request) -> dt.date:
    return clock(request).today()


def standard(request: Request) -> Standard:
    return get_standard(settings(request).standard_version)
