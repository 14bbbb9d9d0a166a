"""Imports what a `graphs` entry names: a file (`./path.py:attr`) or a module (`pkg.mod:attr`).

A file below one of the project's import roots (a local dependency's `src/`, the
dependency itself, the config's folder) is imported under its dotted name relative to
that root, so `from react_agent.state import State` in a src-layout template and a
relative import both find the same module objects.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from genesis_mesh.registry.factory import GraphFactory

__all__ = ["import_spec", "resolve_attr"]


def import_spec(roots: list[Path], name: str, spec: str) -> tuple[ModuleType, str]:
    """The module a spec names, imported, and the attribute to take from it."""
    path_part, _, attr = spec.rpartition(":")
    if not path_part or not attr:
        raise ValueError(f"graph spec {spec!r} must look like './path/to/module.py:attribute'")
    if not path_part.endswith(".py") and "/" not in path_part:
        return importlib.import_module(path_part), attr
    file = (roots[-1] / path_part).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist")
    module_name, root = _module_name(roots, file, name)
    if root is not None:
        _take_parent_packages(root, module_name)
    existing = sys.modules.get(module_name)
    if existing is not None and Path(getattr(existing, "__file__", "") or "") == file:
        return existing, attr
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import {file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module, attr


def _module_name(roots: list[Path], file: Path, name: str) -> tuple[str, Path | None]:
    """The dotted name of a file below an import root (so packages and relative imports
    work) and that root, or a private name for a file outside them."""
    for root in roots:
        try:
            parts = file.relative_to(root.resolve()).with_suffix("").parts
        except ValueError:
            continue
        if parts and all(p.isidentifier() for p in parts):
            return ".".join(parts), root.resolve()
    return f"genesis_mesh_graph_{name}", None


def _take_parent_packages(root: Path, module_name: str) -> None:
    """Import the packages above `module_name` from `root`, where another project's
    package of the same name (a second `graphs/` loaded in the same process) holds the
    name: its modules already imported keep working, new imports of the name come here."""
    parents = module_name.split(".")[:-1]
    for depth in range(1, len(parents) + 1):
        package_name = ".".join(parents[:depth])
        folder = root.joinpath(*parents[:depth])
        current = sys.modules.get(package_name)
        if current is not None and _holds(current, folder):
            continue
        search = [str(folder.parent)]
        spec = importlib.machinery.PathFinder.find_spec(parents[depth - 1], search)
        if spec is None:
            return
        package = importlib.util.module_from_spec(spec)
        sys.modules[package_name] = package
        if spec.loader is not None:
            spec.loader.exec_module(package)
        if depth > 1:
            setattr(sys.modules[".".join(parents[: depth - 1])], parents[depth - 1], package)


def _holds(package: ModuleType, folder: Path) -> bool:
    return any(Path(entry).resolve() == folder for entry in getattr(package, "__path__", []))


def resolve_attr(
    module: ModuleType, attr: str, spec: str
) -> Pregel[Any, Any, Any, Any] | StateGraph[Any] | GraphFactory:
    """The graph, or the factory that builds it, that `spec` names."""
    if not hasattr(module, attr):
        found = [k for k, v in vars(module).items() if isinstance(v, StateGraph | Pregel)]
        hint = f"; graphs it defines: {', '.join(found)}" if found else ""
        raise AttributeError(f"{spec}: module has no attribute {attr!r}{hint}")
    obj = getattr(module, attr)
    if isinstance(obj, StateGraph | Pregel):
        return obj
    if callable(obj):
        return GraphFactory(obj, spec)
    raise TypeError(
        f"{spec}: expected a StateGraph, a compiled graph or a factory function, "
        f"got {type(obj).__name__}"
    )
