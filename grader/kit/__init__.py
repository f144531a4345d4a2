"""What a lab's checks.py may import besides ``grader.check`` / ``grader.fail``: helpers
several labs share.

- ``lookups``: AWS's "missing means an error code" as ``or_none`` / ``or_fail``, and reads;
- ``policies`` and ``policy_probes``: IAM policy documents parsed and judged by what they
  allow (conditions, Deny, NotAction, principals), probed over many requests;
- ``fargate``: the Fargate cpu/memory table (ECS and Batch);
- ``schedules``: EventBridge cron/rate expressions validated;
- ``handlers`` and ``probes``: run a learner's Lambda handler from its deployed zip, in a
  walled process, one per check, cached by the code's hash;
- ``shared_reads`` and ``concurrent_reads``: each read once per check run;
- ``regions`` and ``other_regions``: a missing resource found in another Region says so;
- ``feedback`` and ``naming``: messages that name the resources they judge.
"""
