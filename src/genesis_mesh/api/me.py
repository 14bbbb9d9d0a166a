"""REST: who the caller is (the UI checks a key with it)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from genesis_mesh.api.deps import UserDep

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Me(BaseModel):
    user_id: str
    admin: bool
    method: str
    """`none` (authentication is off), `api_key` or `jwt`."""
    expires_at: float | None = None


@router.get("/me", summary="The authenticated caller")
async def me(user: UserDep) -> Me:
    return Me(
        user_id=user.user_id,
        admin=user.is_admin,
        method=user.method.value,
        expires_at=user.expires_at,
    )
