"""Grade submissions: isolated, in parallel, each against its own fresh sandbox server.

One batch is one process tree::

    your process (CLI, tests)       caller: grade()/grade_iter() start the pool (a minimal
     │                              environment), read results
     └── pool                       pool: loads the checks, knows the class list, makes the
          │                         checks' clients and the per-submission cgroups; forks
          ├── server template       grader.sandbox.template: moto, warmed once; forks one
          │    └── server           fresh server per submission (walled: own uid, cgroup,
          │                         private folders, seccomp, only its own port)
          ├── grading process       worker: one per submission (at most --jobs at once):
          │                         own network namespace (as root), asks the template for
          │                         its server and the zygote for the run, then checks
          └── zygote                zygote: exec'd with a minimal environment, never sees the
               └── relay            checks or the class list; course hidden once; forks
                    └── submission  run: PID 1 of its own PID, mount, IPC and UTS namespaces,
                         └── cells  the slot's uid, its cgroup, seccomp; cells runs the code

The grading process waits for the submission (timeout, output cap), lets the kernel kill
everything it started, then reads the account's state itself through boto3 and runs the
checks (with a deadline; a handler they run goes behind the same walls, see ``learner``).
So no two submissions ever share a server, nothing of the grader or another submission is
in a submission's memory, and nothing a submission prints or writes changes its score.
``isolation`` says what each privilege level adds (and content/instructor/isolation.md
says it for instructors); every message between these processes is a type in ``protocol``.
"""

from grader.grading.caller import PoolInfo, default_jobs, grade, grade_iter, readable_submission
from grader.grading.protocol import Graded, Limits

__all__ = ["Graded", "Limits", "PoolInfo", "default_jobs", "grade", "grade_iter",
           "readable_submission"]
