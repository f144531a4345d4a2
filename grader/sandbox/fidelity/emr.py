"""Sandbox corrections for EMR and EMR Serverless (lab 11).

Register request-level corrections with ``corrections.corrects`` and moto model patches
with ``patches.applies_to``; ``layer`` imports this module so both are in place.
"""

from __future__ import annotations
