"""What a lab's checks.py may import besides ``grader.check``: helpers several labs share.

- ``lookups``: AWS's "missing means an error code" as ``or_none`` / ``or_fail``, and reads;
- ``policies``: IAM policy documents parsed and judged;
- ``fargate``: the Fargate cpu/memory table (ECS and Batch);
- ``schedules``: EventBridge cron/rate expressions validated;
- ``handlers``: run a learner's Lambda handler from its deployed zip, in a separate process.
"""
