"""The trust's re-assessment thresholds, set by the trust safeguarding officer (docs/adr/0044)."""
