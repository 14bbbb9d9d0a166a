"""A fake OpenAI-compatible server on 127.0.0.1, over real HTTP (stdlib `http.server`).

It serves `POST /v1/chat/completions` like OpenAI does: with `"stream": true` as
Server-Sent Events of `chat.completion.chunk`s ending in `data: [DONE]`, otherwise as one
`chat.completion`; tool calls the same way. What it answers is scripted with `Reply`s
(taken in order), falling back to `default` when the script is empty: a text reply of
`tokens` numbered tokens, or an `Outline` tool call when the request offers tools.
`Reply(status=500)` answers an error (with `retry-after-ms`, so the client's retry is
quick), `Reply(hang=s)` waits before answering (for the timeout path).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: text tokens, a tool call, an HTTP error, or a hang first."""

    tokens: list[str] | None = None
    tool: str | None = None
    arguments: str = ""
    status: int = 200
    message: str = "fake server error"
    hang: float = 0.0
    gate: threading.Event | None = None
    """With `gate_after`: after that many tokens, wait for the gate (a stream held open)."""
    gate_after: int = 0


def outline_arguments(clusters: int = 20, topic: str = "Home espresso") -> str:
    """A valid Outline (20 clusters: the graph keeps the number it asked for)."""
    return json.dumps(
        {
            "pillar": {
                "title": topic,
                "slug": "home-espresso",
                "brief": f"The complete guide to {topic.lower()}.",
                "key_questions": ["Where to start?"],
            },
            "clusters": [
                {
                    "title": f"Espresso part {i}",
                    "slug": f"espresso-part-{i}",
                    "brief": f"Espresso grinders and beans, part {i}.",
                    "key_questions": [f"What about part {i}?"],
                }
                for i in range(1, clusters + 1)
            ],
        }
    )


@dataclass
class FakeOpenAI:
    """The server; `start()` binds a free loopback port. Thread-safe enough for tests."""

    tokens: int = 40
    prompt_tokens: int = 10  # reported per request when the client asks for usage
    token_rate: float | None = None  # tokens per second; None = as fast as possible
    script: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    sent_texts: list[str] = field(default_factory=list)
    emit_times: list[float] = field(default_factory=list)
    sticky: Reply | None = None
    default: Callable[[dict[str, Any], int], Reply] | None = None
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return None

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def then(self, *replies: Reply) -> FakeOpenAI:
        """Script the next answers (in order)."""
        self.script.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.requests.clear()
            self.sent_texts.clear()
            self.emit_times.clear()
            self.sticky = None
            self.default = None

    def chat_requests(self, with_tools: bool | None = None) -> list[dict[str, Any]]:
        return [
            r for r in self.requests if with_tools is None or bool(r.get("tools")) == with_tools
        ]

    # ---- serving --------------------------------------------------------------------

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            number = len(self.requests)
            if self.script:
                return self.script.popleft()
            if self.sticky is not None:
                return self.sticky
        if self.default is not None:
            return self.default(body, number)
        if body.get("tools"):
            return Reply(tool="Outline", arguments=outline_arguments())
        return Reply(tokens=[f"t{number}.{i} " for i in range(self.tokens)])

    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("content-length") or 0)
        body = json.loads(http.rfile.read(length) or b"{}")
        if not http.path.endswith("/chat/completions"):
            self._send_json(http, 404, {"error": {"message": f"no route {http.path}"}})
            return
        reply = self._next_reply(body)
        if reply.hang and self._stop.wait(reply.hang):
            return
        if reply.status != 200:
            error = {"error": {"message": reply.message, "type": "server_error", "code": None}}
            self._send_json(http, reply.status, error, {"retry-after-ms": "10"})
            return
        model = body.get("model", "fake")
        if body.get("stream"):
            wants_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(http, model, reply, self._usage(reply) if wants_usage else None)
        else:
            self._send_json(http, 200, _completion(model, reply))
        if reply.tokens is not None:
            with self._lock:
                self.sent_texts.append("".join(reply.tokens))

    def _usage(self, reply: Reply) -> dict[str, int]:
        """Token counts as OpenAI reports them: one per scripted token (or tool call)."""
        completion = len(reply.tokens) if reply.tokens is not None else 1
        prompt = self.prompt_tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _stream(
        self,
        http: BaseHTTPRequestHandler,
        model: str,
        reply: Reply,
        usage: dict[str, int] | None = None,
    ) -> None:
        http.send_response(200)
        http.send_header("content-type", "text/event-stream")
        http.send_header("cache-control", "no-cache")
        http.send_header("connection", "close")
        http.end_headers()
        ident = f"chatcmpl-{time.monotonic_ns()}"

        def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            choices = [] if delta is None else [choice]
            data = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": choices,
                **extra,
            }
            http.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
            http.wfile.flush()

        try:
            chunk({"role": "assistant", "content": ""})
            if reply.tool is not None:
                call = {"index": 0, "id": "call_1", "type": "function"}
                chunk({"tool_calls": [{**call, "function": {"name": reply.tool, "arguments": ""}}]})
                step = 40
                for i in range(0, len(reply.arguments), step):
                    part = reply.arguments[i : i + step]
                    chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
                chunk({}, "tool_calls")
            else:
                started = time.monotonic()
                for i, token in enumerate(reply.tokens or []):
                    if self.token_rate:
                        wait = started + i / self.token_rate - time.monotonic()
                        if wait > 0:
                            time.sleep(wait)
                    if reply.gate is not None and i == reply.gate_after:
                        while not reply.gate.wait(0.1) and not self._stop.is_set():
                            pass
                    with self._lock:
                        self.emit_times.append(time.time())
                    chunk({"content": token})
                chunk({}, "stop")
            if usage is not None:  # OpenAI's last chunk with stream_options.include_usage
                chunk(None, usage=usage)
            http.wfile.write(b"data: [DONE]\n\n")
            http.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    @staticmethod
    def _send_json(
        http: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        raw = json.dumps(payload).encode()
        http.send_response(status)
        http.send_header("content-type", "application/json")
        http.send_header("content-length", str(len(raw)))
        for key, value in (headers or {}).items():
            http.send_header(key, value)
        http.end_headers()
        http.wfile.write(raw)


def _completion(model: str, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.tokens or [])}
    finish = "stop"
    if reply.tool is not None:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": reply.tool, "arguments": reply.arguments},
                }
            ],
        }
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
