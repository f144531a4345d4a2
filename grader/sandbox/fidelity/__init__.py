"""Make the sandbox answer like AWS for the calls the labs teach, and say so where it can't.

- ``layer.Fidelity``: request-level corrections (``corrections``) and moto model patches
  (``patches``);
- ``layer.NoSilentGaps``: anything moto does not implement or crashes on answers with an
  AWS-style error naming the operation and the alternative (``wire`` shapes it per protocol);
- ``grader.sandbox.inventory``: which operations the labs use and their status.
"""

from grader.sandbox.fidelity.layer import Fidelity, NoSilentGaps

__all__ = ["Fidelity", "NoSilentGaps"]
