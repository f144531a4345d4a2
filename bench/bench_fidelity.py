"""What the fidelity layers cost per request (issue 13).

    python bench/bench_fidelity.py [--repeats 300]

Two sandboxes in this process, one with the default layers and one without the fidelity
layers (NoSilentGaps, Fidelity), answer the same calls: a call no correction touches
(ec2 describe_vpcs, ecs list_clusters), one the layer reads and validates (ecs
register_task_definition) and one it translates (autoscaling describe_traffic_sources is
not in moto, so the plain sandbox gets describe_auto_scaling_groups instead). Prints the
median per call and the difference, then the layers' own cost in process (no network, a
stub in moto's place), which the machine's load does not drown.
"""

from __future__ import annotations

import argparse
import io
import statistics
import threading
import time
import timeit
from collections.abc import Callable
from typing import Any

from grader.aws import AWS
from grader.sandbox import create_account
from grader.sandbox.app import DEFAULT_LAYERS, build_app, make_loopback_server
from grader.sandbox.fidelity import Fidelity, NoSilentGaps
from grader.sandbox.moto_setup import configure_moto_for_teaching, speed_up_moto

CONTAINERS = [{"name": "web", "image": "nginx", "memory": 512}]


def serve(layers: tuple[Any, ...]) -> tuple[Any, str]:
    server = make_loopback_server(build_app(layers))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def medians_ms(pair: tuple[Callable[[], Any], Callable[[], Any]], repeats: int
               ) -> tuple[float, float]:
    """Median ms of each call, measured alternately so machine load hits both alike."""
    for call in pair:
        call()  # warm: client, backend, model loaded
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for call, spent in zip(pair, times, strict=True):
            start = time.perf_counter()
            call()
            spent.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def calls(aws: AWS, fidelity: bool) -> dict[str, Callable[[], Any]]:
    ec2, ecs, asg = aws.client("ec2"), aws.client("ecs"), aws.client("autoscaling")
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "ImageId": "ami-0d27e0fb3bac4d724", "InstanceType": "t3.micro"})
    zones = ",".join(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2])
    asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", MinSize=0, MaxSize=1,
                                  LaunchTemplate={"LaunchTemplateName": "web-lt"},
                                  VPCZoneIdentifier=zones)
    return {
        "ec2 describe_vpcs (untouched)": ec2.describe_vpcs,
        "ecs list_clusters (untouched)": ecs.list_clusters,
        "ecs register_task_definition (validated)": lambda: ecs.register_task_definition(
            family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", containerDefinitions=CONTAINERS),
        "autoscaling traffic sources (translated)": (
            (lambda: asg.describe_traffic_sources(AutoScalingGroupName="web-asg")) if fidelity
            else (lambda: asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"]))),
    }


def layer_overhead_us(number: int = 20000) -> dict[str, float]:
    """Microseconds NoSilentGaps + Fidelity add to one request (moto replaced by a stub)."""
    from grader.sandbox.fidelity import patches

    def stub(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<ok/>" * 200]

    def environ(service: str, target: str = "") -> dict[str, Any]:
        body = b"Action=DescribeVpcs&Version=2016-11-15"
        scope = f"AKIAEXAMPLE/20261205/us-east-1/{service}/aws4_request"
        env = {"HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={scope}, "
                                     "SignedHeaders=host, Signature=0",
               "REQUEST_METHOD": "POST", "PATH_INFO": "/", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
        if target:
            env["HTTP_X_AMZ_TARGET"] = target
        return env

    patches.install("ec2")
    patches.install("ecs")
    app = NoSilentGaps(Fidelity(stub))
    cases = {"ec2 (query)": lambda: environ("ec2"),
             "ecs (json)": lambda: environ("ecs", "AmazonEC2ContainerServiceV20141113.List")}
    base = timeit.timeit(lambda: b"".join(stub(environ("ec2"), lambda *a: None)), number=number)
    return {name: (timeit.timeit(lambda make=make: b"".join(app(make(), lambda *a: None)),
                                 number=number) - base) / number * 1e6
            for name, make in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    configure_moto_for_teaching()
    speed_up_moto()
    plain_layers = tuple(layer for layer in DEFAULT_LAYERS
                         if layer not in (Fidelity, NoSilentGaps))
    servers = [serve(plain_layers), serve(DEFAULT_LAYERS)]
    try:
        without, with_ = (calls(AWS.for_account(endpoint, create_account(endpoint)), fidelity)
                          for (_, endpoint), fidelity in zip(servers, (False, True), strict=True))
        results = {name: medians_ms((without[name], with_[name]), args.repeats)
                   for name in without}
    finally:
        for server, _ in servers:
            server.shutdown()
    print(f"{'call':45} {'without':>9} {'with':>9} {'cost':>9}   (median ms, n={args.repeats})")
    for name, (plain, layered) in results.items():
        print(f"{name:45} {plain:9.2f} {layered:9.2f} {layered - plain:+9.2f}")
    for name, cost in layer_overhead_us().items():
        print(f"layers in process, {name}: {cost:.1f} us per request")


if __name__ == "__main__":
    main()
