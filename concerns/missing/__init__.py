"""Missing children (003 Appendix C) and children missing education: a sub-domain of concerns.

Writes in `episodes.py` and `absences.py`, reads in `selectors.py`, the shared rules in `rules.py`
and what each signature covers in `content.py`. Its models are in `concerns/models/missing.py`
(same app label and tables as the rest of concerns).
"""
