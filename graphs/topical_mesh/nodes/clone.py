"""The clone node: a hardened shallow clone into a per-run, per-attempt folder."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from graphs.topical_mesh.context import Context, resolve_context
from graphs.topical_mesh.errors import CloneFailed
from graphs.topical_mesh.git_runner import (
    clone_command,
    git_environment,
    git_executable,
    remove_symlink_placeholders,
    run_clone,
    warn_if_old_git,
)
from graphs.topical_mesh.nodes.progress import Progress, run_id
from graphs.topical_mesh.state import State
from graphs.topical_mesh.url_guard import (
    LocalSource,
    check_ref,
    check_source,
    check_subdir,
)
from graphs.topical_mesh.workspace import (
    new_attempt,
    remove_in_background,
    run_folder,
    sweep_stale,
)


async def fetch_source(state: State, ctx: Context, run: str, progress: Progress) -> dict[str, Any]:
    """Check the source, then clone it (or point at the local folder); returns state keys."""
    source = check_source(state["repo_url"], ctx)
    check_ref(state.get("ref"))
    check_subdir(state.get("subdir"))
    if isinstance(source, LocalSource) and not state.get("ref"):
        progress.say(f"reading the local folder {source.path}")
        return {"run_dir": None, "checkout": source.path, "clone_notes": []}
    git = git_executable()
    await warn_if_old_git(git)
    await asyncio.to_thread(sweep_stale, ctx.workdir)
    attempt = await asyncio.to_thread(new_attempt, ctx.workdir, run)
    dest = attempt / "repo"
    args, protocols = clone_command(git, source, dest, state.get("ref"))
    env = git_environment(attempt / "home", protocols)
    progress.say("cloning the repository")
    try:
        await run_clone(
            args,
            env,
            attempt,
            ctx.clone_timeout_seconds,
            ctx.max_checkout_bytes,
            lambda phase, percent: progress.say(f"{phase.lower()}: {percent}%", percent, 100),
        )
        if not (dest / ".git").is_dir():
            raise CloneFailed("git finished without producing a checkout.")
        symlinks = await remove_symlink_placeholders(git, dest, env)
    except BaseException:
        await remove_in_background(run_folder(ctx.workdir, run))
        raise
    progress.say("cloned")
    notes = (
        [
            f"skipped {len(symlinks)} symlink(s) in the repository, never followed: "
            + ", ".join(symlinks[:10])
        ]
        if symlinks
        else []
    )
    return {
        "run_dir": str(run_folder(ctx.workdir, run)),
        "checkout": str(dest),
        "clone_notes": notes,
    }


async def clone(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Fetch the repository; every refusal happens before git starts."""
    ctx = resolve_context(runtime.context)
    started = time.time()
    updates = await fetch_source(state, ctx, run_id(runtime), Progress())
    return {"started_at": started, **updates}


def checkout_is_present(state: State) -> bool:
    """False when the checkout of an earlier attempt has already been removed."""
    checkout = state.get("checkout")
    return bool(checkout) and Path(str(checkout)).is_dir()
