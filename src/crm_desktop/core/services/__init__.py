"""Services: one module per domain. Each takes the database, the acting operator and plain
values, checks permission and data scope itself, and returns plain values."""
