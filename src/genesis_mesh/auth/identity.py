"""Who is asking: the identity every request and socket carries after authentication."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

LOCAL_USER = "local"
"""The owner of everything when authentication is off (the store's default owner)."""


class Method(StrEnum):
    """How an identity was established."""

    NONE = "none"
    API_KEY = "api_key"
    JWT = "jwt"


@dataclass(frozen=True)
class Identity:
    """A user id, whether it may see everyone's runs, and when its credential expires."""

    user_id: str
    is_admin: bool = False
    method: Method = Method.NONE
    expires_at: float | None = None
    """Unix time after which the credential is no longer valid (JWT `exp`); None: never."""

    @property
    def owner_filter(self) -> str | None:
        """The owner to filter reads by; None lets an admin see every owner's records."""
        return None if self.is_admin else self.user_id

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at


ANONYMOUS = Identity(LOCAL_USER, is_admin=False, method=Method.NONE)
"""The identity of every caller while authentication is off."""
