"""An AG-UI client in a few lines: post a `RunAgentInput`, read the SSE answer, and
validate every event with the `ag-ui-protocol` package's own pydantic union."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from ag_ui.core import BaseEvent, Event
from pydantic import TypeAdapter

EVENT = TypeAdapter(Event)


@dataclass
class Stream:
    """What one AG-UI request answered: the events (validated), their SSE ids, headers."""

    events: list[BaseEvent] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def types(self) -> list[str]:
        return [e.type.value for e in self.events]

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type.value == kind]

    @property
    def finished(self) -> Any:
        last = self.events[-1]
        assert last.type.value == "RUN_FINISHED", self.types
        return last

    def text(self) -> str:
        return "".join(e.delta for e in self.of("TEXT_MESSAGE_CONTENT"))


def parse(lines: list[str]) -> Stream:
    """SSE lines as an AG-UI client reads them (`data:` lines; `id:` kept; comments
    skipped); each data line must be one event of AG-UI's union."""
    stream, current_id = Stream(), None
    for line in lines:
        if line.startswith("id:"):
            current_id = int(line[3:].strip())
        elif line.startswith("data:"):
            stream.events.append(EVENT.validate_python(json.loads(line[5:])))
            stream.ids.append(current_id)
        elif not line:
            current_id = None
    return stream


def run_input(**fields: Any) -> dict[str, Any]:
    """A RunAgentInput as the JS client sends it (camelCase)."""
    return {
        "threadId": str(uuid.uuid4()),
        "runId": str(uuid.uuid4()),
        "messages": [],
        "state": {},
        "tools": [],
        "context": [],
        "forwardedProps": {},
        **fields,
    }


def user_message(text: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "role": "user", "content": text}


def post(http: httpx.Client, assistant: str, body: dict[str, Any]) -> Stream:
    with http.stream("POST", f"/ag-ui/{assistant}", json=body, timeout=60) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = parse(list(response.iter_lines()))
        stream.headers = dict(response.headers)
    return stream


def get(http: httpx.Client, path: str, **kwargs: Any) -> Stream:
    with http.stream("GET", path, timeout=60, **kwargs) as response:
        assert response.status_code == 200, response.read()
        stream = parse(list(response.iter_lines()))
        stream.headers = dict(response.headers)
    return stream
