"""The auth package's public names are pinned (nothing leaks by accident)."""

import genesis_mesh.auth


def test_auth_public_names_are_pinned_and_sorted() -> None:
    assert genesis_mesh.auth.__all__ == [
        "ANONYMOUS",
        "LOCAL_USER",
        "ApiKeyInfo",
        "ApiKeys",
        "AuthMiddleware",
        "Authenticator",
        "Identity",
        "Method",
    ]
    for name in genesis_mesh.auth.__all__:
        assert hasattr(genesis_mesh.auth, name)
