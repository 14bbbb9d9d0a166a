"""Webhooks: a POST to the run's `webhook` URL when the run ends, as a LangGraph Server
sends it (the run, its final `values`, `webhook_sent_at`).

A webhook is a request the host makes on a client's word, so it is guarded against
server-side request forgery (docs/security.md, the research note on SSRF): http(s) only,
https unless `GENESIS_MESH_WEBHOOK_ALLOW_HTTP`; no user info in the URL; the host must
resolve to public addresses only — loopback, private, link-local and other special
ranges are refused unless the host or address is listed in
`GENESIS_MESH_WEBHOOK_ALLOWED_HOSTS`; the request goes to the very address that was
checked (no second DNS lookup for rebinding to exploit); redirects are never followed.
Each delivery has a timeout and is retried with backoff on a network error or a 5xx/429.

The URL is checked when the run is created (422), the addresses again when it is sent.
The process that accepted the run sends it, following the run's events to its end.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from genesis_mesh.errors import InvalidInput
from genesis_mesh.settings import Settings

logger = logging.getLogger(__name__)

_EXTRA_BLOCKED = [
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "192.0.0.0/24", "fe80::/10")
]
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
BACKOFF_SECONDS = 0.5


class WebhookRefused(InvalidInput):
    code = "webhook_refused"

    def __init__(self, url: str, why: str) -> None:
        super().__init__(
            f"The webhook {url[:200]!r} is refused: {why}",
            {"webhook": url[:200], "settings": _SETTINGS},
        )


_SETTINGS = "GENESIS_MESH_WEBHOOK_ALLOW_HTTP, GENESIS_MESH_WEBHOOK_ALLOWED_HOSTS"


def check_url(url: str, settings: Settings) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable webhook URL, or `WebhookRefused`. A host
    given as an address is checked against the address rules here already."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookRefused(url, f"it is not a URL ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise WebhookRefused(url, "a webhook is an http(s) URL.")
    if scheme == "http" and not settings.webhook_allow_http:
        raise WebhookRefused(url, "use https (GENESIS_MESH_WEBHOOK_ALLOW_HTTP allows http).")
    if parts.username is not None or parts.password is not None:
        raise WebhookRefused(url, "credentials in the URL are not sent; use a token in its path.")
    host = (parts.hostname or "").lower()
    if not host:
        raise WebhookRefused(url, "it has no host.")
    port = port or (443 if scheme == "https" else 80)
    if _is_address(host):
        _check_address(url, host, host, settings)
    return scheme, host, port


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _check_address(url: str, host: str, address: str, settings: Settings) -> None:
    allowed = settings.webhook_allowed_hosts
    if host in allowed or address in allowed:
        return
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or any(ip in net for net in _EXTRA_BLOCKED):
        raise WebhookRefused(
            url,
            f"{host} is {address}, not a public address (list it in "
            "GENESIS_MESH_WEBHOOK_ALLOWED_HOSTS to allow it).",
        )


async def _resolve(host: str, port: int) -> list[str]:
    if _is_address(host):
        return [host]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def deliver(url: str, payload: dict[str, Any], settings: Settings) -> bool:
    """POST `payload` to `url` (pinned to its checked address); True once it answered 2xx."""
    scheme, host, port = check_url(url, settings)
    try:
        addresses = await _resolve(host, port)
    except OSError as exc:
        logger.warning("webhook %s: %s does not resolve: %s", url, host, exc)
        return False
    try:
        for address in addresses:
            _check_address(url, host, address, settings)
    except WebhookRefused as exc:
        logger.warning("%s", exc.message)
        return False
    address = addresses[0]
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    parts = urlsplit(url)
    pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    default_port = port == (443 if scheme == "https" else 80)
    headers = {"Host": host if default_port else f"{host}:{port}"}
    extensions = {"sni_hostname": host} if scheme == "https" else {}
    payload = {**payload, "webhook_sent_at": datetime.now(UTC).isoformat()}
    timeout = settings.webhook_timeout_seconds
    async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False) as http:
        for attempt in range(settings.webhook_attempts):
            if attempt:
                await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                request = http.build_request(
                    "POST", pinned, json=payload, headers=headers, extensions=extensions
                )
                answer = await http.send(request)
            except httpx.HTTPError as exc:
                logger.warning("webhook %s, attempt %d: %s", url, attempt + 1, exc)
                continue
            if answer.is_success:
                return True
            logger.warning("webhook %s, attempt %d: HTTP %d", url, attempt + 1, answer.status_code)
            if answer.status_code not in _RETRY_STATUS:
                return False
    return False
