"""Importing the roll from a CSV export or a DfE Common Transfer File (docs/adr/0023)."""
