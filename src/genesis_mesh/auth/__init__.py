"""Who may do what: API keys, JWTs, the identity of a request or socket (docs/security.md)."""

from genesis_mesh.auth.authenticator import Authenticator
from genesis_mesh.auth.identity import ANONYMOUS, LOCAL_USER, Identity, Method
from genesis_mesh.auth.keys import ApiKeyInfo, ApiKeys
from genesis_mesh.auth.middleware import AuthMiddleware

__all__ = [
    "ANONYMOUS",
    "LOCAL_USER",
    "ApiKeyInfo",
    "ApiKeys",
    "AuthMiddleware",
    "Authenticator",
    "Identity",
    "Method",
]
