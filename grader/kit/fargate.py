"""AWS Fargate's task sizes: the vCPU/memory pairs Fargate runs.

Shared by every lab that grades a Fargate size (ECS task definitions count CPU units,
Batch job definitions count vCPUs), so the table is written down once. moto accepts any
pair; AWS rejects the rest ("Invalid 'cpu' setting for task").
"""

from __future__ import annotations

from collections.abc import Mapping


def _steps(low: int, high: int, step: int) -> frozenset[int]:
    return frozenset(range(low, high + 1, step))


# vCPU -> the memory sizes (MiB) Fargate accepts with it (Linux, platform 1.4.0+).
TASK_SIZES: dict[float, frozenset[int]] = {
    0.25: frozenset({512, 1024, 2048}),
    0.5: _steps(1024, 4096, 1024),
    1.0: _steps(2048, 8192, 1024),
    2.0: _steps(4096, 16384, 1024),
    4.0: _steps(8192, 30720, 1024),
    8.0: _steps(16384, 61440, 4096),
    16.0: _steps(32768, 122880, 8192),
}


def pair_ok(vcpu: float, memory_mib: int,
            sizes: Mapping[float, frozenset[int]] = TASK_SIZES) -> bool:
    """True when (vCPU, MiB) is one of the sizes in ``sizes``."""
    return memory_mib in sizes.get(vcpu, frozenset())


def describe_memory(vcpu: float, sizes: Mapping[float, frozenset[int]] = TASK_SIZES) -> str:
    """The memory choices for ``vcpu`` in words, for a learner-facing message."""
    choices = sorted(sizes[vcpu])
    if len(choices) <= 4:
        return ", ".join(str(c) for c in choices)
    return f"{choices[0]} to {choices[-1]} in steps of {choices[1] - choices[0]}"
