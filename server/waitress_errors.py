"""waitress, answering its own errors in the API's JSON shape.

waitress refuses some requests before any application sees them: a Content-Length or chunked
body over ``max_request_body_size`` (413), malformed chunked encoding or a malformed request
(400), headers over ``max_request_header_size`` (431), an unsupported Transfer-Encoding (501).
Raising waitress's limits so that Flask sees these requests would not help: bad chunks and
oversized headers never become a request, and the body limit is what stops waitress buffering a
huge body to disk. So the answer is changed where waitress writes it, in its error task (the
class attribute ``HTTPChannel.error_task_class`` is waitress's own hook for this).
"""

import json

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from .errors import HTTP_CODES

#: Fixed messages: waitress's own texts can quote the request (a malformed header line, token
#: included), and nothing from a request is ever echoed.
_MESSAGES = {
    400: "malformed HTTP request",
    413: "request body is larger than {max_body} bytes",
    431: "request headers are larger than {max_header} bytes",
    501: "unsupported Transfer-Encoding",
    500: "internal server error",
}


class JsonErrorTask(ErrorTask):
    """waitress's error answer with the body ``{"error": {"code", "message"}}``."""

    def execute(self):
        error = self.request.error
        adj = self.channel.adj
        message = _MESSAGES.get(error.code, error.reason).format(
            max_body=adj.max_request_body_size, max_header=adj.max_request_header_size)
        body = json.dumps({"error": {"code": HTTP_CODES.get(error.code, "http_error"), "message": message}})
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body.encode())


class JsonErrorChannel(HTTPChannel):
    error_task_class = JsonErrorTask


def create_server(app, **adjustments):
    """``waitress.create_server`` whose own error answers are JSON."""
    sockets = {}
    server = waitress.create_server(app, map=sockets, **adjustments)
    # One listening dispatcher per address the host resolves to; all accept into our channel.
    for dispatcher in sockets.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = JsonErrorChannel
    return server
