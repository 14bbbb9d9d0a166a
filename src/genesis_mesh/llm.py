"""Chat models for graphs: settings, one factory, and a per-process limit on calls.

Graphs never build their own model: a graph whose `context_schema` has a `chat_model`
field receives one from the runner (`ChatModels.for_run`), built here from
`LLMSettings` (environment variables `GENESIS_MESH_LLM_*`, falling back to the
`OPENAI_BASE_URL` / `OPENAI_API_KEY` that langchain-openai users already set). A test or
an operator swaps it by injecting any `BaseChatModel` instead.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from genesis_mesh.observability.llm_usage import TokenMeter

if TYPE_CHECKING:
    from genesis_mesh._chat_openai import LimitedChatOpenAI

__all__ = ["SETTINGS_HINT", "ChatModels", "LLMSettings", "build_chat_model"]

SETTINGS_HINT = (
    "set GENESIS_MESH_LLM_MODEL and either GENESIS_MESH_LLM_BASE_URL (an OpenAI-compatible "
    "server, e.g. Ollama at http://127.0.0.1:11434/v1) or GENESIS_MESH_LLM_API_KEY "
    "(OPENAI_BASE_URL / OPENAI_API_KEY are read too), then start genesis-mesh again"
)
_NO_KEY = "not-needed"  # local OpenAI-compatible servers accept any key; the SDK needs one


class LLMSettings(BaseSettings):
    """How to reach the chat model (prefix `GENESIS_MESH_LLM_`).

    A model is *configured* when `model` is set and either `api_key` or `base_url` is.
    """

    model_config = SettingsConfigDict(
        env_prefix="GENESIS_MESH_LLM_", env_file=".env", extra="ignore", populate_by_name=True
    )

    model: str = Field(default="", description="Model name, e.g. gpt-4.1-mini or llama3.1.")
    base_url: str = Field(
        default="",
        validation_alias=AliasChoices("GENESIS_MESH_LLM_BASE_URL", "OPENAI_BASE_URL", "base_url"),
        description="OpenAI-compatible endpoint (…/v1); empty means api.openai.com.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GENESIS_MESH_LLM_API_KEY", "OPENAI_API_KEY", "api_key"),
    )
    temperature: float | None = Field(default=0.2, ge=0, le=2)
    timeout: float = Field(default=60.0, gt=0, description="Seconds per request.")
    max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed request, with backoff."
    )
    max_concurrency: int = Field(
        default=8, ge=1, description="Model calls in flight at once in this process."
    )
    max_tokens_per_run: int = Field(
        default=200_000,
        ge=0,
        description="LLM tokens (input + output) one run may use before it fails; 0: no limit.",
    )
    stream_batch_ms: float = Field(
        default=5.0,
        ge=0,
        le=1000,
        description="Streamed chunks that come within this many milliseconds of each other "
        "reach LangChain (and the run's `message.delta` events) as one, their text joined in "
        "order: the work per token of a fast stream drops by the batch size; 0: every chunk "
        "as the server sent it.",
    )
    stream_usage: bool = Field(
        default=True,
        description="Ask the server for token counts when streaming (OpenAI's "
        "stream_options.include_usage); without them tokens are estimated from the text.",
    )

    @property
    def configured(self) -> bool:
        """A model name, and a key or a base URL."""
        has_key = self.api_key is not None and bool(self.api_key.get_secret_value())
        return bool(self.model) and (has_key or bool(self.base_url))


class ChatModels:
    """The factory: builds the configured chat model once and hands it to runs.

    `model` injects a ready model (tests, or an operator's own provider); otherwise the
    model comes from `settings`, or from the environment when `settings` is None.
    """

    def __init__(
        self, settings: LLMSettings | None = None, model: BaseChatModel | None = None
    ) -> None:
        self._settings = settings
        self._model = model
        self._built = False

    @property
    def settings(self) -> LLMSettings:
        """The LLM settings (read from the environment on first use)."""
        if self._settings is None:
            self._settings = LLMSettings()
        return self._settings

    @property
    def configured(self) -> bool:
        """True when a model is injected or the settings name one (see `LLMSettings`)."""
        return self._model is not None or self.settings.configured

    def get(self) -> BaseChatModel | None:
        """The process's chat model, or None when none is configured."""
        if self._model is None and not self._built:
            self._built = True
            if self.settings.configured:
                self._model = build_chat_model(self.settings)
        return self._model


def build_chat_model(settings: LLMSettings) -> LimitedChatOpenAI:
    """A streaming `ChatOpenAI` on the Chat Completions API, limited to
    `settings.max_concurrency` requests in flight."""
    from genesis_mesh._chat_openai import LimitedChatOpenAI  # langchain-openai: ~0.6 s

    key = settings.api_key.get_secret_value() if settings.api_key else ""
    model = LimitedChatOpenAI(
        model=settings.model,
        base_url=settings.base_url or None,
        api_key=SecretStr(key or _NO_KEY),
        temperature=settings.temperature,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        streaming=True,
        stream_usage=settings.stream_usage,
        stream_batch_seconds=settings.stream_batch_ms / 1000,
        use_responses_api=False,
        callbacks=[TokenMeter(settings.max_tokens_per_run)],
    )
    model.limit(
        asyncio.Semaphore(settings.max_concurrency),
        threading.BoundedSemaphore(settings.max_concurrency),
    )
    return model
