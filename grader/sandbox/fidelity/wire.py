"""One AWS request as the fidelity layer sees it, and AWS-shaped errors for every protocol.

Only what is cheap is worked out for every request (the service from the signature's
credential scope, the operation from ``X-Amz-Target`` or the query ``Action``); matching a
REST path to an operation name needs botocore's model and is done only when an error needs
the name.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode
from xml.sax.saxutils import escape

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d+/([a-z0-9-]+)/([a-z0-9-]+)/")
# signing name -> boto3 service name where they differ
_BOTO_NAMES = {"elasticloadbalancing": "elbv2", "elasticmapreduce": "emr",
               "monitoring": "cloudwatch", "email": "ses"}
_QUERY_DOC = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
              "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}

StartResponse = Callable[..., Any]


@dataclass
class Response:
    """A complete response: what a correction may read and rewrite."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def send(self, start_response: StartResponse) -> list[bytes]:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {_REASONS.get(self.status, 'Error')}", headers)
        return [self.body]

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
            501: "Not Implemented"}


@dataclass
class AwsRequest:
    """The parts of a WSGI request that name the call: service, region, operation."""

    environ: dict[str, Any]
    signing_name: str
    region: str
    access_key: str
    operation: str  # '' for REST protocols until ``operation_name`` is asked
    _body: bytes | None = field(default=None, repr=False)

    @property
    def service(self) -> str:
        """The boto3 service name (``elbv2`` for ``elasticloadbalancing``)."""
        return _BOTO_NAMES.get(self.signing_name, self.signing_name)

    @property
    def body(self) -> bytes:
        """The request body, read once; moto still reads it after us."""
        return self.buffer()

    def buffer(self) -> bytes:
        """Read the body now (so the operation can be named after moto has read it)."""
        if self._body is None:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
            self._body = self.environ["wsgi.input"].read(length) if length else b""
            self.environ["wsgi.input"] = io.BytesIO(self._body)
        return self._body

    def replace_body(self, body: bytes) -> None:
        self._body = body
        self.environ["wsgi.input"] = io.BytesIO(body)
        self.environ["CONTENT_LENGTH"] = str(len(body))

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body or b"{}")
        return data if isinstance(data, dict) else {}

    def form(self) -> dict[str, str]:
        """Query-protocol parameters, flat (``TrafficSources.member.1.Identifier``)."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def replace_form(self, params: dict[str, str]) -> None:
        self.replace_body(urlencode(params).encode())

    @property
    def account_id(self) -> str:
        """The sandbox account this request acts in (moto's own mapping of keys)."""
        header = self.environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if header:
            return str(header)
        from moto.iam.models import get_account_id_from

        return get_account_id_from(self.access_key)

    @property
    def protocol(self) -> str:
        return _protocol(self.service)

    def operation_name(self) -> str:
        """The AWS operation name (``AttachTrafficSources``), also for REST protocols."""
        if not self.operation:
            self.operation = (_form_action(self.body) if self.protocol in ("query", "ec2")
                              else _rest_operation(self.service, self.environ))
        return self.operation

    def error(self, code: str, message: str, status: int = 400) -> Response:
        return aws_error(self.protocol, code, message, status, self.service)


def parse(environ: dict[str, Any]) -> AwsRequest | None:
    """The request's service and operation, or None for a request that is not an AWS call
    (the sandbox's own routes, moto's dashboard and API)."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return None
    access_key, region, signing_name = match.groups()
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return AwsRequest(environ, signing_name, region, access_key, target.rpartition(".")[2])


def _form_action(body: bytes) -> str:
    match = re.search(rb"(?:^|&)Action=([^&]*)", body)
    return unquote(match.group(1).decode()) if match else ""


@cache
def _model(service: str) -> Any:
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        return botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return None


def _protocol(service: str) -> str:
    model = _model(service)
    return str(model.protocol) if model else "json"


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], tuple[str, ...], str]]:
    """(method, path pattern, required query keys, operation), most specific first."""
    model = _model(service)
    routes = []
    for name in model.operation_names if model else []:
        operation = model.operation_model(name)
        if operation.deprecated:  # PutBucketNotification shares its route with its successor
            continue
        http = operation.http
        path, _, query = http["requestUri"].partition("?")
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        keys = tuple(part.split("=")[0] for part in query.split("&") if part)
        routes.append((http["method"], re.compile(f"^{pattern}/?$"), keys, name))
    routes.sort(key=lambda r: (-len(r[2]), -len(r[1].pattern)))
    return routes


def _rest_operation(service: str, environ: dict[str, Any]) -> str:
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    for verb, pattern, keys, name in _rest_routes(service):
        if verb == method and pattern.match(path) and all(k in query for k in keys):
            return str(name)
    return f"{method} {path}"


def aws_error(protocol: str, code: str, message: str, status: int = 400,
              service: str = "") -> Response:
    """An error body botocore parses into ``ClientError(code, message)`` for ``protocol``."""
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return Response(status, [("Content-Type", "application/x-amz-json-1.1"),
                                 ("x-amzn-RequestId", request_id)], body)
    if protocol == "rest-json":
        body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        return Response(status, [("Content-Type", "application/json"),
                                 ("x-amzn-ErrorType", code),
                                 ("x-amzn-RequestId", request_id)], body)
    code_x, message_x = escape(code), escape(message)
    if protocol == "ec2":
        text = (f"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error>"
                f"<Code>{code_x}</Code><Message>{message_x}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
    elif protocol == "query":
        namespace = _QUERY_DOC.get(service, "")
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        text = (f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{code_x}</Code>"
                f"<Message>{message_x}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    else:  # rest-xml
        text = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code_x}</Code>"
                f"<Message>{message_x}</Message><RequestId>{request_id}</RequestId></Error>")
    return Response(status, [("Content-Type", "text/xml"),
                             ("x-amzn-RequestId", request_id)], text.encode())


def collect(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> Response:
    """Call a WSGI app and keep its whole response (for corrections that rewrite it)."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                       ) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return Response(int(captured["status"].split()[0]), list(captured["headers"]), body)
