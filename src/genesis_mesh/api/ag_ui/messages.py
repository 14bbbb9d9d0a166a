"""Messages across the AG-UI boundary: AG-UI messages become LangChain message dicts (a
run's input), and the thread's LangChain messages (as `serialize` shows them) become AG-UI
messages (`MESSAGES_SNAPSHOT`). Ids are kept both ways, so a message the client already
has and the same message in the thread's state are one message to both sides.

Content parts: text both ways; images, audio, video and documents as LangChain's standard
content blocks (`{"type": "image", "url" | "base64" | "file_id", "mime_type"}`) and back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ag_ui.core import (
    AssistantMessage,
    AudioPart,
    DataSource,
    DocumentPart,
    FileSource,
    FunctionCall,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UrlSource,
    UserMessage,
    VideoPart,
)

_MEDIA_PARTS: dict[str, type[ImagePart | AudioPart | VideoPart | DocumentPart]] = {
    "image": ImagePart,
    "audio": AudioPart,
    "video": VideoPart,
    "file": DocumentPart,
}
_BLOCK_OF_PART = {"image": "image", "audio": "audio", "video": "video", "document": "file"}
_SKIPPED_ROLES = frozenset({"activity", "reasoning"})
"""Client-side messages a graph has no use for: the UI's own activity and reasoning."""


def to_langchain(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The AG-UI messages as LangChain message dicts, in order (activity and reasoning
    messages left out)."""
    converted = []
    for message in messages:
        if message.role in _SKIPPED_ROLES:
            continue
        converted.append(_langchain_message(message))
    return converted


def _langchain_message(message: Message) -> dict[str, Any]:
    if isinstance(message, UserMessage):
        found: dict[str, Any] = {
            "type": "human",
            "id": message.id,
            "content": _blocks(message.content),
        }
    elif isinstance(message, AssistantMessage):
        found = {
            "type": "ai",
            "id": message.id,
            "content": message.content or "",
            "tool_calls": [
                {
                    "id": call.id,
                    "name": call.function.name,
                    "args": _arguments(call.function.arguments),
                    "type": "tool_call",
                }
                for call in message.tool_calls or []
            ],
        }
    elif isinstance(message, ToolMessage):
        found = {
            "type": "tool",
            "id": message.id,
            "content": _blocks(message.content),
            "tool_call_id": message.tool_call_id,
            "status": "error" if message.error else "success",
        }
    else:  # system, developer
        found = {"type": "system", "id": message.id, "content": str(message.content)}
    name = getattr(message, "name", None)
    if name:
        found["name"] = name
    return found


def _arguments(text: str) -> Any:
    """A tool call's JSON arguments as an object (LangChain's `args`); text that is not a
    JSON object is kept under `input`, so nothing the client sent is lost."""
    try:
        args = json.loads(text) if text else {}
    except ValueError:
        return {"input": text}
    return args if isinstance(args, dict) else {"input": args}


def _blocks(content: str | Sequence[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    blocks: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, TextPart):
            blocks.append({"type": "text", "text": part.text})
            continue
        if not isinstance(part, ImagePart | AudioPart | VideoPart | DocumentPart):
            continue
        block: dict[str, Any] = {"type": _BLOCK_OF_PART[part.type]}
        source = part.source
        if isinstance(source, UrlSource):
            block["url"] = source.value
        elif isinstance(source, DataSource):
            block["base64"] = source.value
        else:
            block["file_id"] = source.value
        if source.mime_type:
            block["mime_type"] = source.mime_type
        blocks.append(block)
    return blocks


# ---- the thread's messages, for MESSAGES_SNAPSHOT -------------------------------------


def from_langchain(messages: Sequence[Any]) -> list[Message]:
    """The thread's messages (LangChain dicts) as AG-UI messages; a message without an id
    gets one from its position, a type AG-UI has no role for is left out."""
    converted: list[Message] = []
    for position, raw in enumerate(messages):
        if not isinstance(raw, dict):
            continue
        message = _agui_message(raw, str(raw.get("id") or f"message-{position}"))
        if message is not None:
            converted.append(message)
    return converted


def _agui_message(raw: dict[str, Any], message_id: str) -> Message | None:
    kind, content = raw.get("type"), raw.get("content", "")
    if kind in ("human", "HumanMessageChunk"):
        return UserMessage(id=message_id, content=_parts(content), name=raw.get("name"))
    if kind in ("ai", "AIMessageChunk"):
        calls = [
            ToolCall(
                id=str(call.get("id") or f"{message_id}-call-{i}"),
                function=FunctionCall(
                    name=str(call.get("name") or ""),
                    arguments=json.dumps(call.get("args") or {}),
                ),
            )
            for i, call in enumerate(raw.get("tool_calls") or [])
            if isinstance(call, dict)
        ]
        return AssistantMessage(
            id=message_id,
            content=text_of(content) or None,
            tool_calls=calls or None,
            name=raw.get("name"),
        )
    if kind == "tool":
        error = text_of(content) if raw.get("status") == "error" else None
        return ToolMessage(
            id=message_id,
            content=tool_content(content),
            tool_call_id=str(raw.get("tool_call_id") or ""),
            error=error,
        )
    if kind == "system":
        return SystemMessage(id=message_id, content=text_of(content), name=raw.get("name"))
    return None


def text_of(content: Any) -> str:
    """The text of LangChain content: a string, or the text blocks of a list joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(block.get("text", "")) if isinstance(block, dict) else str(block)
            for block in content
            if not isinstance(block, dict) or block.get("type", "text") == "text"
        )
    return "" if content is None else json.dumps(content)


def tool_content(content: Any) -> str | list[Any]:
    """A tool result's content for `TOOL_CALL_RESULT` and tool messages: its text, or its
    parts when it holds media."""
    parts = _parts(content)
    if isinstance(parts, str) or all(isinstance(p, TextPart) for p in parts):
        return text_of(content)
    return parts


def _parts(content: Any) -> str | list[Any]:
    if not isinstance(content, list):
        return text_of(content)
    parts: list[Any] = []
    for block in content:
        if isinstance(block, str):
            parts.append(TextPart(text=block))
        elif isinstance(block, dict):
            part = _part(block)
            if part is not None:
                parts.append(part)
    return parts


def _part(block: dict[str, Any]) -> Any:
    kind = block.get("type")
    if kind == "text":
        return TextPart(text=str(block.get("text", "")))
    if kind == "image_url":  # OpenAI's shape, which LangChain also takes
        url = block.get("image_url")
        url = url.get("url") if isinstance(url, dict) else url
        return ImagePart(source=UrlSource(value=str(url))) if url else None
    part_type = _MEDIA_PARTS.get(str(kind))
    if part_type is None:
        return TextPart(text=json.dumps(block))
    mime = block.get("mime_type")
    source: UrlSource | DataSource | FileSource
    if block.get("url"):
        source = UrlSource(value=str(block["url"]), mime_type=mime)
    elif block.get("base64") or block.get("data"):
        value = str(block.get("base64") or block.get("data"))
        source = DataSource(value=value, mime_type=str(mime or "application/octet-stream"))
    elif block.get("file_id") or block.get("id"):
        source = FileSource(value=str(block.get("file_id") or block.get("id")), mime_type=mime)
    else:
        return None
    return part_type(source=source)
