"""A Hypothesis-driven fuzzer for the WebSocket protocol, shared by the test suite (small)
and bench/fuzz_campaign.py (full size).

Each probe is one frame and the reply the protocol promises for it: `error` for anything
malformed or refused, `pong` for a valid ping, and a 1007 close for a text frame that is
not UTF-8 (RFC 6455 requires failing the connection). Anything else is a crash: no reply,
an `internal_error`, a close nobody asked for.
"""

from __future__ import annotations

import json
import math
import string
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from genesis_mesh.protocol import ClientMessage, PingMessage

MESSAGE_TYPES = ["start", "subscribe", "unsubscribe", "interrupt", "resume", "ping"]
FIELDS = ["graph", "input", "thread_id", "client_ref", "run_id", "after_seq", "mode", "value", "id"]
LIMIT = 256_000  # GENESIS_MESH_WS_MAX_MESSAGE_BYTES by default
_MESSAGES: TypeAdapter[Any] = TypeAdapter(cast(Any, ClientMessage))


@dataclass(frozen=True)
class Probe:
    kind: str
    frame: str | bytes
    expect: str  # "error", "pong" or "close_1007"
    as_text: bool = True


# ---- inputs ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def _mutated(document: str, data: st.DataObject) -> str:
    cut = data.draw(st.integers(0, max(0, len(document) - 1)))
    junk = data.draw(st.sampled_from(["", "}", "]", ",", ":", '"', "\\", "{", "\x00", "tru"]))
    return document[:cut] + junk


malformed_json = st.one_of(
    st.text(max_size=200).filter(_not_json),
    st.builds(
        _mutated,
        st.sampled_from(['{"type":"ping","id":1}', '{"type":"start","graph":"x","input":{}}']),
        st.data(),
    ).filter(_not_json),
    st.sampled_from(["", " ", "{", "[", "nul", '{"type":}', "{'type': 'ping'}", "\ufeff{}"]),
)


def _nested(depth: int, opener: str) -> str:
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


deep_nesting = st.builds(
    _nested, st.integers(min_value=600, max_value=130_000), st.sampled_from(["[", "{"])
)
huge_integers = st.builds(
    lambda digits, where: where.replace("N", "9" * digits),
    st.integers(min_value=4_301, max_value=60_000),
    st.sampled_from(
        ['{"type":"subscribe","run_id":"r","after_seq":N}', '{"type":"ping","id":N}', "N", "-N"]
    ),
)
out_of_range = st.builds(
    lambda n: json.dumps({"type": "subscribe", "run_id": "r", "after_seq": n}),
    st.integers(min_value=2**53 + 1, max_value=10**4000) | st.integers(max_value=-1),
)
non_finite = st.builds(
    lambda token, where: where.replace("N", token),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400"]),
    st.sampled_from(
        [
            '{"type":"start","graph":"steps","input":{"delay":N}}',
            '{"type":"resume","run_id":"r","value":[N]}',
            '{"type":"ping","id":N}',
        ]
    ),
)
huge_documents = st.builds(
    lambda n, shape: shape(n),
    st.integers(min_value=LIMIT - 2_000, max_value=LIMIT + 50_000),
    st.sampled_from(
        [
            lambda n: json.dumps({"type": "ping", "id": "a" * n}),
            lambda n: json.dumps({"type": "start", "graph": "g", "input": {"k": "é" * (n // 2)}}),
            lambda n: json.dumps([0] * (n // 2)),
        ]
    ),
)
escaped_oddities = st.builds(
    lambda code, where: where.replace("C", code),
    st.sampled_from(["\\u0000", "\\ud800", "\\udfff", "\\u001f", "\\u007f"]),
    st.sampled_from(
        [
            '{"type":"subscribe","run_id":"aCb"}',
            '{"type":"start","graph":"steps","thread_id":"C"}',
            '{"type":"start","graph":"C"}',
            '{"type":"interrupt","run_id":"C"}',
            '{"type":"ping","id":"C"}',
        ]
    ),
)


@st.composite
def wrong_fields(draw: st.DrawFn) -> str:
    """Every message type with fields of the wrong type, missing, extra or out of range."""
    message: dict[str, Any] = {"type": draw(st.sampled_from(MESSAGE_TYPES))}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        message[name] = draw(json_values)
    if draw(st.booleans()):
        message[draw(st.text(string.ascii_lowercase, min_size=1, max_size=8))] = 1
    if draw(st.integers(0, 9)) == 0:
        message["type"] = draw(st.text(max_size=12) | json_values)
    return json.dumps(message)


@st.composite
def unknown_targets(draw: st.DrawFn) -> str:
    """Well-formed messages about runs and graphs that do not exist (or are broken)."""
    kind = draw(st.sampled_from(["subscribe", "interrupt", "resume", "start"]))
    if kind == "start":
        graph = draw(st.sampled_from(["broken", "topical_mesh"]) | st.text(min_size=1, max_size=40))
        return json.dumps(
            {
                "type": "start",
                "graph": graph,
                "input": draw(st.dictionaries(st.text(max_size=5), json_values, max_size=3)),
            }
        )
    message: dict[str, Any] = {"type": kind, "run_id": draw(st.text(min_size=1, max_size=60))}
    if kind == "subscribe":
        message["after_seq"] = draw(st.integers(0, 2**53))
    elif kind == "interrupt":
        message["mode"] = draw(st.sampled_from(["pause", "cancel"]))
    elif draw(st.booleans()):
        message["value"] = draw(json_values)
    return json.dumps(message)


def _finite(document: Any) -> Any:
    if isinstance(document, float) and not math.isfinite(document):
        raise ValueError("not finite")
    return document


def expected_reply(frame: str) -> str | None:
    """What the protocol promises for a text frame; None for a valid message that is not
    a fuzz input (an unsubscribe, which is silent, or a start of a registered graph)."""
    if len(frame.encode("utf-8", "surrogatepass")) > LIMIT:
        return "error"
    try:
        document = json.loads(frame, parse_constant=lambda _: _finite(math.nan))
        message = _MESSAGES.validate_python(document)
    except (ValueError, RecursionError, ValidationError):
        return "error"
    if isinstance(message, PingMessage):
        return "pong"
    if message.type == "unsubscribe" or (message.type == "start" and message.graph in REAL):
        return None
    return "error"


FIXTURE_CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "langgraph.json"
REAL = set(json.loads(FIXTURE_CONFIG.read_text())["graphs"]) - {"broken"}
"""Graphs a `start` would really run: never sent by the fuzzer (a probe must not start
work, and `steps` writes to a path its input names)."""

text_frames = st.one_of(
    malformed_json.map(lambda f: ("malformed_json", f)),
    deep_nesting.map(lambda f: ("deep_nesting", f)),
    huge_integers.map(lambda f: ("huge_integer", f)),
    out_of_range.map(lambda f: ("out_of_range", f)),
    non_finite.map(lambda f: ("non_finite", f)),
    huge_documents.map(lambda f: ("huge_document", f)),
    escaped_oddities.map(lambda f: ("escaped_oddity", f)),
    wrong_fields().map(lambda f: ("wrong_fields", f)),
    unknown_targets().map(lambda f: ("unknown_target", f)),
)


@st.composite
def probes(draw: st.DrawFn) -> Probe:
    """One fuzz input and the reply it must get."""
    choice = draw(st.integers(0, 19))
    if choice == 0:
        raw = draw(st.binary(min_size=1, max_size=64))
        return Probe("binary_frame", raw, "error", as_text=False)
    if choice == 1:
        raw = draw(st.binary(min_size=1, max_size=64).filter(_invalid_utf8))
        return Probe("invalid_utf8_text", raw, "close_1007")
    kind, frame = draw(text_frames)
    expect = expected_reply(frame)
    if expect is None:
        return Probe("ping", json.dumps({"type": "ping", "id": 0}), "pong")
    return Probe(kind, frame, expect)


def _invalid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# ---- running probes ----------------------------------------------------------------------


@dataclass
class Tally:
    """What a campaign did: inputs tried, errors returned, crashes (must stay 0)."""

    tried: int = 0
    errors: int = 0
    pongs: int = 0
    closed_1007: int = 0
    crashes: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)
    crash_samples: list[str] = field(default_factory=list)


class Fuzzer:
    """Sends probes on one socket, reconnecting after an expected close."""

    def __init__(self, ws_url: str, timeout: float = 15.0) -> None:
        self.ws_url = ws_url
        self.timeout = timeout
        self.tally = Tally()
        self._socket: ClientConnection | None = None
        self._stack = ExitStack()

    def close(self) -> None:
        self._stack.close()
        self._socket = None

    def _connection(self) -> ClientConnection:
        if self._socket is None:
            self._stack.close()
            opened = connect(self.ws_url, max_size=2**24, open_timeout=self.timeout)
            self._socket = self._stack.enter_context(opened)
        return self._socket

    def send(self, probe: Probe) -> bool:
        """Send one probe and check its reply; returns False (and counts it) on a crash."""
        tally = self.tally
        tally.tried += 1
        tally.by_kind[probe.kind] += 1
        socket = self._connection()
        try:
            socket.send(probe.frame, text=probe.as_text)
            reply = json.loads(socket.recv(timeout=self.timeout))
        except ConnectionClosed as closed:
            self.close()
            code = closed.rcvd.code if closed.rcvd is not None else None
            if probe.expect == "close_1007" and code == 1007:
                tally.closed_1007 += 1
                return True
            return self._crash(probe, f"connection closed ({code})")
        except TimeoutError:
            self.close()
            return self._crash(probe, "no reply")
        kind = reply.get("type")
        if kind == "error":
            tally.by_code[str(reply.get("code"))] += 1
        if kind == "error" and reply.get("code") != "internal_error" and probe.expect == "error":
            tally.errors += 1
            return True
        if kind == "pong" and probe.expect == "pong":
            tally.pongs += 1
            return True
        return self._crash(probe, f"expected {probe.expect}, got {json.dumps(reply)[:300]}")

    def _crash(self, probe: Probe, what: str) -> bool:
        self.tally.crashes += 1
        if len(self.tally.crash_samples) < 20:
            frame = probe.frame if isinstance(probe.frame, str) else repr(probe.frame)
            self.tally.crash_samples.append(f"{probe.kind}: {what} <- {frame[:200]!r}")
        return False
