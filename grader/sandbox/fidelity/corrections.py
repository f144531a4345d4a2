"""Corrections at the request: validate as AWS does, normalise, or translate to what moto has.

A correction is ``fix(request, forward) -> Response``: it may answer itself (an AWS error),
rewrite the request before ``forward()`` passes it to moto, or rewrite moto's answer.
``CORRECTIONS`` maps (signing name, operation) to it; each docstring cites the AWS page
the correction follows.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from grader.sandbox.fidelity.wire import AwsRequest, Response

Forward = Callable[[], Response]
Correction = Callable[[AwsRequest, Forward], Response]
CORRECTIONS: dict[tuple[str, str], Correction] = {}
AUTOSCALING_XMLNS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
FARGATE_NETWORK = "Fargate only supports network mode \u2018awsvpc\u2019."
BOTH_LAUNCH_KINDS = ("Specifying both a launch type and capacity provider strategy is not "
                     "supported. Remove one and try again.")
_FILTER_NAME = re.compile(rb"<Name>\s*([^<]*?)\s*</Name>")


def corrects(signing_name: str, operation: str) -> Callable[[Correction], Correction]:
    def register(fix: Correction) -> Correction:
        CORRECTIONS[(signing_name, operation)] = fix
        return fix
    return register


@corrects("ecs", "RegisterTaskDefinition")
def fargate_needs_awsvpc(request: AwsRequest, forward: Forward) -> Response:
    """A task definition that requires FARGATE must use networkMode awsvpc; AWS rejects
    bridge, host, none and a missing networkMode (moto stores awsvpc instead).

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
    """
    params = request.json()
    if ("FARGATE" in (params.get("requiresCompatibilities") or [])
            and params.get("networkMode") != "awsvpc"):
        return request.error("ClientException", FARGATE_NETWORK)
    return forward()


@corrects("ecs", "CreateService")
def keep_capacity_provider_strategy(request: AwsRequest, forward: Forward) -> Response:
    """create_service keeps capacityProviderStrategy and returns it (moto drops it); a
    launchType together with a strategy is rejected.

    AWS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    """
    params = request.json()
    strategy = params.get("capacityProviderStrategy")
    if strategy and params.get("launchType"):
        return request.error("InvalidParameterException", BOTH_LAUNCH_KINDS)
    response = forward()
    if not strategy or response.status != 200:
        return response
    from moto.ecs.models import ecs_backends

    answer = response.json()
    service = answer.get("service", {})
    backend = ecs_backends[request.account_id][request.region]
    key = f"{service.get('clusterArn', '').rpartition('/')[2]}:{service.get('serviceName')}"
    stored: Any = backend.services.get(key)
    if stored is not None:
        stored.capacity_provider_strategy = strategy
    service["capacityProviderStrategy"] = strategy
    response.body = json.dumps(answer).encode()
    return response


@corrects("s3", "PutBucketNotificationConfiguration")
def filter_rule_names(request: AwsRequest, forward: Forward) -> Response:
    """Filter rule names are 'prefix' or 'suffix' in any case (moto answers 500 for 'Prefix');
    any other name is InvalidArgument.

    AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/API_FilterRule.html
    """
    names = [m.decode().lower() for m in _FILTER_NAME.findall(request.body)]
    wrong = [n for n in names if n not in ("prefix", "suffix")]
    if wrong:
        return request.error("InvalidArgument",
                             f"filter rule name must be either prefix or suffix, not '{wrong[0]}'")
    if names:
        request.replace_body(_FILTER_NAME.sub(lambda m: b"<Name>" + m.group(1).lower()
                                              + b"</Name>", request.body))
    return forward()


def _traffic_sources(form: dict[str, str]) -> list[tuple[str, str]]:
    """(identifier, type) per TrafficSources.member.N; the type defaults from the id."""
    sources = []
    index = 1
    while f"TrafficSources.member.{index}.Identifier" in form:
        identifier = form[f"TrafficSources.member.{index}.Identifier"]
        kind = form.get(f"TrafficSources.member.{index}.Type") or (
            "elbv2" if ":targetgroup/" in identifier else "elb")
        sources.append((identifier, kind))
        index += 1
    return sources


def _autoscaling_xml(operation: str, result: str = "") -> Response:
    text = (f'<{operation}Response xmlns="{AUTOSCALING_XMLNS}"><{operation}Result>{result}'
            f"</{operation}Result><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
            f"</ResponseMetadata></{operation}Response>")
    return Response(200, [("Content-Type", "text/xml")], text.encode())


def _group(request: AwsRequest, name: str) -> Any:
    """The Auto Scaling group ``name`` in the caller's account, or None."""
    from moto.autoscaling.models import autoscaling_backends

    return autoscaling_backends[request.account_id][request.region].autoscaling_groups.get(name)


def _no_group(request: AwsRequest, name: str) -> Response:
    return request.error("ValidationError",
                         f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")


def _translate_traffic(request: AwsRequest, forward: Forward, verb: str) -> Response:
    form = request.form()
    if _group(request, form.get("AutoScalingGroupName", "")) is None:
        return _no_group(request, form.get("AutoScalingGroupName", ""))
    sources = _traffic_sources(form)
    lattice = [i for i, kind in sources if kind not in ("elb", "elbv2")]
    if lattice:
        return request.error("ValidationError", f"The sandbox attaches Elastic Load Balancing "
                             f"traffic sources only, not '{lattice[0]}'.")
    params = {"Action": f"{verb}LoadBalancerTargetGroups", "Version": form.get("Version", ""),
              "AutoScalingGroupName": form.get("AutoScalingGroupName", "")}
    for n, (identifier, _) in enumerate((s for s in sources if s[1] == "elbv2"), 1):
        params[f"TargetGroupARNs.member.{n}"] = identifier
    request.replace_form(params)
    response = forward()
    if response.status != 200:
        return response
    names = [i for i, kind in sources if kind == "elb"]
    if names:  # classic load balancers: a second call moto also has
        request.replace_form({"Action": f"{verb}LoadBalancers", "Version": params["Version"],
                              "AutoScalingGroupName": params["AutoScalingGroupName"],
                              **{f"LoadBalancerNames.member.{n}": name
                                 for n, name in enumerate(names, 1)}})
        response = forward()
        if response.status != 200:
            return response
    return _autoscaling_xml(f"{verb}TrafficSources")


@corrects("autoscaling", "AttachTrafficSources")
def attach_traffic_sources(request: AwsRequest, forward: Forward) -> Response:
    """Attach target groups (elbv2) or classic load balancers (elb) to the group, as
    attach_load_balancer_target_groups / attach_load_balancers do (moto lacks this call).

    AWS: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AttachTrafficSources.html
    """
    return _translate_traffic(request, forward, "Attach")


@corrects("autoscaling", "DetachTrafficSources")
def detach_traffic_sources(request: AwsRequest, forward: Forward) -> Response:
    """AWS: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DetachTrafficSources.html"""
    return _translate_traffic(request, forward, "Detach")


@corrects("autoscaling", "DescribeTrafficSources")
def describe_traffic_sources(request: AwsRequest, forward: Forward) -> Response:
    """The group's target groups and classic load balancers as traffic sources: InService
    with ELB health checks, Added otherwise.

    AWS: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeTrafficSources.html
    """
    form = request.form()
    name = form.get("AutoScalingGroupName", "")
    group = _group(request, name)
    if group is None:
        return _no_group(request, name)
    wanted = form.get("TrafficSourceType")
    state = "InService" if group.health_check_type == "ELB" else "Added"
    sources = ([(arn, "elbv2") for arn in group.target_group_arns]
               + [(lb, "elb") for lb in group.load_balancer_names])
    members = "".join(
        f"<member><TrafficSource>{i}</TrafficSource><State>{state}</State>"
        f"<Identifier>{i}</Identifier><Type>{kind}</Type></member>"
        for i, kind in sources if not wanted or kind == wanted)
    return _autoscaling_xml("DescribeTrafficSources",
                            f"<TrafficSources>{members}</TrafficSources>")
