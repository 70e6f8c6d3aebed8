"""Printed documents in the app: the preview window shared by every sales page."""
