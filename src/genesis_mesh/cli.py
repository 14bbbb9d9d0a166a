"""The `genesis-mesh` command: serve (or `dev`), list and check graphs, scaffold one, run one."""

from __future__ import annotations

import asyncio
import json
import logging.config
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from genesis_mesh.auth.commands import keys_app
from genesis_mesh.errors import GenesisMeshError
from genesis_mesh.protocol import FINAL_EVENT_TYPES, Event, EventType, RunInfo, RunStatus
from genesis_mesh.settings import Settings

if TYPE_CHECKING:
    import uvicorn

app = typer.Typer(help="genesis-mesh: a durable, streaming host for LangGraph graphs.")
console = Console(stderr=True)
out = Console()
app.add_typer(keys_app, name="keys")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Path of langgraph.json (default ./langgraph.json).")
]


def _settings(config: Path | None, **overrides: Any) -> Settings:
    if config is not None:
        overrides["config"] = config
    try:
        return Settings(**overrides)
    except ValueError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when source files change.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="HTTP processes (more than 1 needs the scale-out mode: Redis + PostgreSQL)."
        ),
    ] = 1,
    api_only: Annotated[
        bool, typer.Option("--api-only", help="Scale-out: serve HTTP only; workers execute runs.")
    ] = False,
) -> None:
    """Start the host: REST, WebSocket and the chat UI."""
    if api_only:
        os.environ["GENESIS_MESH_RUN_WORKER"] = "false"
    _serve(config, host, port, reload=reload, workers=workers)


@app.command()
def worker(
    config: ConfigOption = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's Prometheus metrics on this port (/metrics)."),
    ] = None,
) -> None:
    """Scale-out: a process that claims and executes runs, with no HTTP. SIGTERM drains
    it: it claims nothing more, lets nodes finish within the grace period and leaves the
    rest pending for the other workers."""
    settings = _settings(config)
    if not settings.scale_out:
        console.print(
            "[red]genesis-mesh worker needs the scale-out mode[/red]: set "
            "GENESIS_MESH_REDIS_URL=redis://... and "
            "GENESIS_MESH_DATABASE_URL=postgresql+psycopg://... (docs/deployment.md)",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    from genesis_mesh.observability.logs import log_config

    logging.config.dictConfig(log_config(settings.log_format, settings.log_level))
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from genesis_mesh.observability.metrics import get_metrics

        start_http_server(metrics_port, addr=settings.host, registry=get_metrics().registry)
    asyncio.run(_work(settings))


async def _work(settings: Settings) -> None:
    import signal

    from genesis_mesh.api.langgraph.run_end import following_run_ends
    from genesis_mesh.services import open_services

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with (
        open_services(settings, worker=True, follows=False) as services,
        following_run_ends(services),  # the runs it ends: their webhooks, stateless threads
    ):
        assert services.worker is not None
        console.print(
            f"genesis-mesh worker {settings.resolved_worker_id()} "
            f"(up to {settings.max_concurrent_runs} runs; graphs: {settings.config})"
        )
        await stop.wait()
        console.print("draining: no more claims; runs in flight stop at their next node")


@app.command()
def dev(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Serve with hot reload of the graphs and langgraph.json, without a restart: the next
    run uses the saved code, runs in flight finish on the code they started with."""
    os.environ["GENESIS_MESH_DEV_RELOAD"] = "true"
    _serve(config, host, port, reload=False)


def _serve(
    config: Path | None, host: str | None, port: int | None, reload: bool, workers: int = 1
) -> None:
    import uvicorn

    from genesis_mesh.observability.logs import log_config

    if config is not None:
        os.environ["GENESIS_MESH_CONFIG"] = str(config.resolve())
    if host is not None:  # the app decides on authentication from the address it serves
        os.environ["GENESIS_MESH_HOST"] = host
    settings = _settings(None)
    _check_auth(settings)
    if not settings.config.is_file():
        console.print(f"[red]{settings.config} not found[/red]: pass --config PATH/langgraph.json")
        raise typer.Exit(2)
    if workers > 1 and not settings.scale_out:
        console.print(
            "[red]--workers above 1 needs the scale-out mode[/red]: processes share runs "
            "through PostgreSQL and Redis (set GENESIS_MESH_REDIS_URL and a PostgreSQL "
            "GENESIS_MESH_DATABASE_URL; docs/deployment.md)",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    mode = "  (dev: graphs reload on save)" if settings.dev_reload else ""
    console.print(
        f"genesis-mesh on http://{bind_host}:{bind_port}  (graphs: {settings.config}){mode}"
    )
    server_config = uvicorn.Config(
        "genesis_mesh.host:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        workers=workers if workers > 1 else None,
        reload_dirs=[str(settings.config.resolve().parent)] if reload else None,
        ws_max_size=max(16 * 1024 * 1024, settings.ws_max_message_bytes * 4),
        # h11 bounds the request line and headers (httptools reads them without a limit).
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        # Small JSON frames gain little from compression, and each socket would keep its
        # own zlib state (about 45 kB of memory per connection).
        ws_per_message_deflate=False,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 5,
        # A worker process answers uvicorn's health pings only once it has imported the
        # app; on a busy machine that takes longer than uvicorn's 5 s default, and uvicorn
        # would kill and respawn it forever.
        timeout_worker_healthcheck=60,
        log_level=settings.log_level,
        log_config=log_config(settings.log_format, settings.log_level),
    )
    _run_server(server_config)


def _run_server(config: uvicorn.Config) -> None:
    """What `uvicorn.run` does, with a server that announces its shutdown drain to the
    runs in flight (`server.py`). Worker processes (`--workers`, scale-out) run
    uvicorn's own server: their runs go to another worker rather than pause."""
    import uvicorn.supervisors

    from genesis_mesh.server import DrainingServer

    server = DrainingServer(config=config)
    try:
        if config.should_reload:
            sock = config.bind_socket()
            uvicorn.supervisors.ChangeReload(config, target=server.run, sockets=[sock]).run()
        elif config.workers > 1:
            sock = config.bind_socket()
            uvicorn.supervisors.Multiprocess(config, sockets=[sock]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if not server.started and not config.should_reload and config.workers == 1:
        raise typer.Exit(3)  # uvicorn's STARTUP_FAILURE


def _check_auth(settings: Settings) -> None:
    """JWT settings that cannot work stop `serve` here, not in the app's startup."""
    from genesis_mesh.auth.jwt import check_jwt_settings

    try:
        check_jwt_settings(settings)
    except ValueError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="The graph's name: lower_snake_case.")],
    config: ConfigOption = None,
) -> None:
    """Write graphs/NAME/ and tests/graphs/test_NAME.py and register NAME in langgraph.json."""
    from genesis_mesh.scaffold import ScaffoldError, scaffold

    path = config or Path("langgraph.json")
    try:
        result = scaffold(name, path)
    except ScaffoldError as exc:
        console.print(f"[red]Cannot create graph:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    for written in result.written:
        out.print(f"  wrote {written}")
    out.print(f"  registered {name!r} in {path}")
    out.print(
        f"Next: .venv/bin/python -m pytest tests/graphs/test_{name}.py, then "
        ".venv/bin/genesis-mesh dev and open http://127.0.0.1:8000",
        soft_wrap=True,
    )


@app.command()
def check(config: ConfigOption = None) -> None:
    """Validate langgraph.json and every graph: imports, compiles, schemas, node names."""
    import logging

    from genesis_mesh.checks import check_config

    logging.getLogger("genesis_mesh.registry").setLevel(logging.ERROR)
    path = config or Path("langgraph.json")
    report = check_config(path)
    for note in report.notes:
        console.print(f"[yellow]note[/yellow] {note}", soft_wrap=True)
    if report.problems:
        console.print(f"[red]{len(report.problems)} problem(s) in {path}:[/red]", soft_wrap=True)
        for problem in report.problems:
            console.print(f"  - {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    out.print(
        f"ok: {len(report.graphs)} graph(s) in {path}: {', '.join(report.graphs)}", soft_wrap=True
    )


@app.command()
def graphs(config: ConfigOption = None) -> None:
    """List the graphs registered in langgraph.json."""
    from genesis_mesh.registry import GraphRegistry

    settings = _settings(config)
    registry = GraphRegistry(settings.config, None)
    try:
        registry.load()
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    table = Table("graph", "status", "description")
    for entry in registry.entries.values():
        status = "[green]available[/green]" if entry.available else f"[red]{entry.error}[/red]"
        table.add_row(entry.name, status, entry.description)
    out.print(table)
    if not all(e.available for e in registry.entries.values()):
        raise typer.Exit(1)


@app.command()
def audit(
    source: Annotated[
        str, typer.Argument(help="The site: a local folder (CI), or an https git URL.")
    ],
    subdir: Annotated[str | None, typer.Option(help="Content folder inside it, e.g. docs.")] = None,
    ref: Annotated[str | None, typer.Option(help="Branch or tag of a git URL.")] = None,
    format: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            help="text, json, sarif, junit, github or markdown; FORMAT=FILE writes a file. "
            "Repeat for several (one may go to standard output).",
        ),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            help="Kinds that fail the build: broken, assets, anchors, escaped, orphans, "
            "content-orphans, all or none (comma-separated)."
        ),
    ] = "broken,assets,anchors",
    baseline: Annotated[
        Path | None, typer.Option(help="Accepted findings (JSON); only new ones fail.")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Write a baseline of today's findings and exit 0.")
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option(help="Only findings in files changed since this git ref (merge base)."),
    ] = None,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages read at most.")] = 50_000,
    config: ConfigOption = None,
) -> None:
    """Audit the links of a site for CI: exit 0 clean, 1 findings that fail, 2 bad
    usage, 3 the site could not be read (docs/topical-mesh.md)."""
    from genesis_mesh.audit.command import AuditOptions
    from genesis_mesh.audit.command import audit as run_audit

    settings = _settings(config)
    options = AuditOptions(
        source=source,
        config=settings.config,
        subdir=subdir,
        ref=ref,
        formats=format or ["text"],
        fail_on=fail_on,
        baseline=baseline,
        write_baseline=write_baseline,
        changed_since=changed_since,
        max_pages=max_pages,
        graph_context=_operator_defaults(settings, "topical_mesh"),
    )
    say = console.print if console.is_terminal else _plain_stderr
    code = run_audit(
        options, lambda m: say(m, markup=False, highlight=False, soft_wrap=True), _stdout
    )
    raise typer.Exit(code)


def _operator_defaults(settings: Settings, graph: str) -> dict[str, Any]:
    from genesis_mesh.runner.context import read_policy

    try:
        return read_policy(graph, settings.graph_context.get(graph, {})).defaults
    except ValueError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None


def _plain_stderr(message: str, **_options: Any) -> None:
    sys.stderr.write(message + "\n")


def _stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@app.command()
def run(
    graph: Annotated[str, typer.Argument(help="Name of a registered graph.")],
    input: Annotated[str, typer.Option("--input", help="The graph's input as JSON.")] = "{}",
    context: Annotated[
        str, typer.Option("--context", help="Runtime context values as JSON.")
    ] = "{}",
    config: ConfigOption = None,
) -> None:
    """Run one graph in the terminal with a live view of its nodes; prints the output."""
    try:
        payload = json.loads(input)
        context_values = json.loads(context)
    except json.JSONDecodeError as exc:
        console.print(f"[red]--input/--context is not valid JSON:[/red] {exc}")
        raise typer.Exit(2) from None
    if not isinstance(context_values, dict):
        console.print("[red]--context must be a JSON object[/red]")
        raise typer.Exit(2)
    # The terminal runs on one's own machine: local sources are allowed unless refused.
    context_values.setdefault("allow_local_sources", True)
    settings = _settings(config)
    code = asyncio.run(_run_in_terminal(settings, graph, payload, context_values))
    raise typer.Exit(code)


async def _run_in_terminal(
    settings: Settings, graph: str, payload: Any, context: dict[str, Any]
) -> int:
    from genesis_mesh.services import open_services

    # Always in this process, even where a scale-out cluster is configured: the terminal
    # shows its own run, and `--context` may hold objects no other process could receive.
    # `--context` is the operator's own word here: it goes where GENESIS_MESH_GRAPH_CONTEXT
    # goes, above a client's locks (a run's context could not turn on local sources).
    operator = _terminal_context(settings.graph_context.get(graph), context)
    local = settings.model_copy(
        update={"redis_url": "", "graph_context": {**settings.graph_context, graph: operator}}
    )
    async with open_services(local, recover=False) as services:
        try:
            run = await services.runner.create_run(graph, payload)
        except GenesisMeshError as exc:
            console.print(f"[red]{exc.code}[/red]: {exc.message}")
            if exc.detail:
                console.print_json(data=exc.detail)
            return 2
        view = _NodeView()
        await _follow(services, run.run_id, view)
        return _report(await services.store.get_run(run.run_id))


def _terminal_context(setting: Any, context: dict[str, Any]) -> dict[str, Any]:
    from genesis_mesh.runner.context import read_policy

    policy = read_policy("terminal", setting or {})
    return {"defaults": {**policy.defaults, **context}, "locked": sorted(policy.locked)}


async def _follow(services: Any, run_id: str, view: _NodeView) -> Event | None:
    queue: asyncio.Queue[Event] = asyncio.Queue()

    async def send(event: Event) -> None:
        await queue.put(event)

    unsubscribe = await services.runner.follow(run_id, 0, send, queue.put_nowait)
    try:
        with Live(view.table(), console=console, refresh_per_second=8) as live:
            while True:
                event = await queue.get()
                view.apply(event)
                live.update(view.table())
                if event.type == EventType.MESSAGE_DELTA:
                    live.console.print(event.data.get("text", ""), end="", markup=False)
                if event.type in FINAL_EVENT_TYPES or event.type == EventType.RUN_INTERRUPTED:
                    return event
    finally:
        unsubscribe()


def _report(run: RunInfo) -> int:
    if run.status == RunStatus.SUCCEEDED:
        out.print_json(data=run.output)
        return 0
    if run.status == RunStatus.INTERRUPTED:
        console.print(f"[yellow]Run {run.run_id} is waiting:[/yellow]")
        console.print_json(data=run.interrupt)
        return 3
    console.print(f"[red]Run {run.run_id} {run.status}[/red]")
    if run.error:
        console.print_json(data=run.error)
    return 1


class _NodeView:
    """Status, latest progress and timing per node, for the live terminal table."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def apply(self, event: Event) -> None:
        if event.node is None:
            return
        name = event.node
        namespace = event.data.get("namespace")
        if namespace and event.type != EventType.NODE_PROGRESS:  # a subgraph's own node
            name = f"{str(namespace[0]).split(':')[0]} › {event.node}"
        row = self.rows.setdefault(name, {"status": "pending", "message": "", "t0": None})
        if event.type == EventType.NODE_STARTED:
            row.update(status="running", t0=event.ts)
        elif event.type == EventType.NODE_PROGRESS:
            row["message"] = str(event.data.get("message", ""))[:80]
        elif event.type == EventType.NODE_COMPLETED:
            row["status"] = "done"
            if row["t0"] is not None:
                row["message"] = f"{(event.ts - row['t0']).total_seconds():.2f}s"
        elif event.type == EventType.NODE_FAILED:
            row.update(status="failed", message=str(event.data.get("error", {}).get("message")))

    def table(self) -> Table:
        table = Table("node", "status", "progress")
        colors = {"running": "yellow", "done": "green", "failed": "red"}
        for name, row in self.rows.items():
            color = colors.get(row["status"], "white")
            table.add_row(name, f"[{color}]{row['status']}[/{color}]", row["message"])
        return table
