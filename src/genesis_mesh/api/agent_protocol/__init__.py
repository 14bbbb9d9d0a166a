"""LangGraph's Agent Streaming Protocol (the thread-centric "v3" stream of `langgraph-sdk`,
typed by `langchain-protocol`) over the same core, WebSocket and SSE.

`routes` (the endpoints), `commands` (run.*, input.*, state.fork, agent.getTree),
`state` (state.get and state.listCheckpoints from the checkpointer), `tree` (the agent
tree of a run), `subscription` (channel and namespace filters, subscription ids),
`feed` (a thread's events, stored then live), `mapping` (the one place stored events
become protocol events) and `cursor` (the thread-wide `seq`). Nothing below `api/`
knows this protocol exists.
"""

from __future__ import annotations

from fastapi import FastAPI


def include_agent_protocol(app: FastAPI) -> None:
    from genesis_mesh.api.agent_protocol.feed import ThreadWakers
    from genesis_mesh.api.agent_protocol.routes import router

    app.state.agent_protocol_wakers = ThreadWakers()
    app.include_router(router)
