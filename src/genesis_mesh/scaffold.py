"""`genesis-mesh new NAME`: writes a working graph, its test, and registers it.

The files follow the conventions of `graphs/`: `state.py` (input, output and shared
state with a reducer), `context.py` (the `context_schema`), `nodes.py` (`async def
verb(state, runtime)` returning only the keys they change, progress through the stream
writer), `graph.py` (`build_graph()` does the wiring only), absolute imports
(`from graphs.NAME.state import ...`: the host puts the langgraph.json folder on
`sys.path`). Nothing is ever overwritten: every target is checked before one is written.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

__all__ = ["Scaffold", "ScaffoldError", "check_name", "scaffold"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
RESERVED = frozenset(
    {"genesis_mesh", "graphs", "langchain", "langgraph", "test", "tests", "typing_extensions"}
)


class ScaffoldError(ValueError):
    """A name the scaffold refuses, or a file it would have to overwrite."""


@dataclass
class Scaffold:
    """What `scaffold()` wrote, relative to the project root."""

    name: str
    root: Path
    written: list[Path] = field(default_factory=list)
    registered_in: Path | None = None


def check_name(name: str) -> None:
    """Raise `ScaffoldError` unless `name` can be a graph name, a package and a test."""
    if not name:
        raise ScaffoldError("the graph name is empty; try e.g. `genesis-mesh new summarize`")
    if name != name.lower() and _NAME.match(name.lower()):
        raise ScaffoldError(
            f"{name!r} has upper-case letters; graph names are lower_snake_case: "
            f"try {name.lower()!r}"
        )
    if not _NAME.match(name):
        suggestion = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
        hint = f"; try {suggestion!r}" if suggestion and _NAME.match(suggestion) else ""
        raise ScaffoldError(
            f"{name!r} is not a valid graph name: use lower_snake_case letters, digits and "
            f"underscores, starting with a letter, at most 50 characters{hint}"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"{name!r} is a Python keyword; pick another name")
    if name in RESERVED:
        raise ScaffoldError(f"{name!r} is reserved (it would shadow a package); pick another")


def scaffold(name: str, config: Path) -> Scaffold:
    """Write graphs/NAME/ and tests/graphs/test_NAME.py beside `config` and register
    the graph in it (creating `config` when missing). Raises `ScaffoldError` for a bad
    or taken name, before writing anything."""
    check_name(name)
    root = config.resolve().parent
    document = _read_config(config)
    graphs = document.setdefault("graphs", {})
    if not isinstance(graphs, dict):
        raise ScaffoldError(f'{config}: "graphs" must be an object of name -> "./path.py:attr"')
    if name in graphs:
        raise ScaffoldError(f"graph {name!r} is already registered in {config}: {graphs[name]}")
    package = root / "graphs" / name
    test_file = root / "tests" / "graphs" / f"test_{name}.py"
    files = {package / rel: text for rel, text in _package_files(name).items()}
    files[test_file] = _render(_TEST, name)
    taken = [p for p in [package, *files] if p.exists()]
    if taken:
        listed = ", ".join(str(p.relative_to(root)) for p in taken)
        raise ScaffoldError(f"{name!r} is taken: {listed} already exist(s); nothing written")

    result = Scaffold(name=name, root=root)
    graphs_init = root / "graphs" / "__init__.py"
    if not graphs_init.exists():
        files[graphs_init] = _GRAPHS_INIT
    tests_init = root / "tests" / "graphs" / "__init__.py"
    if (root / "tests" / "__init__.py").exists() and not tests_init.exists():
        files[tests_init] = ""  # package-style tests: keep the folder importable
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
        result.written.append(path.relative_to(root))
    graphs[name] = f"./graphs/{name}/graph.py:graph"
    config.write_text(_dump_config(document), encoding="utf-8")
    result.registered_in = config
    return result


def _read_config(config: Path) -> dict[str, object]:
    if not config.exists():
        return {"dependencies": ["."], "graphs": {}}
    try:
        document = json.loads(config.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScaffoldError(f"{config} is not valid JSON ({exc}); fix it first") from None
    if not isinstance(document, dict):
        raise ScaffoldError(f"{config} must hold a JSON object")
    return document


def _dump_config(document: dict[str, object]) -> str:
    """langgraph.json in its usual layout: one line per top-level value, one per graph."""
    lines = []
    for key, value in document.items():
        if isinstance(value, dict) and value:
            inner = ",\n".join(
                f"    {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in value.items()
            )
            text = "{\n" + inner + "\n  }"
        else:
            text = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {json.dumps(key, ensure_ascii=False)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _render(template: str, name: str) -> str:
    title = name.replace("_", " ").capitalize()
    return Template(template).substitute(name=name, title=title)


def _package_files(name: str) -> dict[str, str]:
    return {
        "__init__.py": _render(_INIT, name),
        "state.py": _render(_STATE, name),
        "context.py": _render(_CONTEXT, name),
        "nodes.py": _render(_NODES, name),
        "graph.py": _render(_GRAPH, name),
        "README.md": _render(_README, name),
    }


_GRAPHS_INIT = '"""Capability graphs (plain LangGraph modules, loaded by file path)."""\n'

_INIT = '''"""The $name graph (plain LangGraph: no genesis-mesh imports)."""
'''

_STATE = '''"""State of the $name graph: what a run takes, shares between nodes, and returns."""

from __future__ import annotations

import operator
from typing import Annotated

from typing_extensions import TypedDict


class Input(TypedDict):
    """What a client sends to start a run."""

    text: str


class Output(TypedDict, total=False):
    """What a finished run returns."""

    summary: str
    word_count: int
    notes: Annotated[list[str], operator.add]


class State(Input, Output, total=False):
    """Everything the nodes share; `notes` accumulates (its reducer appends)."""

    words: list[str]
'''

_CONTEXT = '''"""Run settings of the $name graph (its LangGraph `context_schema`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(kw_only=True)
class Context:
    """Settings of one run; the host builds it from GENESIS_MESH_GRAPH_CONTEXT.

    Attributes:
        max_words: words kept from the input text.
        preview_words: words shown in the summary.
    """

    max_words: int = 10_000
    preview_words: int = 12
'''

_NODES = '''"""The nodes of the $name graph: each returns only the keys it changes."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from graphs.$name.context import Context
from graphs.$name.state import State


async def split(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Split the text into words, at most `max_words`, reporting progress."""
    words = state["text"].split()[: runtime.context.max_words]
    get_stream_writer()(
        {"message": f"split {len(words)} words", "done": len(words), "total": len(words)}
    )
    return {"words": words, "notes": [f"split {len(words)} words"]}


async def summarize(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Keep the first `preview_words` words as the summary."""
    words = state.get("words", [])
    preview = " ".join(words[: runtime.context.preview_words])
    if len(words) > runtime.context.preview_words:
        preview += " …"
    return {"summary": preview, "word_count": len(words), "notes": ["summarized"]}
'''

_GRAPH = '''"""$title: summarizes a text (a starting point: describe your capability here)."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graphs.$name.context import Context
from graphs.$name.nodes import split, summarize
from graphs.$name.state import Input, Output, State


def build_graph() -> StateGraph[State, Context, Input, Output]:
    """split -> summarize (uncompiled: the host compiles it with its checkpointer)."""
    builder = StateGraph(State, context_schema=Context, input_schema=Input, output_schema=Output)
    builder.add_node("split", split)
    builder.add_node("summarize", summarize)
    builder.add_edge(START, "split")
    builder.add_edge("split", "summarize")
    builder.add_edge("summarize", END)
    return builder


graph = build_graph()
'''

_README = """# $name

$title: summarizes a text. Replace this with what the capability does.

- input: `{"text": "..."}`
- output: `summary`, `word_count`, `notes`
- settings (`Context`): `max_words`, `preview_words` — set them per deployment with
  `GENESIS_MESH_GRAPH_CONTEXT='{"$name": {"max_words": 500}}'`

```sh
.venv/bin/python -m pytest tests/graphs/test_$name.py
.venv/bin/genesis-mesh run $name --input '{"text": "one two three"}'
```
"""

_TEST = '''"""The $name graph, run in-process with the genesis-mesh testing kit."""

from __future__ import annotations

import pytest

from genesis_mesh.protocol import EventType, RunStatus
from genesis_mesh.testing import GraphHarness
from graphs.$name.context import Context
from graphs.$name.graph import build_graph

pytestmark = pytest.mark.asyncio


async def test_it_summarizes_the_text_and_reports_progress() -> None:
    harness = GraphHarness(build_graph(), context=Context())

    result = await harness.run({"text": "one two three"})

    assert result.status == RunStatus.SUCCEEDED
    assert result.output == {
        "summary": "one two three",
        "word_count": 3,
        "notes": ["split 3 words", "summarized"],
    }
    assert [e.node for e in result.of(EventType.NODE_COMPLETED)] == ["split", "summarize"]
    assert result.of(EventType.NODE_PROGRESS, "split")[0].data["message"] == "split 3 words"


async def test_max_words_caps_the_words_kept() -> None:
    harness = GraphHarness(build_graph(), context=Context(max_words=2, preview_words=1))

    result = await harness.run({"text": "one two three"})

    assert result.output["word_count"] == 2
    assert result.output["summary"] == "one …"
'''
