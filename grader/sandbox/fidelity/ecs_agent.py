"""Sandbox corrections for ECS on EC2 (lab 10): the agent, placement, capacity providers.

Register request-level corrections with ``corrections.corrects`` and moto model patches
with ``patches.applies_to``; ``layer`` imports this module so both are in place.
"""

from __future__ import annotations
