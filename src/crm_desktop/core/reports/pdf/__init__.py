"""Printed documents (quote, order confirmation, contract, receipt) as PDF, with reportlab.

Nothing here imports reportlab at import time: `fonts.cjk_font()` and `layout.render_pdf()` do,
on first use, so the app's start-up never pays for it (PERF-FLOORS 2a, 6a).
"""
