"""Hot reload of graphs for `genesis-mesh dev`, inside the running process.

`GraphReloader` watches langgraph.json and the folders of the graphs it names (with
`watchfiles`). On a change it forgets the graph modules (`sys.modules` entries whose file
lies in a watched folder), loads every graph again and swaps the registry's entries in
one assignment. The runner takes `registry.get(name).compiled()` once when a run starts,
so a run in flight keeps the graph — and the module objects its nodes close over — that
it started with; the next run gets the new code. A graph that no longer imports (a syntax
error, say) becomes unavailable with its error, in the log and in `GET /api/v1/graphs`,
while the others keep serving; when langgraph.json itself is broken, the previous
entries stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

from genesis_mesh.registry import GraphRegistry, read_graph_specs

__all__ = ["GraphReloader", "watching"]

logger = logging.getLogger(__name__)

WATCHED_SUFFIXES = frozenset({".py", ".json", ".yaml", ".yml", ".toml"})


class GraphReloader:
    """Reloads the graphs of `registry` when their sources or langgraph.json change."""

    def __init__(self, registry: GraphRegistry, debounce_ms: int = 300) -> None:
        self.registry = registry
        self.config = registry.config_path
        self.root = self.config.parent
        self.debounce_ms = debounce_ms
        self.reloads = 0
        self._filter = DefaultFilter()

    def source_dirs(self) -> list[Path]:
        """Folders holding graph code: the top folder under the root of each `.py` spec
        (`./graphs/x/graph.py` -> `graphs/`), or the spec's own folder outside the root."""
        try:
            specs = read_graph_specs(self.config)
        except (FileNotFoundError, ValueError):
            specs = {}
        dirs: set[Path] = set()
        for spec in specs.values():
            path_part = spec.rpartition(":")[0]
            if not path_part.endswith(".py"):
                continue
            file = (self.root / path_part).resolve()
            try:
                top = file.relative_to(self.root).parts[0]
            except ValueError:
                dirs.add(file.parent)
                continue
            if (self.root / top).is_dir():
                dirs.add(self.root / top)
        return sorted(dirs)

    def reload(self, changed: Iterable[str] = ()) -> None:
        """Forget the graph modules and load every graph again (synchronously)."""
        dirs = self.source_dirs()
        forgotten = _forget_modules(dirs, self.root)
        importlib.invalidate_caches()
        previous = self.registry.entries
        try:
            self.registry.load()
        except (FileNotFoundError, ValueError) as exc:
            self.registry.entries = previous
            logger.error("langgraph.json not reloaded, keeping the previous graphs: %s", exc)
            return
        self.reloads += 1
        names = ", ".join(sorted({Path(p).name for p in changed})) or "request"
        states = [
            f"{e.name} ({'ok' if e.available else 'unavailable: ' + str(e.error)})"
            for e in self.registry.entries.values()
        ]
        logger.info(
            "graphs reloaded after a change of %s (%d modules re-imported): %s",
            names,
            forgotten,
            "; ".join(states),
        )

    async def serve(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set; restarts the watchers when langgraph.json changes
        (the graph folders may have changed with it)."""
        while not stop.is_set():
            halt = asyncio.Event()
            relay = asyncio.create_task(_relay(stop, halt))
            targets = [(self.root, False), *((d, True) for d in self.source_dirs())]
            logger.info("dev reload: watching %s", ", ".join(str(p) for p, _ in targets))
            watchers = [
                asyncio.create_task(self._watch(path, recursive, halt))
                for path, recursive in targets
            ]
            await halt.wait()
            relay.cancel()
            await asyncio.gather(relay, *watchers, return_exceptions=True)

    async def _watch(self, path: Path, recursive: bool, halt: asyncio.Event) -> None:
        try:
            async for changes in awatch(
                path,
                watch_filter=self._accepts,
                debounce=self.debounce_ms,
                step=50,
                stop_event=halt,
                recursive=recursive,
            ):
                files = [p for _, p in changes]
                self.reload(files)
                if any(Path(p) == self.config for p in files):
                    halt.set()
        except Exception:
            logger.exception("dev reload: watching %s failed", path)

    def _accepts(self, change: Change, path: str) -> bool:
        file = Path(path)
        return self._filter(change, path) and (
            file == self.config or file.suffix in WATCHED_SUFFIXES
        )


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


def _forget_modules(dirs: list[Path], root: Path) -> int:
    """Drop from `sys.modules` the modules loaded from the graph folders, or from `.py`
    files directly in the root; returns how many were dropped."""
    doomed = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if path.parent == root or any(path.is_relative_to(d) for d in dirs):
            doomed.append(name)
    for name in doomed:
        sys.modules.pop(name, None)
    return len(doomed)


@asynccontextmanager
async def watching(registry: GraphRegistry, enabled: bool = True) -> AsyncIterator[None]:
    """Run a `GraphReloader` for `registry` while the block runs (nothing when disabled)."""
    if not enabled:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(GraphReloader(registry).serve(stop), name="genesis-mesh-reload")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 5)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
