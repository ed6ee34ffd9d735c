"""The shell's static side: vendored front-end files match their recorded integrity, the
layout loads them with matching ``integrity=`` attributes, the stylesheet keeps readable
contrast, and ``/healthz`` answers without a session or the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from podium.web.templating import WEB_DIR

VENDOR = WEB_DIR / "static" / "vendor"
BASE_HTML = WEB_DIR / "templates" / "base.html"
CSS = WEB_DIR / "static" / "podium.css"
PINNED = {"htmx-2.0.11.min.js": "2.0.11", "htmx-ext-sse-2.2.4.min.js": None}


def sri_sha384(path: Path) -> str:
    """The Subresource Integrity value of a file."""
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def recorded_integrity() -> dict[str, str]:
    """integrity.json: file name -> sha384 SRI value."""
    return json.loads((VENDOR / "integrity.json").read_text())


def test_vendored_files_match_recorded_integrity() -> None:
    """Every vendored file is recorded, and its recomputed sha384 is the recorded one."""
    recorded = recorded_integrity()
    files = sorted(p.name for p in VENDOR.glob("*.js"))
    assert files == sorted(recorded), "integrity.json must list exactly the vendored .js files"
    assert set(PINNED) == set(files)
    vendored_md = (VENDOR / "VENDORED.md").read_text()
    for name in files:
        assert sri_sha384(VENDOR / name) == recorded[name], f"{name} changed since it was vendored"
        assert recorded[name] in vendored_md, f"VENDORED.md should record {name}'s hash"


def test_htmx_is_pinned_to_2_0() -> None:
    """npm's latest htmx is 4.x (other headers); the vendored one must be 2.0.x."""
    source = (VENDOR / "htmx-2.0.11.min.js").read_text()
    assert re.search(r'version:\s*"2\.0\.11"', source)


def test_base_layout_uses_the_recorded_integrity() -> None:
    """base.html loads each vendored file with the recorded integrity attribute."""
    html = BASE_HTML.read_text()
    scripts = re.findall(r'<script src="/static/vendor/([^"]+)" integrity="([^"]+)"', html)
    assert sorted(name for name, _ in scripts) == sorted(recorded_integrity())
    for name, integrity in scripts:
        assert integrity == sri_sha384(VENDOR / name)


async def test_vendored_files_are_served(podium_client: Any) -> None:
    """The files the layout references are served, byte for byte, as JavaScript."""
    for name in recorded_integrity():
        response = await podium_client.get(f"/static/vendor/{name}")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
        assert response.content == (VENDOR / name).read_bytes()
    response = await podium_client.get("/static/podium.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


async def test_static_traversal_is_refused(podium_client: Any) -> None:
    """No path escapes the static folder."""
    for path in ("/static/..%2f..%2fpyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
                 "/static/vendor/..%2F..%2F..%2Fapp.py", "/static/podium.css/x"):
        response = await podium_client.get(path)
        assert response.status_code == 404, path


# -- the layout ------------------------------------------------------------------------

async def test_layout_on_a_page(podium_client: Any) -> None:
    """A page has the phone viewport, the stylesheet, the CSRF header for htmx, a skip link
    and the account links."""
    response = await podium_client.get("/login")
    assert response.status_code == 200
    html = response.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'href="/static/podium.css"' in html
    assert re.search(r"hx-headers='\{\"x-csrftoken\": \"[^\"]+\"\}'", html)
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert 'href="/signup"' in html
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html)
    assert config and json.loads(config.group(1))["responseHandling"]
    # A refused form (4xx) is swapped in as the answer it is, not logged as an htmx error.
    handling = {rule["code"]: rule for rule in json.loads(config.group(1))["responseHandling"]}
    assert handling["4.."] == {"code": "4..", "swap": True, "error": False}
    assert handling["5.."]["error"] is True


# -- contrast ------------------------------------------------------------------------------

def _css_vars(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", css)
    assert root
    return dict(re.findall(r"--([\w-]+):\s*([^;]+);", root.group(1)))


def _rule(css: str, selector: str) -> dict[str, str]:
    match = re.search(r"(?:^|\n)" + re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, f"no rule for {selector}"
    return dict((k.strip(), v.strip()) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+);", match.group(1)))


def _colour(value: str, variables: dict[str, str]) -> str:
    var = re.fullmatch(r"var\(--([\w-]+)\)", value)
    return variables[var.group(1)].strip() if var else value


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    "selector",
    [".badge", ".badge.warn", ".badge.bad", ".badge.ok", ".errors, .form-error", ".notice",
     "body.screen"],
)
def test_text_colours_meet_wcag_aa(selector: str) -> None:
    """Coloured text on its own background keeps a contrast of at least 4.5:1."""
    css = CSS.read_text()
    variables = _css_vars(css)
    rule = _rule(css, selector)
    fg, bg = _colour(rule["color"], variables), _colour(rule["background"], variables)
    assert contrast(fg, bg) >= 4.5, f"{selector}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"


@pytest.mark.parametrize("pair", [("fg", "bg"), ("muted", "bg"), ("muted", "card"),
                                  ("accent", "bg"), ("accent-fg", "accent"), ("ok", "bg"),
                                  ("warn", "bg"), ("bad", "bg")])
def test_palette_meets_wcag_aa(pair: tuple[str, str]) -> None:
    """Text colours of the palette on the page and card backgrounds."""
    variables = _css_vars(CSS.read_text())
    fg, bg = (variables[name].strip() for name in pair)
    assert contrast(fg, bg) >= 4.5, f"--{pair[0]} on --{pair[1]}: {contrast(fg, bg):.2f}:1"


# -- health --------------------------------------------------------------------------------

async def test_healthz(podium_client: Any) -> None:
    """``/healthz`` answers ``{"status": "ok"}`` without starting a session."""
    response = await podium_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "set-cookie" not in response.headers
    assert (await podium_client.head("/healthz")).status_code in (200, 405)
