"""Checks a repository URL or local path before any git process is started.

Every refusal raises `CloneRefused` with a message naming the rule and the setting that
changes it. A remote source comes back with the one address git will be pinned to, so
DNS rebinding between this check and git's connect cannot reach another address.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.errors import CloneRefused

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_TRANSPORT_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_BRACKETED_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_HOSTNAME = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$"
)
_UPLOAD = re.compile(r"^upload:([A-Za-z0-9_-]{8,64})$")
_REF = re.compile(r"^[A-Za-z0-9._/+-]{1,200}$")
_DEFAULT_PORTS = {"https": 443, "http": 80}
# Ranges refused on top of `not is_global` (some are "global" in Python's tables).
_EXTRA_BLOCKED = [
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "192.0.0.0/24", "fe80::/10")
]


@dataclass(frozen=True)
class LocalSource:
    """A folder on this machine (only when local sources are allowed)."""

    path: str


@dataclass(frozen=True)
class RemoteSource:
    """An http(s) URL whose host resolved to `address`, the only address git may use."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_source(repo_url: str, ctx: Context) -> LocalSource | RemoteSource:
    """Validate `repo_url` against the rules; raises CloneRefused naming the broken rule."""
    source = _checked_source(repo_url, ctx, resolve=True)
    if source is None:
        raise CloneRefused("Refused: the source could not be checked.")
    return source


def check_source_offline(repo_url: str, ctx: Context) -> None:
    """`check_source` without DNS (input validation, before the run starts): an IP-address
    host is checked against the address rules, a host name only for its syntax."""
    _checked_source(repo_url, ctx, resolve=False)


def _checked_source(
    repo_url: str, ctx: Context, resolve: bool
) -> LocalSource | RemoteSource | None:
    _check_characters(repo_url)
    if repo_url.startswith("upload:"):
        return _upload_source(repo_url, ctx)
    if "://" not in repo_url:
        return _local_source(repo_url, ctx, shown=repo_url)
    parts = urlsplit(repo_url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise CloneRefused("Refused: a file:// URL must not name a host.")
        return _local_source(unquote(parts.path), ctx, shown=repo_url)
    _check_scheme(scheme, ctx)
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise CloneRefused(
            "Refused: the URL carries user information (user:password@). Credentials in "
            "URLs are not accepted; use a public URL."
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise CloneRefused("Refused: the URL has no host name.")
    port = _port_of(parts, scheme)
    allowed = _allowed_matchers(ctx)
    _check_host_syntax(host)
    if port != _DEFAULT_PORTS[scheme] and not _host_is_allowed(host, None, allowed):
        raise CloneRefused(
            f"Refused: port {port} is not the default port of {scheme}. Non-default ports "
            "are accepted only for hosts listed in the allowed_private_hosts setting."
        )
    if not resolve:
        _check_literal_address(host, allowed)
        return None
    address = _checked_address(host, port, allowed)
    return RemoteSource(url=repo_url, scheme=scheme, host=host, port=port, address=address)


def check_ref(ref: str | None) -> None:
    """A branch or tag name that git cannot mistake for an option or a path trick."""
    if ref is None:
        return
    if not _REF.match(ref) or ref.startswith(("-", "/")) or ".." in ref:
        raise CloneRefused(
            f"Refused: ref {ref!r} is not a plain branch or tag name (letters, digits, "
            "'._/+-', not starting with '-' or '/', no '..')."
        )


def check_subdir(subdir: str | None) -> None:
    """A content folder that stays inside the checkout."""
    if not subdir:
        return
    if _CONTROL_OR_SPACE.search(subdir.replace(" ", "")) or os.path.isabs(subdir):
        raise CloneRefused(f"Refused: subdir {subdir!r} must be a relative folder path.")
    if ".." in subdir.replace("\\", "/").split("/"):
        raise CloneRefused(f"Refused: subdir {subdir!r} must not climb out with '..'.")


def _check_characters(repo_url: str) -> None:
    if _CONTROL_OR_SPACE.search(repo_url):
        raise CloneRefused(
            "Refused: the URL contains control characters or whitespace; git URLs must not."
        )
    if repo_url.startswith("-"):
        raise CloneRefused("Refused: the URL starts with '-', which git would read as an option.")
    if _TRANSPORT_PREFIX.match(repo_url) or "::" in _BRACKETED_IPV6.sub("", repo_url):
        raise CloneRefused(
            "Refused: '::' selects a git remote helper transport (such as ext::); only "
            "https URLs are accepted."
        )


def _local_source(path: str, ctx: Context, shown: str) -> LocalSource:
    if re.match(r"^[^/\\]+:", path):  # scp-like user@host:repo, or c:\ on other systems
        raise CloneRefused(
            f"Refused: {shown!r} looks like an ssh (scp-style) address; only https URLs "
            "are accepted."
        )
    if not ctx.allow_local_sources:
        raise CloneRefused(
            f"Refused: {shown!r} is a local folder or file:// URL, and local sources are off. "
            "Use an https URL, or turn on the allow_local_sources setting (on for the CLI "
            "on your own machine)."
        )
    real = os.path.realpath(os.path.expanduser(path))
    if not os.path.isdir(real):
        raise CloneRefused(f"Refused: local source {path!r} is not a folder.")
    return LocalSource(path=real)


def _upload_source(repo_url: str, ctx: Context) -> LocalSource:
    """An uploaded archive, unpacked by the host: read in place, never from elsewhere."""
    match = _UPLOAD.match(repo_url)
    if match is None:
        raise CloneRefused(f"Refused: {repo_url!r} is not an upload id (upload:<id>).")
    if not ctx.upload_root:
        raise CloneRefused(
            "Refused: uploads are not available here (no upload_root setting); use an "
            "https URL, or upload the archive to a genesis-mesh host."
        )
    root = os.path.realpath(ctx.upload_root)
    site = os.path.realpath(os.path.join(root, match.group(1), "site"))
    if not site.startswith(root + os.sep) or not os.path.isdir(site):
        raise CloneRefused(
            f"Refused: no upload {match.group(1)!r}; uploads expire, so send the archive "
            "again (POST /api/v1/uploads)."
        )
    return LocalSource(path=site)


def _check_scheme(scheme: str, ctx: Context) -> None:
    if scheme == "https" or (scheme == "http" and ctx.allow_http):
        return
    if scheme == "http":
        raise CloneRefused(
            "Refused: plain http is off; use https, or turn on the allow_http setting."
        )
    raise CloneRefused(
        f"Refused: the {scheme!r} scheme is not accepted; only https URLs"
        f"{' (and http)' if ctx.allow_http else ''} are."
    )


def _port_of(parts: object, scheme: str) -> int:
    try:
        port = parts.port  # type: ignore[attr-defined]
    except ValueError as exc:
        raise CloneRefused(f"Refused: the URL's port is not valid ({exc}).") from None
    return int(port) if port is not None else _DEFAULT_PORTS[scheme]


def _check_host_syntax(host: str) -> None:
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    if not _HOSTNAME.match(host):
        raise CloneRefused(f"Refused: {host!r} is not a valid host name.")


_Matchers = tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]


def _allowed_matchers(ctx: Context) -> _Matchers:
    names: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in ctx.allowed_private_hosts:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            names.add(entry.strip().lower().rstrip("."))
    return names, networks


def _host_is_allowed(host: str, address: str | None, allowed: _Matchers) -> bool:
    names, networks = allowed
    if host.rstrip(".") in names:
        return True
    candidates = [address] if address else []
    try:
        ipaddress.ip_address(host)
        candidates.append(host)
    except ValueError:
        pass
    return any(
        _unmapped(ipaddress.ip_address(a)) in net
        for a in candidates
        for net in networks
        if _unmapped(ipaddress.ip_address(a)).version == net.version
    )


def _unmapped(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public_address(address: str) -> bool:
    """True when `address` is globally routable (IPv4-mapped forms are unwrapped first)."""
    ip = _unmapped(ipaddress.ip_address(address.split("%", 1)[0]))
    if not ip.is_global or ip.is_multicast:
        return False
    return not any(ip.version == net.version and ip in net for net in _EXTRA_BLOCKED)


def _check_literal_address(host: str, allowed: _Matchers) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    if not is_public_address(host) and not _host_is_allowed(host, host, allowed):
        raise CloneRefused(_not_public(host, host))


def _not_public(host: str, address: str) -> str:
    return (
        f"Refused: host {host!r} resolves to {address}, which is not a public "
        "address (loopback, private, link-local, CGNAT and metadata addresses are "
        "blocked). An operator can allow it with the allowed_private_hosts setting."
    )


def check_syntax(repo_url: str) -> None:
    """The rules that hold whatever the settings: characters, `-`, `::`, scp-style, scheme
    family, user information, host syntax (input validation without a run context)."""
    _check_characters(repo_url)
    if repo_url.startswith("upload:"):
        if _UPLOAD.match(repo_url) is None:
            raise CloneRefused(f"Refused: {repo_url!r} is not an upload id (upload:<id>).")
        return
    if "://" not in repo_url:
        if re.match(r"^[^/\\]+:", repo_url):
            _local_source(repo_url, Context(allow_local_sources=True), shown=repo_url)
        return
    parts = urlsplit(repo_url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return
    _check_scheme(scheme, Context(allow_http=True))
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise CloneRefused(
            "Refused: the URL carries user information (user:password@). Credentials in "
            "URLs are not accepted; use a public URL."
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise CloneRefused("Refused: the URL has no host name.")
    _port_of(parts, scheme)
    _check_host_syntax(host)


def _checked_address(host: str, port: int, allowed: _Matchers) -> str:
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as exc:
        raise CloneRefused(f"Refused: host {host!r} could not be resolved ({exc}).") from None
    if not addresses:
        raise CloneRefused(f"Refused: host {host!r} resolved to no address.")
    for address in addresses:
        if not is_public_address(address) and not _host_is_allowed(host, address, allowed):
            raise CloneRefused(_not_public(host, address))
    return addresses[0]
