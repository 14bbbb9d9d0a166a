"""`genesis-mesh keys create|list|revoke`: API keys in the host's own database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from genesis_mesh.auth.keys import ApiKeyInfo, ApiKeys
from genesis_mesh.settings import Settings

keys_app = typer.Typer(help="Create, list and revoke API keys (same database as the host).")
_err = Console(stderr=True)
_out = Console()
_T = TypeVar("_T")


def _with_keys(action: Callable[[ApiKeys], Awaitable[_T]]) -> _T:
    """Open the run store of the current settings (migrating it), act, close."""
    from genesis_mesh.store import RunStore

    try:
        settings = Settings()
    except ValueError as exc:
        _err.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None

    async def run() -> _T:
        store = RunStore(
            settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
        )
        try:
            await store.open()
            return await action(ApiKeys(store.engine))
        finally:
            await store.close()

    return asyncio.run(run())


@keys_app.command("create")
def create(
    user: Annotated[str, typer.Option("--user", help="The user id that owns the key's runs.")],
    admin: Annotated[bool, typer.Option("--admin", help="May see every user's runs.")] = False,
    note: Annotated[str | None, typer.Option(help="A label, e.g. who holds the key.")] = None,
) -> None:
    """Create a key and print it once (stdout); only its hash is stored."""
    try:
        key, info = _with_keys(lambda keys: keys.create(user, admin, note))
    except ValueError as exc:
        _err.print(f"[red]Cannot create the key:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    role = " (admin)" if info.is_admin else ""
    _err.print(f"Key {info.key_id} for {info.user_id}{role}. It is shown only now; store it.")
    _out.print(key, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
def list_keys() -> None:
    """List keys: id, user, role, created, revoked (never the key)."""
    infos: list[ApiKeyInfo] = _with_keys(lambda keys: keys.list())
    table = Table("id", "user", "role", "created", "revoked", "note")
    for info in infos:
        table.add_row(
            info.key_id,
            info.user_id,
            "admin" if info.is_admin else "user",
            f"{info.created_at:%Y-%m-%d %H:%M}",
            f"{info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "",
            info.note or "",
        )
    _out.print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (see `keys list`).")]) -> None:
    """Revoke a key: it stops working at its next request."""
    if not _with_keys(lambda keys: keys.revoke(key_id)):
        _err.print(f"[red]No live key with id {key_id!r}[/red] (see `genesis-mesh keys list`).")
        raise typer.Exit(1)
    _err.print(f"Key {key_id} revoked.")
