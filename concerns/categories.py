"""The default category list a new trust starts with (two levels).

From the issues staff are alert to in `shared/seeds/002_...txt` section 25 and the four
categories of abuse in KCSIE. The trust safeguarding officer owns the list afterwards.
"""

from __future__ import annotations

DEFAULT_CATEGORIES: list[tuple[str, list[str]]] = [
    ("Physical abuse", []),
    ("Emotional abuse", []),
    ("Sexual abuse", []),
    ("Neglect", []),
    (
        "Child-on-child abuse",
        [
            "Bullying, including online bullying",
            "Prejudice-based bullying",
            "Physical abuse by another child",
            "Sexual violence",
            "Sexual harassment",
            "Harmful sexual behaviour",
            "Sharing nudes and semi-nudes",
            "Upskirting",
        ],
    ),
    (
        "Prejudice-based abuse",
        [
            "Racist",
            "Disability-based",
            "Homophobic, biphobic or transphobic",
            "Gender-based violence, violence against women and girls",
        ],
    ),
    ("Domestic abuse", ["Domestic abuse at home", "Teenage relationship abuse"]),
    (
        "Exploitation",
        [
            "Child sexual exploitation",
            "Child criminal exploitation and county lines",
            "Human trafficking and modern slavery",
            "Gangs and organised crime groups",
        ],
    ),
    (
        "Harm outside the home",
        [
            "Serious violence and violent crime",
            "Knife possession or knife crime",
            "Anti-social or criminal behaviour",
        ],
    ),
    ("Radicalisation and extremism", []),
    (
        "Online safety",
        [
            "Harmful online content or contact",
            "Accessing pornography",
            "Filtering and monitoring alert",
        ],
    ),
    (
        "Missing and absence",
        [
            "Missing from home or care",
            "Absent from education",
            "Persistent absence, including part of the school day",
        ],
    ),
    (
        "So-called honour-based abuse",
        ["Female genital mutilation", "Forced or child marriage", "Other honour-based abuse"],
    ),
    (
        "Family circumstances",
        [
            "Parental drug or alcohol misuse",
            "Adult mental health",
            "Family member in prison or parental offending",
            "Returned home from care",
        ],
    ),
    (
        "Child's own needs",
        [
            "Mental health",
            "Self-harm",
            "Drug or alcohol misuse",
            "Special educational needs or disability",
            "Young carer",
            "Privately fostered",
        ],
    ),
    ("At risk of suspension or exclusion", []),
    ("Other", []),
]
