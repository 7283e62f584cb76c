"""HTTP (and ``file:`` fixtures) through the host, under the dataset's
fetch policy: bodies read in chunks, text decoded with the host's charset
handling (windows-1251 included), JSON parsed."""

import json as _json

from componentize_py_types import Err

from . import normalize, wit
from .errors import Denied, SourceUnavailable

CHUNK = 256 * 1024


class Response:
    def __init__(self, status, url, headers, body):
        self.status = status
        self.url = url
        self.headers = headers
        self.body = body

    def header(self, name):
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def charset(self):
        content_type = self.header("content-type") or ""
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset":
                return value.strip('"')
        return None

    def text(self):
        return normalize.decode(self.body, self.charset())[0]

    def json(self):
        return _json.loads(self.text())


def _failure(error):
    kind = error.kind
    message = error.message
    if kind in (wit.fetch.FetchErrorKind.TIMEOUT, wit.fetch.FetchErrorKind.UNREACHABLE, wit.fetch.FetchErrorKind.PROTOCOL):
        return SourceUnavailable(message)
    return Denied(message)


def request(url, method="GET", headers=None, body=None, ok=(200,)):
    """One request; its whole body. A status outside ``ok`` is a
    ``SourceUnavailable`` for 5xx and 429, else returned as it is."""
    req = wit.fetch.Request(method=method, url=url, headers=list((headers or {}).items()), body=body)
    try:
        response = wit.fetch.fetch(req)
    except Err as e:
        raise _failure(e.value) from None
    chunks = []
    with response.body as stream:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except Err as e:
                raise _failure(e.value) from None
            if not chunk:
                break
            chunks.append(chunk)
    result = Response(response.status, response.url, response.headers, b"".join(chunks))
    if result.status not in ok and (result.status >= 500 or result.status == 429):
        raise SourceUnavailable(f"{url}: the source answered {result.status}")
    return result


def get(url, headers=None):
    return request(url, headers=headers)


def get_text(url, headers=None):
    return get(url, headers).text()


def get_json(url, headers=None):
    return get(url, headers).json()
