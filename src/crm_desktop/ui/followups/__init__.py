"""The follow-ups area: record and edit visits, the list with its filters, managers' annotations
(批示) and the supervision table. The Today tab (ui/today.py) builds on the same dialogs."""
