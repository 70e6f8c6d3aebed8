"""Placeholder: filled by the sales issue (see /tmp/issue5/API.md)."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add this module's subcommands to the `crm` parser."""
