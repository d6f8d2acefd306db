"""The base of the package's enumerations.

The enumerations themselves (``Mode``, ``Side``, ``Method`` ...) are made by the
native module from the core's own lists, so they cannot drift from it; each is
a real :class:`enum.Enum` whose members are also their text names.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, TypeVar

_E = TypeVar("_E", bound="NamedEnum")


class NamedEnum(str, enum.Enum):
    """A session-timer enumeration. Each member is also its text name (a
    ``str``), which every setting accepts in its place: ``Mode("required")``,
    ``Policy(mode="required")``. Names match in any case, except a method's
    (RFC 3261 section 7.1)."""

    if TYPE_CHECKING:  # an enum is called with a member's value, not as str()

        def __new__(cls: type[_E], value: object) -> _E: ...  # noqa: PYI019

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def _missing_(cls, value: object) -> Any:
        from . import _native  # the rule for names lives in the native module

        if not isinstance(value, str):
            return None
        return _native._member(cls.__name__, value)

    @classmethod
    def from_str(cls: type[_E], text: str) -> _E:  # noqa: PYI019 (typing.Self is 3.11+)
        """The member for a text name: any case, except a method's, which is
        case-sensitive as in the core (RFC 3261 section 7.1)."""
        return cls(text)
