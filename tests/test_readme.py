"""The README's first commands are the product's front door; CI runs the same one."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_a_serve_and_a_test_command() -> None:
    serve, test = readme_commands()[:2]
    assert serve.endswith("genesis-mesh serve")
    assert "pytest" in test
    assert (ROOT / "README.md").read_text().index("```sh") < 200


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test = readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci
