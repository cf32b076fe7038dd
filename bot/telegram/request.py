"""``AiohttpRequest``: python-telegram-bot's transport on aiohttp instead of httpx.

Why: through the fake Bot API server (benchmarks/bench_bot.py) PTB's ``HTTPXRequest`` costs about 2.5 ms
of CPU per Bot API request, which caps the bot near 120-150 questions/s; aiohttp costs about 0.6 ms.

It behaves like ``HTTPXRequest`` (which it mirrors; see telegram/request/_httpxrequest.py):

* the same constructor defaults: a pool of 256 connections, read/write/connect timeouts of 5 s, a pool
  timeout of 1 s, and a 20 s write timeout for requests that upload files;
* a timeout of any kind raises ``telegram.error.TimedOut`` (a full pool says so, as PTB does); any other
  transport failure raises ``telegram.error.NetworkError`` naming the aiohttp exception;
* ``do_request`` returns ``(status, body)``; ``BaseRequest`` turns statuses into PTB's exceptions;
* the ``aiohttp.ClientSession`` is made in ``initialize`` and closed in ``shutdown`` (never at import or
  construction), so one object can be initialised again after a shutdown, like ``HTTPXRequest``;
* HTTP/1.1 only; a proxy (http:// or https://) can be given, else ``HTTPS_PROXY``/``HTTP_PROXY``/
  ``ALL_PROXY`` and ``NO_PROXY`` from the environment are honoured, like httpx does.

Differences, because aiohttp has no per-write timeout: the read timeout is aiohttp's ``sock_read`` (the
longest silence while waiting for or reading the response, counted once the request is sent), the connect
timeout covers DNS, TCP and TLS, and the write timeout bounds sending as part of one deadline for the
response's headers: connect + write + read timeouts (no deadline when any of them is ``None``). A large
upload on a slow link may therefore need a larger ``media_write_timeout`` (or a ``write_timeout`` passed to
the call) than httpx needs. Unlike ``HTTPXRequest``, the JSON parameters are sent as an
``application/json`` body (the Bot API accepts either), and files as ``multipart/form-data``.

Secrets: Bot API URLs hold the token, and some aiohttp errors quote the URL; in those errors' texts the
token is replaced by ``bot.redact.REDACTED`` and they are not chained to the raised exception, so no
traceback or log line shows the token.

Only python-telegram-bot's public API is used: ``BaseRequest``, ``RequestData`` and
``BaseRequest.DEFAULT_NONE`` (a timeout argument not given: this object's default applies).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import urllib.request
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.redact import redact

log = logging.getLogger(__name__)

# A timeout argument of BaseRequest.do_request: seconds, None (no limit) or BaseRequest.DEFAULT_NONE
# (not given: the request's own default). PTB names this type only in a private module; ``object``
# admits all three, and ``_seconds`` tells them apart.
TimeoutArg: TypeAlias = object

_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_POOL_TIMEOUT_MESSAGE: Final = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* sent to "
    "Telegram. Consider adjusting the connection pool size or the pool timeout."
)
# The secret part of a Bot API URL: .../bot<token>/method and .../file/bot<token>/path.
_TOKEN_IN_URL = re.compile(r"/bot([^/?#]+)")


def _ssl_context() -> ssl.SSLContext:
    """Verify servers against certifi's CA bundle when installed (as httpx does), else the system's."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx, which PTB requires
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class AiohttpRequest(BaseRequest):
    """A ``telegram.request.BaseRequest`` on an ``aiohttp.ClientSession`` (see the module's docstring).

    Args:
        connection_pool_size: the most connections open (and requests in flight) at once.
        read_timeout: seconds to wait for (each part of) the response; the default for ``do_request``.
        write_timeout: seconds to send a request without files.
        connect_timeout: seconds to resolve, connect and (for https) shake hands.
        pool_timeout: seconds to wait for a free connection when all are busy (``None``: no limit).
        media_write_timeout: ``write_timeout`` for requests that upload files.
        proxy: an ``http://`` or ``https://`` proxy URL (``None``: the environment's, if ``trust_env``).
        trust_env: honour ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY`` when ``proxy`` is
            ``None``.
    """

    __slots__ = (
        "_connect_timeout",
        "_env_proxies",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_trust_env",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        if proxy is not None and urlsplit(proxy).scheme not in ("http", "https"):
            raise ValueError(
                "AiohttpRequest supports http:// and https:// proxies only; for SOCKS use "
                'telegram.http_client = "httpx" with python-telegram-bot[socks]'
            )
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy
        self._trust_env = trust_env
        self._env_proxies: dict[tuple[str, str], str | None] = {}
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-polling timeout to it for getUpdates)."""
        return self._read_timeout

    @property
    def connection_pool_size(self) -> int:
        return self._pool_size

    @property
    def is_initialized(self) -> bool:
        return self._session is not None and not self._session.closed

    async def initialize(self) -> None:
        """Open the session (in the running event loop); a no-op when already open."""
        if self.is_initialized:
            return
        connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0, ssl=_ssl_context())
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies; don't keep any
            version=aiohttp.HttpVersion11,
            raise_for_status=False,
            trust_env=False,  # the environment's proxy is looked up once per host instead (_proxy_for)
        )
        self._pool = asyncio.Semaphore(self._pool_size)
        self._env_proxies.clear()

    async def shutdown(self) -> None:
        """Close the session and its connections; a no-op when not open."""
        session, self._session = self._session, None
        if session is None or session.closed:
            log.debug("this AiohttpRequest is already shut down")
            return
        await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        write_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        connect_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        pool_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See ``BaseRequest.do_request``: one HTTP request; ``(status, body)``."""
        session, pool = self._session, self._pool
        if session is None or pool is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data is not None else None
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool_wait = _seconds(pool_timeout, self._pool_timeout)
        write = _seconds(write_timeout, self._media_write_timeout if files else self._write_timeout)

        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if files:
            body = _form_data(request_data.json_parameters if request_data is not None else {}, files)
        elif request_data is not None:
            body, headers = request_data.json_payload, _JSON_HEADERS

        await _acquire(pool, pool_wait)
        headers_due: asyncio.Timeout | None = None
        deadline: float | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_connect=connect, sock_read=read)
            if read is not None and write is not None and connect is not None:
                deadline = connect + write + read
            headers_due = asyncio.timeout(deadline)  # sending has no timeout of its own in aiohttp
            async with headers_due:
                response = await session.request(
                    method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy_for(url)
                )
            try:
                return response.status, await response.read()
            finally:
                response.release()
        except TimeoutError as exc:  # aiohttp's ServerTimeoutError and co. are TimeoutErrors too
            if headers_due is not None and headers_due.expired():
                message = f"Timed out: no response within {deadline:g} s (the connect, write and read timeouts)"
                raise TimedOut(message) from exc
            error, cause = _redacted(TimedOut, exc, url)
            raise error from cause
        except aiohttp.ClientError as exc:
            error, cause = _redacted(NetworkError, exc, url)
            raise error from cause
        finally:
            pool.release()

    def _proxy_for(self, url: str) -> str | None:
        """The explicit proxy, else the environment's for the URL's scheme and host (looked up once)."""
        if self._proxy is not None or not self._trust_env:
            return self._proxy
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        try:
            return self._env_proxies[key]
        except KeyError:
            pass
        proxy: str | None = None
        if not (key[1] and urllib.request.proxy_bypass(key[1])):
            proxies = urllib.request.getproxies()
            proxy = proxies.get(key[0]) or proxies.get("all")
            if proxy is not None and urlsplit(proxy).scheme not in ("http", "https"):
                log.warning("ignoring the environment's proxy for %s: aiohttp supports http(s) proxies only", key[1])
                proxy = None
        self._env_proxies[key] = proxy
        return proxy


def _seconds(value: TimeoutArg, default: float | None) -> float | None:
    """A timeout argument as seconds: ``default`` when not given (``BaseRequest.DEFAULT_NONE``).

    Like PTB's ``HTTPXRequest``, any value that is neither a number nor ``None`` counts as not given.
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def _form_data(parameters: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """multipart/form-data: the parameters as text fields, then the files (bytes or open files)."""
    # quote_fields=False: UTF-8 file names as they are (as httpx and Telegram's own clients send them).
    form = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        if hasattr(content, "seek"):  # an open file: from the start, also when a retry sends it again
            with contextlib.suppress(OSError, ValueError):
                content.seek(0)
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


def _redacted(cls: type[NetworkError], exc: BaseException, url: str) -> tuple[NetworkError, BaseException | None]:
    """(``cls`` naming ``exc``, the cause to chain): when ``exc`` quotes the URL, the bot token in it is
    replaced by ``REDACTED`` and ``exc`` is not chained (a traceback would show it)."""
    text = str(exc)
    match = _TOKEN_IN_URL.search(url)
    leaks = match is not None and match.group(1) in text
    if match is not None and leaks:
        text = redact(text, [match.group(1)])
    name = f"aiohttp.{type(exc).__name__}" if type(exc).__module__.startswith("aiohttp") else type(exc).__name__
    return cls(f"{name}: {text}" if text else f"{cls.__name__} ({name})"), None if leaks else exc


async def _acquire(pool: asyncio.Semaphore, pool_wait: float | None) -> None:
    """A connection slot: at once when one is free, else within ``pool_wait`` seconds or ``TimedOut``."""
    if not pool.locked():
        await pool.acquire()  # returns at once
        return
    try:
        async with asyncio.timeout(pool_wait):
            await pool.acquire()
    except TimeoutError as exc:
        raise TimedOut(_POOL_TIMEOUT_MESSAGE) from exc
