"""A GET answered in-process by a WSGI application: Django's whole middleware
stack without HTTP in between, so the figures are the server's own time.
Shared by bench/render.py and bench/admin_scale.py; needs no Django setup."""

import io
import sys


class PageFailed(Exception):
    """The page answered other than 200; str() is its status line."""

    def __init__(self, path, status):
        super().__init__(status)
        self.path = path


def get(app, path, **headers):
    """The body of `path` (with any query string) from `app`. `headers` are
    extra WSGI environ entries, e.g. HTTP_COOKIE="sessionid=…"."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.partition("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        **headers,
    }
    status = []
    body = app(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        content = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    if not status[0].startswith("200"):
        raise PageFailed(path, status[0])
    return content
