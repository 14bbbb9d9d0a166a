"""JWT bearer tokens, verified with PyJWT against the configured key, issuer and audience."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt

from genesis_mesh.auth.identity import Identity, Method
from genesis_mesh.errors import InvalidToken, TokenExpired
from genesis_mesh.settings import Settings

_HMAC = ("HS256", "HS384", "HS512")
_HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
_ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
SUPPORTED_ALGORITHMS = _HMAC + _ASYMMETRIC + ("EdDSA",)


class JwtVerifier:
    """Checks signature, `exp` (required), `nbf`, `iss` and `aud`; maps claims to an identity.

    The user id is the `jwt_user_claim` claim (default `sub`); the user is an admin when
    the `jwt_roles_claim` claim (a string or a list) holds `jwt_admin_role`.
    """

    def __init__(self, settings: Settings) -> None:
        self.key = settings.jwt_key.get_secret_value()
        self.algorithms = list(settings.jwt_algorithms)
        self.issuer = settings.jwt_issuer or None
        self.audience = settings.jwt_audience or None
        self.user_claim = settings.jwt_user_claim
        self.roles_claim = settings.jwt_roles_claim
        self.admin_role = settings.jwt_admin_role
        self.leeway = settings.jwt_leeway_seconds
        _check_configuration(self.key, self.algorithms)

    def verify(self, token: str) -> Identity:
        required = ["exp"] + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token,
                self.key,
                algorithms=self.algorithms,
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": required, "verify_aud": self.audience is not None},
            )
        except pyjwt.ExpiredSignatureError:
            raise TokenExpired() from None
        except pyjwt.InvalidTokenError as exc:
            raise InvalidToken(f"JWT rejected ({type(exc).__name__}: {exc})") from None
        user = claims.get(self.user_claim)
        if not isinstance(user, str) or not user or len(user) > 200:
            raise InvalidToken(f"the JWT has no usable {self.user_claim!r} claim")
        roles = claims.get(self.roles_claim, [])
        roles = [roles] if isinstance(roles, str) else roles
        is_admin = isinstance(roles, list) and self.admin_role in roles
        return Identity(user, is_admin, Method.JWT, float(claims["exp"]) + self.leeway)


def check_jwt_settings(settings: Settings) -> None:
    """Raise ValueError when JWTs are configured in a way that cannot be safe."""
    key = settings.jwt_key.get_secret_value()
    if key:
        _check_configuration(key, list(settings.jwt_algorithms))


def _check_configuration(key: str, algorithms: list[str]) -> None:
    unknown = [a for a in algorithms if a not in SUPPORTED_ALGORITHMS]
    if unknown or not algorithms:
        raise ValueError(
            f"GENESIS_MESH_JWT_ALGORITHMS has {unknown or 'nothing'}; use some of "
            f"{', '.join(SUPPORTED_ALGORITHMS)}"
        )
    hmac_used = [a for a in algorithms if a in _HMAC]
    if hmac_used and len(algorithms) != len(hmac_used):
        raise ValueError(
            "GENESIS_MESH_JWT_ALGORITHMS mixes HMAC and public-key algorithms: one key cannot "
            "be both a shared secret and a public key (the classic algorithm-confusion attack)"
        )
    needed = max((_HMAC_KEY_BYTES[a] for a in hmac_used), default=0)
    if len(key.encode("utf-8")) < needed:
        raise ValueError(
            f"GENESIS_MESH_JWT_KEY is shorter than {needed} bytes; an HMAC secret must be at "
            "least as long as the hash (RFC 7518 section 3.2)"
        )
