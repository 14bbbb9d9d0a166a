"""Run settings of the mesh_build graph (its LangGraph `context_schema`)."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel


@dataclass(kw_only=True)
class Context:
    """Settings for one run; the host fills `chat_model` from its LLM settings.

    Attributes:
        chat_model: the chat model the outline and write nodes call (required: the host
            refuses to start the graph when none is configured).
        max_outline_attempts: answers asked for before a malformed outline fails the run.
        brief_words: the length the write node asks for, per page brief.
    """

    chat_model: BaseChatModel | None = None
    max_outline_attempts: int = 3
    brief_words: int = 220


def chat_model_of(context: Context | None) -> BaseChatModel:
    """The run's chat model, or a clear error naming what to configure."""
    model: BaseChatModel | None = getattr(context, "chat_model", None)
    if model is None:
        raise RuntimeError(
            "mesh_build needs a chat model: pass one as the run context's `chat_model` "
            "(the host does this when GENESIS_MESH_LLM_MODEL and GENESIS_MESH_LLM_BASE_URL "
            "or GENESIS_MESH_LLM_API_KEY are set)"
        )
    return model
