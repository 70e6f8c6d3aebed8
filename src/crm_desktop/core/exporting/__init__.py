"""Filled in by later issues; kept so the layout matches DESIGN.md."""
