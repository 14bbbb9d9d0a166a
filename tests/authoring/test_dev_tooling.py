"""The dev container, hatch scripts and pre-commit hooks say what the README and CI say.

The Docker engine does not run here: these tests check the files, not a built image.
"""

from __future__ import annotations

import json
import tomllib

import yaml

from tests.conftest import ROOT
from tests.test_readme import readme_commands

DEVCONTAINER = ROOT / ".devcontainer"


def _readme_install() -> str:
    """The install part shared by the README's commands (before the final `&& ...`)."""
    serve, test = readme_commands()[:2]
    install = serve.rsplit(" && ", 1)[0]
    assert test.rsplit(" && ", 1)[0] == install
    return install


def test_the_dev_container_installs_with_the_readme_command() -> None:
    config = json.loads((DEVCONTAINER / "devcontainer.json").read_text())

    assert config["postCreateCommand"] == _readme_install()
    assert config["build"]["dockerfile"] == "Dockerfile"


def test_the_dev_container_forwards_the_default_port_of_the_host() -> None:
    from genesis_mesh.settings import Settings

    config = json.loads((DEVCONTAINER / "devcontainer.json").read_text())
    assert Settings.model_fields["port"].default in config["forwardPorts"]


def test_the_dockerfile_is_python_311_with_git_and_chromium_and_no_second_install() -> None:
    dockerfile = (DEVCONTAINER / "Dockerfile").read_text()
    lines = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    text = "\n".join(lines)

    assert lines[0].startswith("FROM python:3.11")
    assert "git chromium" in text
    assert "pip install" not in text and "requirements" not in text


def test_hatch_scripts_run_the_same_tools_as_ci() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    scripts = pyproject["tool"]["hatch"]["envs"]["default"]["scripts"]
    ci = (ROOT / ".ci" / "run").read_text()

    assert scripts["types"] == "mypy src" and ".venv/bin/mypy src" in ci
    assert scripts["test"].startswith("python -m pytest")
    assert set(scripts) >= {"fmt", "types", "test"}


def test_pre_commit_uses_the_project_tools() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    local = next(repo for repo in config["repos"] if repo["repo"] == "local")
    entries = {hook["id"]: hook["entry"] for hook in local["hooks"]}

    assert entries["ruff-check"].startswith(".venv/bin/ruff check")
    assert entries["ruff-format"] == ".venv/bin/ruff format"
    assert entries["mypy"] == ".venv/bin/mypy src"
    assert entries["genesis-mesh-check"] == ".venv/bin/genesis-mesh check"
