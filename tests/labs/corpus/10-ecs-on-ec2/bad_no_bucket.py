"""Forgot the bucket."""

LOSES = ["bucket_created"]
