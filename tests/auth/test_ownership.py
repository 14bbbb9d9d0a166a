"""Ownership: another user's run or thread answers exactly like one that does not exist.

The matrix is generated, not hand-picked: every OpenAPI operation that takes a run or
thread id (in its path, its query or its body) and every client message type of the
WebSocket protocol that carries one.
"""

from __future__ import annotations

import json
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from genesis_mesh.protocol import ClientMessage
from tests.auth.conftest import User
from tests.conftest import wait_for_status
from tests.wsclient import ProtocolClient

ID_FIELDS = ("run_id", "thread_id")
ASK_INPUT = {"topic": "ownership"}
CREATES_WITH_CHOSEN_ID = {("POST", "/threads", "thread_id")}
"""Creating with a client-chosen id (the LangGraph Server API): ids are global, so a
taken one is a 409 whoever holds it; it says no more than that the id is taken."""


@dataclass
class Victim:
    """Alice's run, waiting on a question: every action on it would succeed for her."""

    run: dict[str, Any]

    @property
    def ids(self) -> dict[str, str]:
        return {"run_id": self.run["run_id"], "thread_id": self.run["thread_id"]}

    @property
    def path_ids(self) -> dict[str, str]:
        """Every id a path may hold besides the one under test, the run's graph included."""
        return {**self.ids, "assistant_id": self.run["graph"]}


@pytest.fixture(scope="module")
def victim(alice: User) -> Iterator[Victim]:
    with alice.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "ask", "input": ASK_INPUT}).json()
        before = wait_for_status(http, run["run_id"], {"interrupted"})
    yield Victim(before)
    with alice.client() as http:  # nothing another user sent changed alice's run
        after = http.get(f"/api/v1/runs/{run['run_id']}").json()
    assert after["status"] == "interrupted" and after["last_seq"] == before["last_seq"]


REQUIRED_QUERY = {"/threads/{thread_id}/stream/events": {"channels": "values"}}
"""Query parameters a path cannot be asked without (a stream's channel filter)."""
FOREIGN_RUN_IDS = {"/ag-ui/{assistant_id}/threads/{thread_id}/runs/{run_id}/stream"}
"""Paths whose run id is a client's own (AG-UI's `runId`), not the host's: alice's run,
started over `/api/v1`, is not found there for anyone; someone else's is refused alike."""


def missing(field: str) -> str:
    prefix = "run" if field == "run_id" else "thread"
    return f"{prefix}-{uuid.uuid4().hex}"


# ---- REST: the operations come from the served OpenAPI document --------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    where: str  # "path", "query" or "body"
    field: str
    body: dict[str, Any] | None

    def request(
        self, http: httpx.Client, value: str, others: dict[str, str] | None = None
    ) -> httpx.Response:
        """Send `value` as the id under test; the path's other ids are real (`others`)."""
        url = self.path.replace("{" + self.field + "}", value)
        for name, other in (others or {}).items():
            url = url.replace("{" + name + "}", other)
        params = dict(REQUIRED_QUERY.get(self.path, {}))
        if self.where == "query":
            params[self.field] = value
        body = dict(self.body) if self.body is not None else None
        if self.where == "body" and body is not None:
            body[self.field] = value
        return http.request(self.method, url, params=params, json=body)

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.field} in {self.where})"


def id_operations(openapi: dict[str, Any]) -> list[Operation]:
    """Every operation with a run or thread id in its path, query or request body."""
    found = []
    for path, methods in openapi["paths"].items():
        for method, spec in methods.items():
            body = _body_of(openapi, spec)
            names = {p["name"]: p["in"] for p in spec.get("parameters", [])}
            properties = _body_properties(openapi, spec)
            for field in ID_FIELDS:
                where = names.get(field) or ("body" if field in properties else None)
                if where is not None:
                    found.append(Operation(method.upper(), path, where, field, body))
    return found


def _schema(openapi: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    content = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return dict(schema)


def _body_properties(openapi: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return dict(_schema(openapi, spec).get("properties", {}))


def _body_of(openapi: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    """A valid body: the schema's first example, with a graph this host has."""
    if "requestBody" not in spec:
        return None
    schema = _schema(openapi, spec)
    body = dict((schema.get("examples") or [{}])[0])
    if "graph" in schema.get("properties", {}):
        body.update(graph="ask", input=ASK_INPUT)
    return body


def shape(response: httpx.Response, value: str) -> tuple[int, str]:
    """Status and body with the id asked for replaced, so two answers can be compared."""
    return response.status_code, response.text.replace(value, "<id>")


def test_every_rest_operation_answers_for_someone_elses_id_as_for_a_missing_one(
    alice: User, bob: User, admin: User, victim: Victim
) -> None:
    with bob.client() as http:
        operations = id_operations(http.get("/openapi.json").json())
        paths = {op.path for op in operations}
        assert "/api/v1/runs/{run_id}" in paths and "/api/v1/threads/{thread_id}" in paths
        checked = []
        for op in operations:
            real = victim.ids[op.field]
            fake = missing(op.field)
            if (op.method, op.path, op.field) in CREATES_WITH_CHOSEN_ID:
                taken = op.request(http, real, victim.path_ids)
                assert taken.status_code == 409, f"{op}: {taken.status_code}"
                assert set(taken.json()) == {"code", "message", "detail"}, f"{op}: {taken.text}"
                checked.append(str(op))
                continue
            theirs, nothing = (
                shape(op.request(http, real, victim.path_ids), real),
                shape(op.request(http, fake, victim.path_ids), fake),
            )
            assert theirs == nothing, f"{op}: {theirs} != {nothing}"
            checked.append(str(op))
    with alice.client() as own, admin.client() as root:
        for op in operations:
            if op.method == "GET" and op.where == "path" and op.path not in FOREIGN_RUN_IDS:
                url = op.path
                for field, value in victim.ids.items():  # /threads/{thread_id}/runs/{run_id}
                    url = url.replace("{" + field + "}", value)
                for who, http in (("alice", own), ("admin", root)):
                    params = REQUIRED_QUERY.get(op.path)  # the SSE ones do not end: stream
                    with http.stream("GET", url, params=params) as response:
                        assert response.status_code == 200, f"{who}: {op}"
    assert len(checked) >= 10, checked


# ---- WebSocket: the message types come from the protocol module -------------------------


def client_message_types() -> dict[str, Any]:
    """Message type name -> pydantic model, read off the `ClientMessage` union."""
    union = typing.get_args(ClientMessage)[0]
    return {m.model_fields["type"].annotation.__args__[0]: m for m in typing.get_args(union)}


def message_for(kind: str, field: str, value: str) -> dict[str, Any]:
    message: dict[str, Any] = {"type": kind, field: value}
    if kind == "start":
        message.update(graph="ask", input=ASK_INPUT)
    return message


async def answers(client: ProtocolClient, message: dict[str, Any]) -> list[dict[str, Any]]:
    """What the server says to `message`, up to the pong of a ping sent right after it.

    Only one command at a time, so the answer (sent before its pong) is not racing it."""
    await client.send(message)
    got = await client.until(lambda m: m.get("type") in ("error", "ack", "run.started"), 15)
    await client.send({"type": "ping", "id": "fence"})
    got += await client.until(lambda m: m.get("type") == "pong")
    return got


async def quiet_answers(client: ProtocolClient, message: dict[str, Any]) -> list[dict[str, Any]]:
    await client.send(message)
    await client.send({"type": "ping", "id": "fence"})
    return await client.until(lambda m: m.get("type") == "pong")


async def test_every_websocket_message_answers_for_someone_elses_id_as_for_a_missing_one(
    bob: User, victim: Victim
) -> None:
    client = await ProtocolClient.open(bob.host.ws_url, additional_headers=bob.headers)
    checked = []
    for kind, model in client_message_types().items():
        for field in ID_FIELDS:
            if field not in model.model_fields:
                continue
            real, fake = victim.ids[field], missing(field)
            receive = quiet_answers if kind == "unsubscribe" else answers
            theirs = json.dumps(await receive(client, message_for(kind, field, real)))
            nothing = json.dumps(await receive(client, message_for(kind, field, fake)))
            assert theirs.replace(real, "<id>") == nothing.replace(fake, "<id>"), kind
            checked.append(kind)
    await client.close()
    assert {"start", "subscribe", "unsubscribe", "interrupt", "resume"} <= set(checked)


def test_listing_shows_only_ones_own_runs_and_admins_see_all(
    alice: User, bob: User, admin: User, victim: Victim
) -> None:
    with bob.client() as http:
        mine = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0}}).json()
        listed = {r["run_id"] for r in http.get("/api/v1/runs").json()}
    assert mine["run_id"] in listed and victim.run["run_id"] not in listed
    with alice.client() as http:
        listed = {r["run_id"] for r in http.get("/api/v1/runs").json()}
    assert victim.run["run_id"] in listed and mine["run_id"] not in listed
    with admin.client() as http:
        listed = {r["run_id"] for r in http.get("/api/v1/runs").json()}
    assert {victim.run["run_id"], mine["run_id"]} <= listed


def test_the_owner_continues_her_thread_and_nobody_else_can(
    alice: User, bob: User, victim: Victim
) -> None:
    with alice.client() as http:
        first = http.post("/api/v1/runs", json={"graph": "steps", "input": {"delay": 0}}).json()
        wait_for_status(http, first["run_id"], {"succeeded"})
        body = {"graph": "steps", "input": {"delay": 0}, "thread_id": first["thread_id"]}
        second = http.post("/api/v1/runs", json=body)
    assert second.status_code == 202 and second.json()["thread_id"] == first["thread_id"]
    with bob.client() as http:
        refused = http.post("/api/v1/runs", json=body)
    assert refused.status_code == 404 and refused.json()["code"] == "thread_not_found"
