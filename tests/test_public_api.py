"""The public API is small and explicit (sorted isort-style, ruff RUF022)."""

import genesis_mesh


def test_public_names_are_pinned_and_sorted() -> None:
    assert genesis_mesh.__all__ == [
        "PROTOCOL_VERSION",
        "Event",
        "EventType",
        "GenesisMesh",
        "RunStatus",
        "Settings",
        "__version__",
        "create_app",
    ]
    for name in genesis_mesh.__all__:
        assert hasattr(genesis_mesh, name)
