"""Outbox and calendar feeds: filled by the notifications issue."""
