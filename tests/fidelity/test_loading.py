"""The corpus loads like `langgraph dev` loads it, and `check` agrees with `serve`."""

from __future__ import annotations

import sys

import pytest

from genesis_mesh.checks import check_config
from tests.conftest import LiveHost
from tests.fidelity.bare import graph_specs
from tests.fidelity.conftest import CORPUS_CONFIG


def test_serve_loads_and_check_accepts_every_corpus_graph(
    corpus_host: LiveHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # the loader prepends the config's root
    with corpus_host.client() as client:
        listed = {g["name"]: g for g in client.get("/api/v1/graphs").json()}

    report = check_config(CORPUS_CONFIG)

    assert set(listed) == set(graph_specs())
    unavailable = {name: g["error"] for name, g in listed.items() if not g["available"]}
    assert unavailable == {}
    assert [str(problem) for problem in report.problems] == []
