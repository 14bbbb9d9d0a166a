"""`genesis-mesh check`: a readable list of what is wrong, and a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from genesis_mesh.checks import check_config, check_schema
from genesis_mesh.scaffold import scaffold
from tests.conftest import ROOT

FIXTURE_GRAPHS = ROOT / "tests" / "fixtures" / "graphs"


def _config(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "langgraph.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def _check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genesis_mesh", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_scaffolded_project_passes(tmp_path: Path) -> None:
    scaffold("digest", tmp_path / "langgraph.json")

    result = _check(tmp_path / "langgraph.json")

    assert result.returncode == 0, result.stderr
    assert "ok: 1 graph(s)" in result.stdout


def test_every_problem_is_listed_and_the_exit_code_is_one(tmp_path: Path) -> None:
    (tmp_path / "syntax.py").write_text("def broken(:\n")
    config = _config(
        tmp_path,
        {
            "dependencies": ["."],
            "graphs": {
                "steps": f"{FIXTURE_GRAPHS / 'steps.py'}:graph",
                "broken": f"{FIXTURE_GRAPHS / 'broken.py'}:graph",
                "syntax": "./syntax.py:graph",
                "missing": "./nowhere.py:graph",
                "no_attr": f"{FIXTURE_GRAPHS / 'steps.py'}:nothing",
                "bad name!": f"{FIXTURE_GRAPHS / 'steps.py'}:graph",
            },
        },
    )

    report = check_config(config)
    result = _check(config)

    where = sorted({p.where for p in report.problems})
    assert where == ["broken", "langgraph.json", "missing", "no_attr", "syntax"]
    assert result.returncode == 1
    assert f"{len(report.problems)} problem(s)" in result.stderr
    assert "langgraph.json: graph name 'bad name!'" in result.stderr
    assert "syntax: does not load: SyntaxError" in result.stderr
    assert "broken: does not load: ModuleNotFoundError" in result.stderr
    assert "no_attr: does not load: AttributeError" in result.stderr


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ("{not json", "is not valid JSON"),
        ({"graphs": []}, '"graphs"'),
        ({"dependencies": ".", "graphs": {"a": "./a.py:graph"}}, '"dependencies"'),
        ({"graphs": {}}, "is empty"),
    ],
)
def test_a_malformed_langgraph_json_is_explained(
    tmp_path: Path, document: object, says: str
) -> None:
    report = check_config(_config(tmp_path, document))
    assert not report.ok
    assert any(says in p.message for p in report.problems), report.problems


def test_a_missing_config_fails_with_how_to_fix(tmp_path: Path) -> None:
    result = _check(tmp_path / "langgraph.json")
    assert result.returncode == 1 and "not found" in result.stderr


def test_the_fixture_graphs_are_valid_except_the_broken_one() -> None:
    report = check_config(ROOT / "tests" / "fixtures" / "langgraph.json")
    assert {p.where for p in report.problems} == {"broken"}
    assert len(report.graphs) >= 8


def test_check_and_serve_agree_on_a_typing_typeddict_graph_it_only_notes_the_schema() -> None:
    report = check_config(ROOT / "tests" / "fixtures" / "langgraph.json")
    assert "plain_typeddict" not in {p.where for p in report.problems}
    notes = [p.message for p in report.notes if p.where == "plain_typeddict"]
    assert notes and all("typing_extensions.TypedDict" in note for note in notes)


def test_malformed_json_schemas_are_found() -> None:
    assert check_schema({"type": "object", "properties": {"a": {"type": "integer"}}}) == []
    assert check_schema({"$defs": {"A": {"type": "string"}}, "$ref": "#/$defs/A"}) == []
    problems = check_schema(
        {
            "type": "thing",
            "required": ["a", "a"],
            "properties": {"a": {"$ref": "#/$defs/Missing"}, "b": 3},
            "anyOf": [],
        }
    )
    assert problems == [
        "#/type 'thing' is not a JSON Schema type",
        "#/required must be a list of unique strings",
        "#/properties/a/$ref '#/$defs/Missing' does not resolve",
        "#/properties/b is a int, expected a schema object",
        "#/anyOf must be a non-empty list",
    ]
    assert check_schema({"default": object()})[0].startswith("is not JSON-serializable")
