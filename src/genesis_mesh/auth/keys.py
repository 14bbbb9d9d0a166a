"""API keys: `gm_<id>_<secret>`, stored as the SHA-256 of the secret, looked up by id.

The secret is 32 random bytes, so a plain SHA-256 is enough (a slow password hash
protects guessable secrets; these are not guessable), and the comparison is
constant-time. The full key is shown once, at creation, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store import utcnow
from genesis_mesh.store.tables import api_keys

KEY_PREFIX = "gm"
_KEY_RE = re.compile(r"^gm_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
USER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,199}$")


@dataclass(frozen=True)
class ApiKeyInfo:
    """A stored key, without its secret."""

    key_id: str
    user_id: str
    is_admin: bool
    note: str | None
    created_at: datetime
    revoked_at: datetime | None


def looks_like_api_key(token: str) -> bool:
    return token.startswith(f"{KEY_PREFIX}_")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeys:
    """Create, list, revoke and verify API keys in the run store's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(
        self, user_id: str, is_admin: bool = False, note: str | None = None
    ) -> tuple[str, ApiKeyInfo]:
        """Store a new key for `user_id`; returns the full key (shown once) and its record."""
        if not USER_ID_RE.match(user_id):
            raise ValueError(
                f"invalid user id {user_id!r}: use 1-200 letters, digits and . _ @ : + - "
                "(starting with a letter or digit)"
            )
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        info = ApiKeyInfo(key_id, user_id, is_admin, note, utcnow(), None)
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(api_keys).values(
                    id=key_id,
                    user_id=user_id,
                    is_admin=is_admin,
                    secret_sha256=_digest(secret),
                    note=note,
                    created_at=info.created_at,
                )
            )
        return f"{KEY_PREFIX}_{key_id}_{secret}", info

    async def list(self) -> list[ApiKeyInfo]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(api_keys).order_by(api_keys.c.created_at))).all()
        return [
            ApiKeyInfo(r.id, r.user_id, bool(r.is_admin), r.note, r.created_at, r.revoked_at)
            for r in rows
        ]

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such key or it was revoked already."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return bool(result.rowcount)

    async def verify(self, token: str) -> ApiKeyInfo | None:
        """The live key `token` is, or None (malformed, unknown, revoked or wrong secret)."""
        match = _KEY_RE.match(token)
        if match is None:
            return None
        key_id, secret = match.groups()
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                )
            ).first()
        if row is None or not hmac.compare_digest(row.secret_sha256, _digest(secret)):
            return None
        return ApiKeyInfo(row.id, row.user_id, bool(row.is_admin), row.note, row.created_at, None)
