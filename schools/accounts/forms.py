"""Changing one's own password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordChangeForm

from safeguard.forms import GovukFormMixin


class OwnPasswordForm(GovukFormMixin, PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Check it and try again.",
        "password_mismatch": "The two new passwords are not the same. Type the same one twice.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = (
            "At least 12 characters. Not like your name or email, and not a common password."
        )
        self.fields["new_password2"].label = "New password again"
        for name, words in [
            ("old_password", "Enter your current password"),
            ("new_password1", "Enter a new password"),
            ("new_password2", "Enter the new password again"),
        ]:
            self.fields[name].error_messages["required"] = words
