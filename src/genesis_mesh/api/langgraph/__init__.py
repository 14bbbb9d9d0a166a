"""The LangGraph Server API over the same core: the paths, request and response shapes
that `langgraph-sdk`, `RemoteGraph` and LangGraph's front ends expect.

One module per resource, each translating at its own boundary: `info`, `assistants`,
`threads`, `runs` (with `rollback` and `webhooks`), `thread_stream`, `crons`, `store` (and
`stream`, the stream-mode translation of stored events). Runs
started here are ordinary runs: stored, owned, limited, visible to every other adapter.
"""

from __future__ import annotations

from fastapi import FastAPI


def include_langgraph(app: FastAPI) -> None:
    from genesis_mesh.api.langgraph import (
        assistants,
        crons,
        info,
        runs,
        store,
        thread_stream,
        threads,
    )

    for module in (info, assistants, threads, runs, thread_stream, crons, store):
        app.include_router(module.router)
