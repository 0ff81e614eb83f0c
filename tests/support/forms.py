"""Reading a page's forms as a browser submits them: where each goes, and its fields with the
values the page put in them (what a person who pressed the button unchanged would send)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Inputs a person types an answer into: what they typed must be on the page again when it comes
# back with an error. Hidden fields, choices, passwords and files are not typed (or not shown
# again), nor is a search box (a way to find something, not an answer).
TYPED_KINDS = {"text", "textarea", "email", "tel", "number", "url", "date"}
NOT_SENT = {"submit", "button", "reset", "image", "file"}


@dataclass
class Field:
    """One name of a form: an input (or several radios or checkboxes sharing it), a textarea or a
    select; `value` is what the page filled in (a list for checkboxes and multiple selects)."""

    name: str
    kind: str
    value: str | list[str] = ""
    options: list[str] = field(default_factory=list)
    id: str = ""
    hint: str = ""  # the text of the hint the input is described by
    # Inside a GOV.UK conditional reveal: the (name, value) of the radio or checkbox showing it.
    revealed_by: tuple[str, str] | None = None

    @property
    def typed(self) -> bool:
        return self.kind in TYPED_KINDS

    @property
    def many(self) -> bool:
        return self.kind in ("checkbox", "select-multiple")


@dataclass
class Button:
    name: str
    value: str
    action: str  # its own formaction or hx-post, or ""


@dataclass
class Form:
    method: str
    action: str
    in_main: bool
    hx_post: str = ""
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)

    def values(self) -> dict[str, str | list[str]]:
        """What the browser sends for the form as the page rendered it."""
        return {f.name: f.value for f in self.fields.values() if f.value not in ("", [])}


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.hints: dict[str, str] = {}
        self._form: Form | None = None
        self._in_main = False
        self._text_for: Field | None = None  # a textarea being read
        self._select: Field | None = None
        self._option: tuple[str, bool] | None = None
        self._option_text = ""
        self._hint: tuple[str, str] | None = None  # (tag, id) of a hint being read
        self._described: list[tuple[Field, str]] = []
        self._divs = 0
        self._reveals: list[tuple[int, str]] = []  # (depth, id) of open conditional reveals
        self._revealing: dict[str, tuple[str, str]] = {}  # reveal id: the option showing it
        self._revealed: list[tuple[Field, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._place(tag, a)
        if tag == "form":
            self._form = Form(
                method=(a.get("method") or "get").lower(),
                action=a.get("action", ""),
                in_main=self._in_main,
                hx_post=a.get("hx-post", ""),
            )
            self.forms.append(self._form)
        elif self._form is not None:
            self._form_element(self._form, tag, a)

    def _place(self, tag: str, a: dict[str, str]) -> None:
        """Where the parser is: in <main>, in a conditional reveal, in a hint."""
        if tag == "main":
            self._in_main = True
        if tag == "div":
            self._divs += 1
            if "__conditional" in a.get("class", "") and a.get("id"):
                self._reveals.append((self._divs, a["id"]))
        if a.get("id", "").endswith("-hint") and self._hint is None:
            self._hint = (tag, a["id"])
            self.hints[a["id"]] = ""

    def _form_element(self, form: Form, tag: str, a: dict[str, str]) -> None:
        if tag == "button" or (tag == "input" and a.get("type") in ("submit", "image")):
            if a.get("type", "submit") == "submit" or tag == "input":
                action = a.get("formaction") or a.get("hx-post") or ""
                form.buttons.append(Button(a.get("name", ""), a.get("value", ""), action))
        elif tag == "input":
            self._input(form, a)
        elif tag == "textarea" and a.get("name"):
            self._text_for = self._add(form, a, "textarea", "")
        elif tag == "select" and a.get("name"):
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = self._add(form, a, kind, [] if kind == "select-multiple" else "")
            self._select.options = []
        elif tag == "option" and self._select is not None:
            self._option = (a["value"] if "value" in a else None, "selected" in a)  # type: ignore[assignment]
            self._option_text = ""

    def _input(self, form: Form, a: dict[str, str]) -> None:
        name, kind = a.get("name"), (a.get("type") or "text").lower()
        if not name or kind in NOT_SENT:
            return
        value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
        if a.get("data-aria-controls"):
            self._revealing[a["data-aria-controls"]] = (name, value)
        if kind in ("radio", "checkbox"):
            existing = form.fields.get(name)
            if existing is None:
                existing = self._add(form, a, kind, [] if kind == "checkbox" else "")
            existing.options.append(value)
            if "checked" in a:
                if kind == "checkbox":
                    assert isinstance(existing.value, list)
                    existing.value.append(value)
                else:
                    existing.value = value
            return
        self._add(form, a, kind, value)

    def _add(self, form: Form, a: dict[str, str], kind: str, value: str | list[str]) -> Field:
        found = Field(name=a["name"], kind=kind, value=value, id=a.get("id", ""))
        form.fields.setdefault(found.name, found)
        for hint in a.get("aria-describedby", "").split():
            self._described.append((found, hint))
        if self._reveals:
            self._revealed.append((found, self._reveals[-1][1]))
        return form.fields[found.name]

    def handle_data(self, data: str) -> None:
        if self._text_for is not None:
            self._text_for.value = str(self._text_for.value) + data
        if self._option is not None:
            self._option_text += data
        if self._hint is not None:
            self.hints[self._hint[1]] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main = False
        if tag == "div":
            if self._reveals and self._reveals[-1][0] == self._divs:
                self._reveals.pop()
            self._divs -= 1
        if self._hint is not None and tag == self._hint[0]:
            self._hint = None
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._text_for is not None:
            # Django writes a newline after <textarea>, which a browser drops.
            text = str(self._text_for.value)
            self._text_for.value = text[1:] if text.startswith("\n") else text
            self._text_for = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if selected:
                if isinstance(self._select.value, list):
                    self._select.value.append(value)
                else:
                    self._select.value = value
            self._option = None
        elif tag == "select" and self._select is not None:
            if self._select.kind == "select" and not self._select.value and self._select.options:
                self._select.value = self._select.options[0]  # a browser sends the first
            self._select = None


def page_forms(html: str) -> list[Form]:
    """Every form on the page, with each field's hint (its `aria-describedby` hint's text) and
    the option that reveals it (a GOV.UK conditional reveal)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    for described, hint_id in parser._described:
        if hint_id in parser.hints:
            described.hint = " ".join(parser.hints[hint_id].split())
    for revealed, reveal_id in parser._revealed:
        revealed.revealed_by = parser._revealing.get(reveal_id)
    return parser.forms


def field_values(html: str) -> dict[str, str | list[str]]:
    """Every named field on the page and its value, whichever form it is in."""
    values: dict[str, str | list[str]] = {}
    for form in page_forms(html):
        for f in form.fields.values():
            values.setdefault(f.name, f.value)
    return values
