"""The search form: the words, and filters by pupil, category, date and author (docs/adr/0042)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from safeguard.forms import DATE_PARTS, GovukDatesMixin, GovukFormMixin
from safeguard.params import whole_number

WORDS_MAX = 100  # as every search box (safeguard.search_terms.TERM_MAX): a token holds no more
NAME_MAX = 100
NUL_MESSAGE = "Remove the unusual character (a null character) from what you typed"


class RecordSearchForm(GovukDatesMixin, GovukFormMixin, forms.Form):
    """What to look for. A date is optional; given, it is a real date in GOV.UK's three boxes."""

    dates = {"since": "the date to search from", "until": "the date to search to"}
    optional_dates = ("since", "until")
    q = forms.CharField(
        label="Words to search for",
        required=False,
        help_text=(
            "For example, uncle's car. Put words in quotes to find them together "
            '("uncle\'s car"), write or between words to find either, and a minus before a '
            "word to leave it out."
        ),
    )
    pupil = forms.CharField(
        label="Pupil (optional)",
        required=False,
        help_text="Their name, or part of it",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    category = forms.ChoiceField(label="Category (optional)", required=False)
    author = forms.ChoiceField(label="Written by (optional)", required=False)

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[int, str]],
        authors: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(self.date_fields("since"))
        self.fields.update(self.date_fields("until"))
        self.fields["category"].choices = [("", "Any category"), *categories]  # type: ignore[attr-defined]
        self.fields["author"].choices = [("", "Anyone"), *authors]  # type: ignore[attr-defined]
        self.fields["category"].error_messages["invalid_choice"] = "Choose a category from the list"
        self.fields["author"].error_messages["invalid_choice"] = "Choose a person from the list"
        for name in ("q", "pupil"):  # said in plain words, as the roll's forms do
            self.fields[name].validators = [ProhibitNullCharactersValidator(message=NUL_MESSAGE)]
        for part in DATE_PARTS:  # a box is a few digits: anything longer is refused in clean()
            for name in ("since", "until"):
                self.fields[f"{name}_{part}"].widget.attrs["autocomplete"] = "off"

    def clean_q(self) -> str:
        words = str(self.cleaned_data.get("q") or "").replace("\x00", "").strip()
        if not words:
            raise forms.ValidationError("Enter the words to search for")
        if len(words) > WORDS_MAX:
            raise forms.ValidationError(
                f"Words to search for must be {WORDS_MAX} characters or fewer"
            )
        return words

    def clean_pupil(self) -> str:
        name = str(self.cleaned_data.get("pupil") or "").replace("\x00", "").strip()
        if len(name) > NAME_MAX:
            raise forms.ValidationError(f"The pupil's name must be {NAME_MAX} characters or fewer")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_dates(data)
        since, until = data.get("since"), data.get("until")
        if since and until and since > until and not self.has_error("until_day"):
            self.add_error(
                "until_day",
                "The date to search to must be the same as or after the date to search from",
            )
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "words": data["q"],
            "pupil": data.get("pupil", ""),
            "category_id": whole_number(data.get("category")),
            "author_id": whole_number(data.get("author")),
            "since": data.get("since"),
            "until": data.get("until"),
        }
