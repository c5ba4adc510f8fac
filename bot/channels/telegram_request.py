"""python-telegram-bot's requests to the Bot API through aiohttp instead of httpx.

The bot sends every reply and broadcast message through `Bot.send_message`. With PTB's own
`HTTPXRequest`, httpx's connection pool cost about 2 ms of the gateway's CPU per request (the
same as measured for the NLU client, `nlu/client.py`); aiohttp costs a tenth of that. PTB
keeps everything else: building the request, reading the answer, and raising its errors
(`RetryAfter`, `Forbidden`, …) from Telegram's status code and JSON. This class only moves
the bytes: a timeout becomes `TimedOut`, any other transport error `NetworkError`.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE


def _given(value: object, default: float | None) -> float | None:
    """A timeout PTB passed, or ours when it left it to the request class."""
    return default if value is _DEFAULT or not isinstance(value, int | float | None) else value


class AiohttpRequest(BaseRequest):
    """One aiohttp session, opened on first use in the event loop that sends."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self.pool_size = connection_pool_size
        self.timeouts = (connect_timeout, read_timeout, write_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.timeouts[1]

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )
        return self._session

    async def initialize(self) -> None:
        self._http()

    async def shutdown(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = _DEFAULT,
        write_timeout: object = _DEFAULT,
        connect_timeout: object = _DEFAULT,
        pool_timeout: object = _DEFAULT,
    ) -> tuple[int, bytes]:
        connect, read, write, pool = (
            _given(given, default)
            for given, default in zip(
                (connect_timeout, read_timeout, write_timeout, pool_timeout),
                self.timeouts,
                strict=True,
            )
        )
        # aiohttp has no write timeout: sending a short form waits as long as reading may
        wait = None if read is None else max(read, write or 0.0)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None else connect + (pool or 0.0),
            sock_connect=connect,
            sock_read=wait,
        )
        try:
            async with self._http().request(
                method, url, data=_form(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _form(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as a form (multipart when the request uploads files)."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data if request_data.contains_files else None
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
