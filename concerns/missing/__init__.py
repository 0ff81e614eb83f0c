"""Missing children (003 Appendix C) and children missing education: a sub-domain of concerns.

Its models live in `concerns.models` (same app label and tables); everything else is here.
"""
