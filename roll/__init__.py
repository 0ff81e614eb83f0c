"""The pupil roll: kept by hand, or brought in from a CSV or a Common Transfer File."""
