"""Grade submissions: isolated, in parallel, each against its own fresh sandbox server.

One batch is one process tree::

    your process (CLI, tests)       caller: grade()/grade_iter() start the pool, read results
     └── pool                       pool: loads the checks, imports boto3 and IPython once,
          │                         makes the IPython shell and the checks' clients; forks
          ├── server template       grader.sandbox.template: moto, warmed once; forks one
          │    └── server           fresh server per submission, holding the pristine account
          └── grading process       worker: one per submission (at most --jobs at once), a
               │                    clean copy of the pool: own network namespace (as root),
               │                    asks the template for its server, then forks
               └── submission       run: PID 1 of its own PID + mount namespace: private /tmp,
                    └── cells       course, --out and other submissions hidden; runs as an
                                    unprivileged user with time, memory, output, process
                                    and file limits and a network audit hook (netguard);
                                    cells runs the code

The grading process waits for the submission (timeout, output cap), lets the kernel kill
everything it started, then reads the account's state itself through boto3 and runs the
checks, which were loaded before any submission ran. So no two submissions ever share a
server, nothing of one submission is in another's memory, and nothing a submission prints
or writes changes its score. ``isolation`` says what each privilege level adds; every
message between these processes is a type in ``protocol``.
"""

from grader.grading.caller import PoolInfo, default_jobs, grade, grade_iter, readable_submission
from grader.grading.protocol import Graded, Limits

__all__ = ["Graded", "Limits", "PoolInfo", "default_jobs", "grade", "grade_iter",
           "readable_submission"]
