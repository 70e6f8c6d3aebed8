"""One module per kind of record the import writes; `base.py` holds the protocol and TARGETS."""
