"""A person's own account pages: change the password, see and end where they are signed in,
and stay signed in when the page warns them."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.models import User

from .forms import OwnPasswordForm
from .selectors import signed_in_sessions_for
from .services import password_changed, sessions_end_others


def _me(request: HttpRequest) -> User:
    return cast("User", request.user)  # login_required: a signed-in person


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: the current one, then the new one twice."""
    # Written out: Django's form saves the password itself; the service does what follows.
    form = OwnPasswordForm(_me(request), request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        ended = password_changed(request=request, user=_me(request))
        elsewhere = f" You were signed out in {ended} other place{'s' if ended != 1 else ''}."
        messages.success(request, f"Your password is changed.{elsewhere if ended else ''}")
        return redirect("account-security")
    return render(request, "schools/accounts/password_change.html", {"form": form})


@login_required
@require_GET
def account_sessions(request: HttpRequest) -> HttpResponse:
    """Where the person is signed in now, this one marked."""
    context = {
        "sessions": signed_in_sessions_for(actor=request.user),
        "current_key": request.session.session_key,
    }
    return render(request, "schools/accounts/sessions.html", context)


@login_required
@require_POST
def account_sessions_end(request: HttpRequest) -> HttpResponse:
    """Sign out everywhere but here."""
    ended = sessions_end_others(actor=request.user, current_key=request.session.session_key)
    messages.success(
        request,
        f"You are signed out in {ended} other place{'s' if ended != 1 else ''}."
        if ended
        else "You were not signed in anywhere else.",
    )
    return redirect("account-sessions")


@login_required
@require_GET
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" on the time-out warning: a request that counts as activity."""
    return HttpResponse(status=204)
