"""Rebuilders that pickles of sessiontimer objects refer to."""

from __future__ import annotations

from typing import Any

from . import _native


def policy(settings: dict[str, Any]) -> _native.Policy:
    """A Policy from ``Policy.to_dict()``."""
    return _native.Policy(**settings)


def session(data: bytes) -> _native.Session:
    """A Session from ``Session.to_bytes()``."""
    return _native.Session.from_bytes(data)


def engine(settings: dict[str, Any], snapshot: bytes) -> _native.Engine:
    """An Engine from ``Engine.settings()`` and ``Engine.snapshot()``."""
    return _native.Engine.restore(snapshot, **settings)
