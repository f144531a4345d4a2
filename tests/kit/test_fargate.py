"""The shared Fargate size table and its learner-facing description."""

from __future__ import annotations

import pytest

from grader.kit import fargate


@pytest.mark.parametrize("vcpu, memory, ok", [
    (0.25, 512, True), (0.25, 3072, False), (0.5, 4096, True), (1.0, 1024, False),
    (4.0, 30720, True), (8.0, 18432, False), (8.0, 20480, True), (16.0, 122880, True),
    (16.0, 131072, False), (3.0, 8192, False),
])
def test_pairs(vcpu, memory, ok):
    assert fargate.pair_ok(vcpu, memory) is ok


def test_descriptions_list_small_sets_and_summarise_ranges():
    assert fargate.describe_memory(0.25) == "512, 1024, 2048"
    assert fargate.describe_memory(8.0) == "16384 to 61440 in steps of 4096"


def test_a_lab_can_extend_the_table_without_changing_it():
    extended = {**fargate.TASK_SIZES, 32.0: frozenset({61440})}
    assert fargate.pair_ok(32.0, 61440, extended)
    assert not fargate.pair_ok(32.0, 61440)
