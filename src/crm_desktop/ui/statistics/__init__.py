"""The Statistics tab: every analysis of core/reports as a table, a chart and an Excel file.

matplotlib is imported only when the first chart is drawn (PERF-FLOORS 2c: ~1.3 s), never when
this package or the tab module is imported.
"""
