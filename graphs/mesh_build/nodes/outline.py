"""The outline node: the model proposes the pillar and cluster pages (validated)."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.config import get_stream_writer
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime
from pydantic import ValidationError

from graphs.mesh_build.context import Context, chat_model_of
from graphs.mesh_build.plan import Outline
from graphs.mesh_build.prompts import outline_messages, retry_message
from graphs.mesh_build.state import DEFAULT_CLUSTERS, State

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class MalformedOutline(ValueError):
    """The model gave no valid outline within the allowed attempts."""


async def outline(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask for the outline; retry a malformed answer, then fail with what was wrong."""
    context = runtime.context
    model = chat_model_of(context)
    attempts = max(1, getattr(context, "max_outline_attempts", 3))
    write = get_stream_writer()
    wanted = state.get("num_clusters", DEFAULT_CLUSTERS)
    messages = outline_messages(
        state["main_topic"], wanted, state.get("audience"), Outline.model_json_schema()
    )
    problem = ""
    for attempt in range(1, attempts + 1):
        write({"message": f"asking the model for an outline ({attempt}/{attempts})"})
        answer = await _ask(model, messages)
        try:
            plan = Outline.model_validate(_arguments(answer)).normalized(wanted)
        except (ValidationError, ValueError) as exc:
            problem = _describe(exc)
            write({"message": f"outline attempt {attempt} was malformed: {problem[:200]}"})
            messages = [*messages, retry_message(problem)]
            continue
        write({"message": f"outline: pillar and {len(plan.clusters)} clusters"})
        return {"outline": plan.model_dump()}
    raise MalformedOutline(
        f"the model gave no valid outline in {attempts} attempt(s); last problem: {problem}"
    )


async def _ask(model: BaseChatModel, messages: list[BaseMessage]) -> AIMessage:
    """A tool call when the model supports tools, a JSON answer otherwise (not streamed
    to clients: the tokens are JSON, not text for people)."""
    try:
        runnable: Any = model.bind_tools([Outline], tool_choice="Outline")
    except NotImplementedError:
        runnable = model
    answer = await runnable.with_config(tags=[TAG_NOSTREAM]).ainvoke(messages)
    if not isinstance(answer, AIMessage):
        raise MalformedOutline(f"expected an AI message, got {type(answer).__name__}")
    return answer


def _arguments(answer: AIMessage) -> Any:
    """The tool call's arguments, or the JSON object in the message's text."""
    for call in answer.tool_calls:
        if call["name"] == "Outline":
            return call["args"]
    if answer.invalid_tool_calls:
        raise ValueError(f"unparsable tool call: {answer.invalid_tool_calls[0].get('error')}")
    text = _FENCE.sub("", answer.text.strip())
    if not text:
        raise ValueError("the answer had neither an Outline tool call nor JSON text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not JSON ({exc.msg} at char {exc.pos})") from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'outline'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:8]
        )
    return str(exc)
