"""The drill-down (ADR 0021): the records behind a figure of the trust dashboard."""
