"""The demo trust of docs/architecture.md section 10, its schools and its people: a stable contract that tests,
reviewers and the README's sign-ins rely on."""

from __future__ import annotations

from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.roles import ROLES, Scope
from schools import services
from schools.models import User
from schools.twofactor.policy import two_factor_required

DEMO_PASSWORD_DEFAULT = "demo-password-123"  # noqa: S105 (documented demo password)
# The one authenticator-app secret every demo user who needs two-factor sign-in shares
# (docs/architecture.md section 10), printed by `seed_demo` and in the README: RFC 6238's own
# test key, so it is plainly not a secret. As a key to type into an app (base 32) and as django-otp stores it (hex).
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # noqa: S105 (documented demo secret)
DEMO_TOTP_KEY_HEX = b"12345678901234567890".hex()
TRUST_NAME = "Northgate Learning Trust"
TRUST_SLUG = "northgate"
TSO_EMAIL = "tso@northgate.example"
SCHOOL_ROLE_KEYS = [r.key for r in ROLES.values() if r.scope is Scope.SCHOOL]
# The person with roles in two schools (demo/staff.py).
SHARED_DEPUTY_EMAIL = "deputy.shared@northgate.example"
SHARED_DEPUTY_SCHOOLS = ["alderbrook", "southend-bay"]


@dataclass(frozen=True)
class DemoSchool:
    name: str
    slug: str
    urn: str
    local_authority: str
    la_code: str
    prefix: str
    address_line_1: str
    town: str
    postcode: str
    phone: str
    years: tuple[str, ...]


SCHOOLS = [
    DemoSchool(
        "Alderbrook Primary",
        "alderbrook",
        "900101",
        "Essex",
        "881",
        "ALD",
        "12 Alder Lane",
        "Chelmsford",
        "CM1 4XA",
        "01245 000101",
        ("R", "1", "2", "3", "4", "5", "6"),
    ),
    DemoSchool(
        "Southend Bay Academy",
        "southend-bay",
        "900102",
        "Southend-on-Sea",
        "882",
        "SBA",
        "80 Shoreline Road",
        "Southend-on-Sea",
        "SS1 2ZZ",
        "01702 000102",
        ("7", "8", "9", "10", "11"),
    ),
    DemoSchool(
        "Leicester Road School",
        "leicester-road",
        "900103",
        "Leicestershire",
        "855",
        "LRS",
        "3 Leicester Road",
        "Loughborough",
        "LE11 9QQ",
        "01509 000103",
        ("7", "8", "9", "10", "11"),
    ),
]

ROLE_PEOPLE = {
    "staff": ("Sam Taylor", "Class teacher"),
    "dsl": ("Priya Shah", "Designated Safeguarding Lead"),
    "deputy": ("Tom Okafor", "Deputy Designated Safeguarding Lead"),
    "head": ("Helen Marsh", "Headteacher"),
    "admin": ("Gary Doyle", "School business manager"),
    "governor": ("Ruth Ellis", "Safeguarding governor"),
}


def demo_user(email: str, full_name: str, job_title: str, password: str) -> User:
    """The demo's user with this email, created or brought up to date (name, job, password)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return services.user_create(
            email=email, full_name=full_name, job_title=job_title, password=password
        )
    changed = user.full_name != full_name or user.job_title != job_title
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.full_name, user.job_title = full_name, job_title
        user.save()
    return user


def demo_second_factor(user: User) -> None:
    """The shared authenticator app for a demo user whose roles need two-factor sign-in."""
    if not two_factor_required(user):
        return
    TOTPDevice.objects.update_or_create(
        user=user,
        name="Authenticator app",
        defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
    )


def demo_emails() -> list[str]:
    """Every sign-in the demo contract promises."""
    return [f"{role}@{s.slug}.example" for s in SCHOOLS for role in SCHOOL_ROLE_KEYS] + [
        TSO_EMAIL,
        SHARED_DEPUTY_EMAIL,
    ]
