"""Forms of the staff pages: invite, change roles, decline a role, a leaver, a trust role."""

from __future__ import annotations

from django import forms

from safeguard.forms import GovukCheckboxes, GovukFormMixin
from safeguard.roles import SCHOOL_ROLE_CHOICES, RoleKey
from schools.forms import NewPasswordForm

ROLE_HINTS = {
    RoleKey.STAFF: "Logs concerns about pupils and sees what happened to them",
    RoleKey.DSL: "Needs the headteacher or the DSL to confirm it before it starts",
    RoleKey.DEPUTY: "Needs the headteacher or the DSL to confirm it before it starts",
    RoleKey.HEAD: "Needs the headteacher or the DSL to confirm it before it starts",
    RoleKey.ADMIN: (
        "Keeps the pupil roll, staff accounts and term dates; sees no child-protection files"
    ),
    RoleKey.GOVERNOR: "Sees the school's figures, never a child's name",
}


class _PersonFields(GovukFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={
            "required": "Enter their full name",
            "max_length": "Enter a name of 150 characters or fewer",
        },
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Their work email address: the invitation goes there",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address like name@school.example",
            "max_length": "Enter an email address of 254 characters or fewer",
        },
    )
    job_title = forms.CharField(
        label="Job title (optional)",
        max_length=150,
        required=False,
        error_messages={"max_length": "Enter a job title of 150 characters or fewer"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "inputmode": "email"}
        )
        self.fields["full_name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


def _roles_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=SCHOOL_ROLE_CHOICES,
        widget=GovukCheckboxes,
        help_text="Select all that apply",
        error_messages={
            "required": "Choose at least one role",
            "invalid_choice": "Choose roles from the list",
            "invalid_list": "Choose roles from the list",
        },
    )


class StaffInviteForm(_PersonFields):
    roles = _roles_field("Roles at this school")


class StaffRolesForm(GovukFormMixin, forms.Form):
    roles = _roles_field("Roles at this school")


class RoleDeclineForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why is the role declined?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The school administrator reads this. Do not write details of a child or of "
        "an allegation here.",
        error_messages={
            "required": "Enter why the role is declined",
            "max_length": "Enter a reason of 2000 characters or fewer",
        },
    )


class StaffLeaverForm(GovukFormMixin, forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        max_length=500,
        required=False,
        help_text="For example, their last day. Kept in the staff history.",
        error_messages={"max_length": "Enter a note of 500 characters or fewer"},
    )


class TrustInviteForm(_PersonFields):
    pass


class StaffDetailsForm(GovukFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={
            "required": "Enter their full name",
            "max_length": "Enter a name of 150 characters or fewer",
        },
    )
    job_title = forms.CharField(
        label="Job title (optional)",
        max_length=150,
        required=False,
        error_messages={"max_length": "Enter a job title of 150 characters or fewer"},
    )


# Words on the page, not a password.
PASSWORD_HINT = "At least 12 characters, not a common password, and not like your name or email"  # noqa: S105


class InvitationPasswordForm(NewPasswordForm):
    """The first password: one short hint instead of Django's list, which repeats the page."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HINT
