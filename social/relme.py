"""Checking a ``rel="me"`` link: fetch a page the athlete names, safely, and look for a
link back to their Podium profile.

The fetch is a request Podium makes on a user's behalf to an address the user chose, so
it must not reach the venue's own network (server-side request forgery): the host name
is resolved here, every address it resolves to must be public (no private, loopback,
link-local, multicast, reserved or unspecified address, in IPv4 or IPv6, IPv4-mapped
included), and the connection goes to the address that was checked (the URL carries the
IP, the ``Host`` header and TLS server name the host name), so the name cannot be
re-resolved to another address in between. Redirects are followed by hand, at most
:data:`MAX_REDIRECTS`, each checked the same way. Only ``http``/``https``, a short
timeout, and at most :data:`MAX_BYTES` of HTML are read.

``allow_private`` (addresses exempted from the refusal) and ``verify`` (the TLS trust)
exist for the test suite's local page server only; nothing in Podium passes them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Collection
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import msgspec

from podium.core.errors import InvalidInput
from podium.core.i18n import _

TIMEOUT_S = 5.0
MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "Podium rel-me check (+https://github.com/podium)"
HTML_TYPES = ("text/html", "application/xhtml+xml")


class FetchRefused(InvalidInput):
    """The page cannot be fetched, or is not allowed to be (422, ``code`` says why)."""


class FetchedPage(msgspec.Struct, frozen=True):
    """A page as fetched: its final URL (after redirects) and its text (maybe cut)."""

    url: str
    text: str


def address_is_public(address: str) -> bool:
    """True for an address anyone on the internet could reach; False for private,
    loopback, link-local, multicast, reserved, unspecified and other special ranges
    (IPv4-mapped and 6to4/Teredo IPv6 addresses are judged by their IPv4 address)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_is_public(str(embedded)):
            return False
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of a URL we may fetch, or FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(_("that is not a valid address"), code="bad_url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(_("only http:// and https:// pages can be checked"), code="bad_url")
    if parts.username or parts.password:
        raise FetchRefused(_("addresses with a user name or password cannot be checked"),
                           code="bad_url")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int, *, allow_private: Collection[str] = ()) -> str:
    """One address of ``host`` to connect to, after checking every address it resolves
    to; FetchRefused when any of them is not public (unless listed in ``allow_private``,
    which only tests do)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(_("the name %(host)s does not resolve",
                             host=host), code="unresolvable") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchRefused(_("the name %(host)s does not resolve", host=host), code="unresolvable")
    for address in addresses:
        if not address_is_public(address) and address not in allow_private:
            raise FetchRefused(_("%(host)s is a private or reserved address (%(address)s); only public pages can be checked",
                                 host=host, address=address), code="private_address")
    return addresses[0]


def _pinned(url: str, address: str) -> str:
    """``url`` with its host replaced by the checked ``address`` (port kept)."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


async def fetch_page(url: str, *, allow_private: Collection[str] = (), timeout: float = TIMEOUT_S,
                     max_bytes: int = MAX_BYTES, max_redirects: int = MAX_REDIRECTS,
                     verify: ssl.SSLContext | bool = True) -> FetchedPage:
    """Fetch an HTML page safely (see the module docstring).

    :raises FetchRefused: a bad or private address, too many redirects, not HTML, an HTTP
        error status, or the site did not answer in time.
    """
    current = url
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=verify,
                                 trust_env=False,
                                 headers={"User-Agent": USER_AGENT, "Accept": "text/html"}) as client:
        for _hop in range(max_redirects + 1):
            scheme, host, port = check_url(current)
            address = await resolve(host, port, allow_private=allow_private)
            default_port = port == (443 if scheme == "https" else 80)
            headers = {"Host": host if default_port else f"{host}:{port}"}
            try:
                async with client.stream("GET", _pinned(current, address), headers=headers,
                                         extensions={"sni_hostname": host}) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchRefused(_("the page redirects nowhere"), code="fetch_failed")
                        current = urljoin(current, location)
                        continue
                    if response.status_code != 200:
                        raise FetchRefused(_("the page answered HTTP %(status_code)s",
                                             status_code=response.status_code),
                                           code="fetch_failed")
                    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if media not in HTML_TYPES:
                        raise FetchRefused(_("the address is not an HTML page"), code="not_html")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) >= max_bytes:  # enough: the links are near the top
                            del body[max_bytes:]
                            break
                    return FetchedPage(url=current, text=body.decode(response.encoding or "utf-8",
                                                                     errors="replace"))
            except httpx.HTTPError as exc:
                raise FetchRefused(_("the page could not be fetched (%(error)s)",
                                     error=type(exc).__name__),
                                   code="fetch_failed") from exc
    raise FetchRefused(_("the page redirects more than %(most)s times", most=max_redirects),
                       code="too_many_redirects")


class _RelMeLinks(HTMLParser):
    """Collects the ``href`` of every ``<a>`` and ``<link>`` whose ``rel`` has ``me``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        href = values.get("href")
        if "me" in rel and href:
            self.hrefs.append(href.strip())

    handle_startendtag = handle_starttag


def rel_me_links(html: str, base_url: str) -> list[str]:
    """The absolute URLs a page links to with ``rel="me"``. Pure."""
    parser = _RelMeLinks()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; a pathological page simply has no links
        pass
    return [urljoin(base_url, href) for href in parser.hrefs]


def same_page(a: str, b: str) -> bool:
    """Whether two URLs name the same page: scheme and host case-insensitive, the default
    port implied, a trailing slash ignored, no fragment. Pure."""
    def key(url: str) -> tuple[str, str, str, str] | None:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        default = {"http": 80, "https": 443}.get(scheme)
        netloc = (parts.hostname or "") + (f":{port}" if port and port != default else "")
        return scheme, netloc, parts.path.rstrip("/") or "/", parts.query
    ka, kb = key(a), key(b)
    return ka is not None and ka == kb


def links_back(html: str, page_url: str, profile_url: str) -> bool:
    """Whether the page links to ``profile_url`` with ``rel="me"``. Pure."""
    return any(same_page(href, profile_url) for href in rel_me_links(html, page_url))
