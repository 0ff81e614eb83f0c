"""How long a CP-file export takes (docs/adr/0039), by outcome only: `done` or `failed`. Not by
school: a trust of 50 schools would make 50 series of a histogram for little gain, and the
export's own row says which school's it was."""

from __future__ import annotations

from prometheus_client import Histogram

EXPORT_SECONDS = Histogram(
    "safeguard_export_duration_seconds",
    "How long a CP-file export took, from start to stored files or failure, by outcome.",
    ["outcome"],
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800),
)
