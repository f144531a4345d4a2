"""Sandbox corrections for EC2 tenancy, Dedicated Hosts and Nitro Enclaves (lab 12).

Register request-level corrections with ``corrections.corrects`` and moto model patches
with ``patches.applies_to``; ``layer`` imports this module so both are in place.
"""

from __future__ import annotations
