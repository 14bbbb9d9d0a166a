"""The langgraph.json reader: `graphs`, `env` and `dependencies`, as `langgraph dev` reads them.

- `graphs`: name -> `"./path.py:attr"` or `"package.module:attr"`, or
  `{"path": "...", "description": "...", "llm_cache": true}` (`llm_cache`, a genesis-mesh
  key that LangGraph's tools ignore: whether the graph's model calls are cached, see
  docs/llm.md).
- `env`: a `.env` file (relative to the config's folder) or a mapping of variables.
- `dependencies`: local folders (`"."`, `"./libs/x"`) are put on `sys.path` (with their
  `src/` folder for a src layout) so a template's package imports work; package names
  are left to the installer.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

__all__ = ["GraphSpec", "ProjectConfig", "read_config", "read_graph_specs"]

_GRAPHS_HINT = (
    '{"graphs": {"name": "./graphs/name/graph.py:graph"}} '
    '(or {"name": {"path": "./graphs/name/graph.py:graph", "description": "..."}})'
)


@dataclass(frozen=True)
class GraphSpec:
    """One entry of `graphs`: where the graph is (`path:attr`) and its description."""

    path: str
    description: str | None = None
    llm_cache: bool | None = None
    """The graph's own word on the LLM response cache (None: the host's setting decides)."""


@dataclass
class ProjectConfig:
    """A parsed langgraph.json."""

    file: Path
    graphs: dict[str, GraphSpec]
    env: dict[str, str] = field(default_factory=dict)
    env_file: Path | None = None
    dependencies: list[str] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.file.parent

    def import_roots(self) -> list[Path]:
        """Folders to import graph code from: each local dependency (and its `src/`
        folder when it has one), then the config's own folder."""
        roots: list[Path] = []
        for dep in self.dependencies:
            if not dep.startswith((".", "/")):
                continue
            folder = (self.root / dep).resolve()
            if not folder.is_dir():
                continue
            src = folder / "src"
            roots.extend(r for r in (src, folder) if r.is_dir() and r not in roots)
        if self.root not in roots:
            roots.append(self.root)
        return roots

    def apply(self) -> None:
        """Put the import roots on `sys.path` and the `env` variables into the process
        environment; a variable the process already has wins (as with `load_dotenv`)."""
        for root in reversed(self.import_roots()):
            text = str(root)
            if text not in sys.path:
                sys.path.insert(0, text)
        for key, value in self.env.items():
            os.environ.setdefault(key, value)


def read_config(config_path: Path) -> ProjectConfig:
    """Parse langgraph.json; raises FileNotFoundError or ValueError with the fix."""
    file = config_path.resolve()
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{config_path} not found; pass --config PATH/langgraph.json or create one with "
            f"{_GRAPHS_HINT}"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{config_path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ValueError(f"{config_path} must hold a JSON object like {_GRAPHS_HINT}")
    env, env_file = _read_env(file, document.get("env"))
    return ProjectConfig(
        file=file,
        graphs=_read_graphs(config_path, document.get("graphs")),
        env=env,
        env_file=env_file,
        dependencies=_read_dependencies(config_path, document.get("dependencies")),
        document=document,
    )


def read_graph_specs(config_path: Path) -> dict[str, str]:
    """The `graphs` mapping of a langgraph.json as name -> `path:attr`."""
    return {name: spec.path for name, spec in read_config(config_path).graphs.items()}


def _read_graphs(config_path: Path, graphs: Any) -> dict[str, GraphSpec]:
    if not isinstance(graphs, dict):
        raise ValueError(f"{config_path} needs {_GRAPHS_HINT}")
    specs: dict[str, GraphSpec] = {}
    for name, value in graphs.items():
        if isinstance(value, str):
            specs[name] = GraphSpec(value)
        elif isinstance(value, dict) and isinstance(value.get("path"), str):
            description = value.get("description")
            cache = value.get("llm_cache")
            if cache is not None and not isinstance(cache, bool):
                raise ValueError(
                    f'{config_path}: graph {name!r} has "llm_cache": {cache!r}; it must be '
                    "true or false (or left out to follow GENESIS_MESH_LLM_CACHE)"
                )
            specs[name] = GraphSpec(
                value["path"], description if isinstance(description, str) else None, cache
            )
        else:
            raise ValueError(
                f"{config_path}: graph {name!r} must be a string './path.py:attr' or an "
                'object with a "path" (and optionally a "description" and "llm_cache")'
            )
    return specs


def _read_env(file: Path, env: Any) -> tuple[dict[str, str], Path | None]:
    if env is None:
        return {}, None
    if isinstance(env, dict):
        if not all(isinstance(v, str | int | float | bool) for v in env.values()):
            raise ValueError(f'{file}: "env" values must be strings')
        return {str(k): _env_text(v) for k, v in env.items()}, None
    if isinstance(env, str):
        env_file = (file.parent / env).resolve()
        if not env_file.is_file():
            raise ValueError(
                f'{file}: "env" names {env!r}, which does not exist; create it or remove "env"'
            )
        values = dotenv_values(env_file)
        return {k: v for k, v in values.items() if v is not None}, env_file
    raise ValueError(f'{file}: "env" must be a path to a .env file or an object of variables')


def _env_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_dependencies(config_path: Path, deps: Any) -> list[str]:
    if deps is None:
        return []
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise ValueError(f'{config_path}: "dependencies" must be a list of strings, e.g. ["."]')
    return list(deps)
