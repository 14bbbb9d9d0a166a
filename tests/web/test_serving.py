"""The page and its files are served with a strict policy; markdown is rendered safely."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from genesis_mesh.api.render import markdown_to_safe_html
from tests.conftest import ROOT, LiveHost

WEB_FILES = sorted(p.name for p in (ROOT / "src" / "genesis_mesh" / "web").glob("*.js"))


@pytest.fixture(scope="module")
def client(host: LiveHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=host.base_url, timeout=10) as client:
        yield client


def test_the_page_has_a_strict_content_security_policy(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    header = response.headers["content-security-policy"]
    policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["img-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline script
    assert 'src="/static/app.js"' in response.text


@pytest.mark.parametrize("name", [*WEB_FILES, "styles.css", "favicon.svg"])
def test_static_files_are_served_with_their_type(client: httpx.Client, name: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    expected = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
    assert response.headers["content-type"].startswith(expected[name.rsplit(".", 1)[1]])
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/static/../host.py", "/static/%2e%2e/api/web.py", "/static/nope.js", "/static/"]
)
def test_nothing_outside_the_web_folder_is_served(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_api_responses_get_the_security_headers_too(client: httpx.Client) -> None:
    response = client.get("/api/v1/graphs")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    docs = client.get("/docs")  # Swagger UI comes from a CDN: its page may only not be framed
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"


@pytest.mark.parametrize("name", WEB_FILES)
def test_the_ui_code_never_parses_untrusted_html(name: str) -> None:
    from genesis_mesh.api.web import WEB_DIR

    source = (WEB_DIR / name).read_text()
    sinks = ["outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"]
    assert [sink for sink in sinks if sink in source] == []
    allowed = 1 if name == "markdown.js" else 0  # the server-sanitized markdown only
    assert source.count(".innerHTML =") == allowed


def test_render_endpoint_returns_sanitized_html(client: httpx.Client) -> None:
    markdown = (
        "# Title <script>alert(1)</script>\n\n"
        '<img src="http://127.0.0.1:9/x.png" onerror="alert(1)">\n\n'
        "![alt text](http://127.0.0.1:9/y.png) [bad](javascript:alert(1)) "
        '[good](https://example.org "t")\n\n| a | b |\n|---|---|\n| 1 | 2 |\n'
    )
    response = client.post("/api/v1/render/markdown", json={"markdown": markdown})
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<script" not in html
    assert "<img" not in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert "&lt;script&gt;" in html
    assert '<span class="image-dropped">[image: alt text]</span>' in html
    assert '<a href="https://example.org" title="t" rel="noopener noreferrer nofollow">' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_render_endpoint_refuses_oversized_and_malformed_bodies(client: httpx.Client) -> None:
    assert client.post("/api/v1/render/markdown", json={"md": "x"}).status_code == 422
    response = client.post("/api/v1/render/markdown", json={"markdown": "x" * 600_000})
    assert response.status_code in (413, 422)


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ('<a href="javascript:alert(1)">x</a>', "<a"),
        ("[x](JaVaScRiPt:alert(1))", "<a"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<a"),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
        ('```mermaid\n%%{init: {}}%%\nclick A "javascript:alert(1)"\n```', "<a"),
        ("<details open ontoggle=alert(1)>", "<details"),
    ],
)
def test_sanitizer_drops_active_content(markdown: str, forbidden: str) -> None:
    assert forbidden not in markdown_to_safe_html(markdown)
