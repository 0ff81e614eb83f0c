"""Pupil characteristics from the roll, and how the dashboards group them.

The codes are the DfE's (school census and Common Transfer File). Ethnicity has about 20 main
codes and many extended ones (WENG, AMPK...); every code's first letter names its main group, so
the dashboards group any code a MIS sends without a list of every extended code.
"""

from __future__ import annotations

ETHNICITY_MAIN: dict[str, str] = {
    "WBRI": "White - British",
    "WIRI": "White - Irish",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy / Roma",
    "WOTH": "Any other White background",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

# The main groups, in the order the DfE publishes them; "" is "not recorded".
ETHNIC_GROUPS: dict[str, str] = {
    "W": "White",
    "M": "Mixed",
    "A": "Asian or Asian British",
    "B": "Black or Black British",
    "C": "Chinese",
    "O": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
    "": "Not recorded",
}


def ethnic_group(code: str) -> str:
    """The key of a code's main group in ETHNIC_GROUPS ("" when not recorded)."""
    code = (code or "").strip().upper()
    if code in ("REFU", "NOBT"):
        return code
    return code[:1] if code[:1] in "WMABCO" and code else ""


def ethnicity_problem(code: str) -> str | None:
    """Why a code is not a DfE ethnicity code, or None when it is (or is blank)."""
    code = (code or "").strip().upper()
    if not code:
        return None
    if len(code) != 4 or not code.isascii() or not code.isalpha():
        return "Enter a DfE ethnicity code of 4 letters, like WBRI, or leave it blank"
    if not ethnic_group(code):
        # Four letters, but no DfE group starts with its first letter: say so, not "4 letters".
        return f"{code} is not a DfE ethnicity code: use a code like WBRI, or leave it blank"
    return None
