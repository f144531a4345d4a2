"""The two sandbox layers: ``Fidelity`` (answer like AWS) and ``NoSilentGaps`` (never a 500).

    request -> ... -> NoSilentGaps -> Fidelity -> moto

``Fidelity`` costs one regex on the Authorization header per request, plus a dict lookup;
it reads a body only for the services that have a request-level correction. The moto model
patches for a service (``patches.install``) are put in place on its first request.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from grader.sandbox.fidelity import ecs_agent, emr, patches, tenancy
from grader.sandbox.fidelity.corrections import CORRECTIONS
from grader.sandbox.fidelity.wire import (
    AwsRequest,
    Response,
    StartResponse,
    collect,
    parse,
)

# Services whose corrected operation is named only in the body (query protocol) or path (REST)
_NAMED_IN_BODY = {"autoscaling"}
_NAMED_IN_PATH = {"s3"}
SEE_INSTEAD = "See the lab's instructions for what to use instead."
# Topic modules register their corrections and patches when imported
TOPIC_MODULES = (ecs_agent, emr, tenancy)


class Fidelity:
    """Corrections where moto alone would answer differently from AWS."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        request = parse(environ)
        if request is None:
            return self.inner(environ, start_response)
        patches.install(request.signing_name)
        if request.signing_name in _NAMED_IN_BODY or request.signing_name in _NAMED_IN_PATH:
            if request.signing_name == "s3" and environ.get("REQUEST_METHOD") != "PUT":
                return self.inner(environ, start_response)
            request.operation_name()
        fix = CORRECTIONS.get((request.signing_name, request.operation))
        if fix is None:
            return self.inner(environ, start_response)
        return fix(request, lambda: collect(self.inner, environ)).send(start_response)


@cache
def alternatives() -> dict[tuple[str, str], str]:
    """(service, snake_case operation) -> what to use instead, from the inventory."""
    from grader.sandbox.inventory import load

    try:
        entries = load().entries
    except (OSError, ValueError, KeyError, TypeError):  # no inventory: the generic hint
        return {}
    return {(e.service, e.operation): e.alternative for e in entries if e.alternative}


def gap_error(request: AwsRequest, detail: str) -> Response:
    """The answer for an operation (or input) the sandbox cannot handle: names the call
    and the alternative; HTTP 501, which botocore does not retry."""
    from botocore import xform_name

    operation = request.operation_name()
    snake = xform_name(operation) if " " not in operation else operation
    alternative = alternatives().get((request.service, snake)) or SEE_INSTEAD
    message = (f"{request.service}.{snake} is not emulated by the ComputeLab sandbox "
               f"({detail}). {alternative}")
    return request.error("NotImplemented", message, status=501)


class NoSilentGaps:
    """moto's NotImplementedError, crashes, HTML 404/500 pages -> an AWS-style error."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        request = parse(environ)
        if request is None:
            return self.inner(environ, start_response)
        request.buffer()
        try:
            response = collect(self.inner, environ)
        except NotImplementedError:
            return gap_error(request, "moto has no such action").send(start_response)
        except Exception as exc:  # noqa: BLE001 - any moto crash becomes an AWS error
            detail = (f"the sandbox failed on this input: {type(exc).__name__}"
                      if has_service(request.signing_name)
                      else f"the sandbox has no {request.service} service")
            return gap_error(request, detail).send(start_response)
        if response.status >= 500 or (response.status == 404 and _is_html(response)):
            detail = ("no such route in the sandbox" if response.status == 404
                      else "the sandbox failed on this input")
            return gap_error(request, detail).send(start_response)
        return response.send(start_response)


@cache
def has_service(signing_name: str) -> bool:
    """Whether moto serves this service at all (read only on the error path)."""
    from moto.backend_index import backend_url_patterns

    host = f"https://{signing_name}.us-east-1.amazonaws.com"
    return any(pattern.match(host) for _, pattern in backend_url_patterns)


def _is_html(response: Response) -> bool:
    return any(k.lower() == "content-type" and "html" in v for k, v in response.headers)
