"""Issue 19: one trust served by many processes. Two web processes, a worker for alerts (and
everything else), a worker for exports and one scheduler, all on one PostgreSQL database, one
Redis and one S3 API, as the deployment contract runs them, and a concern, its alert email and a
CP-file export followed across them over real HTTP:

1. a member of staff logs a concern on web A, saying a child is in immediate danger;
2. the urgent email reaches the mail server, sent by the alerts worker, its link at SITE_URL;
3. the DSL signs in (password and authenticator app) on web B and reads the same concern there;
4. the DSL starts the pupil's CP-file transfer on web B, the exports worker renders and signs the
   PDF, and the DSL downloads it through web A: the same bytes, with a valid signature;
5. the scheduler has sent its periodic work, and the alerts worker ran it.

The deployment (tests/support/many_processes.py) is production's settings on 127.0.0.1, with the test's
HTTP client playing the TLS proxy. Checks that need a part of issue 19 not yet in the product (the
object store, the queues of their own, the health command and single scheduler, the shared cache)
run when the product has that part (`deployment.probe` reads what it does), each under an `if`
that says which part.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import os
import re
import time
from collections.abc import Iterator
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

import environ
import pytest
from django.utils import timezone

from tests.support.auth import demo_code
from tests.support.many_processes import (
    ALERT_TASK,
    CACHE_DB,
    DEMO_PASSWORD,
    EXPORT_TASK,
    PERIODIC_EVERY_SECONDS,
    PERIODIC_NAME,
    PERIODIC_TASK,
    Browser,
    Deployment,
    Page,
    Web,
    wait_for,
)
from tests.support.processes import Accepted

# The test starts eight processes of its own: it is one unit, on one xdist worker.
pytestmark = pytest.mark.xdist_group("many-processes")

SCHOOL = "alderbrook"
STAFF = "staff@alderbrook.example"
DSL = "dsl@alderbrook.example"
ALERT_WAIT = 60.0  # from submitting the concern to the email at the mail server
EXPORT_WAIT = 120.0  # the CP file rendered, signed and stored
SECOND_SCHEDULER_START = 30.0


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[Deployment]:
    """The deployment, on a database of its own named after the suite's (so runs with other
    database names never meet), dropped at the end with everything else."""
    caplog.set_level(logging.WARNING, logger="mail.log")  # aiosmtpd: lines for every command
    configured = environ.Env.db_url_config(os.environ.get("DATABASE_URL", "sqlite://"))
    if configured["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("This test runs on PostgreSQL: set DATABASE_URL (as `make test` does).")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{configured['NAME']}_many_processes" + (f"_{worker}" if worker else "")
    with Deployment.up(name, configured) as deployment:
        request.node._deployment = deployment  # its logs, should the test fail (conftest.py)
        deployment.start()
        yield deployment


def test_a_concern_its_alert_and_a_cp_file_cross_two_web_processes_and_two_workers(
    deployment: Deployment,
) -> None:
    d = deployment
    assert d.web_a is not None
    assert d.web_b is not None
    assert d.probe is not None
    web_a, web_b, probe = d.web_a, d.web_b, d.probe
    pupil_id, last_name = d.database.rows(
        "SELECT p.id, p.legal_last_name FROM schools_pupil p JOIN schools_school s"
        " ON s.id = p.school_id WHERE s.slug = %s AND p.left_on IS NULL AND NOT EXISTS"
        " (SELECT 1 FROM transfers_transfer t WHERE t.pupil_id = p.id)"
        " ORDER BY p.legal_last_name, p.id LIMIT 1",
        SCHOOL,
    )[0]

    # 1. Web A: a member of staff logs a concern; a child is in immediate danger.
    staff = Browser()
    sign_in(staff, web_a, STAFF)
    concern_page = log_urgent_concern(staff, web_a, str(pupil_id), last_name)
    reference = re.search(r"Concern ([A-Z]+-\d{4}-\d{4}) submitted", concern_page.text)
    assert reference, "no confirmation of the concern on web A"
    reference_text = reference.group(1)
    concern_path = urlsplit(concern_page.url).path
    (concern_id, danger), *_ = d.database.rows(
        "SELECT id, immediate_danger FROM concerns_concern WHERE reference = %s", reference_text
    )
    assert concern_path == f"/concerns/{concern_id}/"
    assert danger is True

    # 2. The urgent email, sent by the alerts worker, links to the concern at SITE_URL (web A's
    # public address).
    assert d.smtp is not None
    smtp = d.smtp
    email: Accepted = wait_for(
        "the urgent email to the DSL",
        lambda: next(
            (m for m in smtp.accepted if m.to == DSL and reference_text in m.subject), None
        ),
        ALERT_WAIT,
    )
    assert email.subject.startswith("URGENT: A child may be in immediate danger")
    assert f"{web_a.public}{concern_path}" in email.body
    assert last_name not in email.subject + email.body  # no child's name in an email
    ran_on = wait_for(
        f"the worker log to show {ALERT_TASK} done",
        lambda: workers_that_ran(d, ALERT_TASK),
        20,
    )
    if probe.queues_routed():  # after the scale-out part of issue 19: alerts have a worker
        assert ran_on == ["worker-alerts"], ran_on

    # 3. Web B: the DSL signs in (password, then the authenticator app) and reads the same
    # concern, from the email's link; the read is access-logged.
    dsl = Browser()
    sign_in(dsl, web_b, DSL)
    link = re.search(r"https://\S+", email.body)
    assert link, email.body
    seen = dsl.get(f"{web_b.public}{urlsplit(link.group(0)).path}")
    assert seen.status == 200, seen.status
    assert reference_text in seen.text
    assert "The reporter said a child was in immediate danger." in seen.text
    logged = d.database.rows(
        "SELECT count(*) FROM audit_accesslog a JOIN schools_user u ON u.id = a.user_id"
        " WHERE u.email = %s AND a.record_id = %s",
        DSL,
        str(concern_id),
    )
    assert logged[0][0] >= 1, "the DSL's read of the concern was not access-logged"

    # 4. Web B: the pupil leaves; the exports worker prepares the signed CP file; web A serves it.
    transfer_url = start_transfer(dsl, web_b, str(pupil_id))
    transfer_id = urlsplit(transfer_url).path.strip("/").split("/")[-1]
    progress = f"{web_b.public}/transfers/{transfer_id}/progress/"
    wait_for(
        "the CP file to be ready",
        # As the page polls it (htmx): 286 when the export has finished, to stop polling.
        lambda: dsl.get(progress, headers={"HX-Request": "true"}).status == 286,
        EXPORT_WAIT,
        every=1.0,
    )
    (state, pdf_name, pdf_sha256), *_ = d.database.rows(
        "SELECT e.state, e.pdf, e.pdf_sha256 FROM transfers_export e JOIN transfers_transfer t"
        " ON t.export_id = e.id WHERE t.id = %s",
        transfer_id,
    )
    assert state == "done", state
    ran_on = wait_for(
        f"the worker log to show {EXPORT_TASK} done", lambda: workers_that_ran(d, EXPORT_TASK), 20
    )
    if probe.queues_routed():  # after the scale-out part: exports have a worker of their own
        assert ran_on == ["worker-exports"], ran_on

    download = dsl.get(f"{web_a.public}/transfers/{transfer_id}/files/pdf/")
    assert download.status == 200, (download.url, download.status)
    if download.url.startswith(web_a.public):  # served by web A itself
        assert download.headers["Content-Type"] == "application/pdf"
    else:  # web A checked the DSL may have it, and sent them to a short-lived signed URL
        assert d.s3 is not None
        assert download.url.startswith(d.s3.endpoint), download.url
        assert "Signature=" in download.url, download.url
    assert download.content.startswith(b"%PDF-")
    assert hashlib.sha256(download.content).hexdigest() == pdf_sha256
    signer = signature_of(download.content)
    assert "Alderbrook Primary" in signer, signer
    downloads = d.database.rows(
        "SELECT count(*) FROM audit_accesslog a JOIN schools_user u ON u.id = a.user_id"
        " WHERE u.email = %s AND a.what = 'transfer_pdf' AND a.pupil_id = %s",
        DSL,
        pupil_id,
    )
    assert downloads[0][0] == 1, "the download through web A was not access-logged once"

    local = d.media_root / pdf_name
    if probe.s3_configured():  # after the storage part of issue 19: the file is in the bucket
        assert d.s3 is not None
        keys = d.s3.keys()
        stored = [k for k in keys if k == pdf_name or k.endswith(f"/{pdf_name}")]
        assert stored, f"{pdf_name} is not in the bucket: {keys}"
        assert d.s3.head(stored[0]).get("ServerSideEncryption") == "AES256"
        assert not local.exists(), "the export was written to the local disk, not the bucket"
    else:  # until then: one directory every process shares
        assert local.read_bytes() == download.content

    # 5. The scheduler: beat sent its periodic job, and the worker for everything else ran it.
    scheduler = d.process("scheduler")
    assert f"Sending due task {PERIODIC_NAME} ({PERIODIC_TASK})" in scheduler.output()
    ran_on = wait_for(
        f"the worker log to show {PERIODIC_TASK} done",
        lambda: workers_that_ran(d, PERIODIC_TASK),
        PERIODIC_EVERY_SECONDS * 4,
    )
    if probe.queues_routed():  # "default" is the alerts worker's second queue
        assert ran_on == ["worker-alerts"], ran_on
    # Two workers, one email: each person was sent the alert once.
    alerts = [m.to for m in smtp.accepted if reference_text in m.subject]
    assert DSL in alerts
    assert len(alerts) == len(set(alerts)), alerts

    if probe.has_health_command():  # after the scale-out part of issue 19
        check_workers_answer(d)
        check_one_scheduler_only(d)
        check_control_sockets_apart(d)
    if probe.shared_cache():  # after the scale-out part: the web processes share Redis's cache
        assert d.redis is not None
        assert d.redis.keys_in(CACHE_DB) > 0


# --- The person's steps -----------------------------------------------------------------------


def sign_in(browser: Browser, web: Web, email: str) -> None:
    """The sign-in page, then (for the roles that need it) the code from the authenticator app
    set up with the demo's documented key."""
    page = browser.get(f"{web.public}/sign-in/")
    page = browser.submit(page, page.form("/sign-in/"), username=email, password=DEMO_PASSWORD)
    if urlsplit(page.url).path == "/sign-in/two-factor/":
        form = page.form("/sign-in/two-factor/")
        page = browser.submit(page, form, code=demo_code())
    assert page.status == 200, (page.url, page.status)
    assert urlsplit(page.url).path == "/", page.url


def log_urgent_concern(staff: Browser, web: Web, pupil_id: str, last_name: str) -> Page:
    """The Part 1 form as the page sends it: start, find and add the pupil, answer, continue,
    sign and submit. Returns the concern's page."""
    start = staff.get(f"{web.public}/concerns/new/")
    draft = staff.submit(start, start.form("/concerns/new/"))
    draft_path = urlsplit(draft.url).path
    assert re.fullmatch(r"/concerns/drafts/[0-9a-f-]+/", draft_path), draft.url
    form = draft.form(draft_path)

    # The pupil search, as the page's script posts it (htmx), then the pupil's Add button.
    results = staff.request(
        "POST",
        f"{web.public}{draft_path}pupils/",
        data={"pupil_q": last_name, "csrfmiddlewaretoken": form.values()["csrfmiddlewaretoken"]},
        headers={"HX-Request": "true"},
        referer=draft.url,
    )
    add = f"add_pupil:{pupil_id}"
    assert f'value="{add}"' in results.text, "the pupil search did not find the pupil"
    draft = staff.submit(draft, form, action=add)
    form = draft.form(draft_path)
    (involvement,) = [
        name.removeprefix("involvement-present-")
        for name in form.fields
        if name.startswith("involvement-present-")
    ]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    checked = staff.submit(
        draft,
        form,
        **{
            f"involvement-{involvement}": "experienced",
            f"categories-{involvement}": form.fields[f"categories-{involvement}"].options[:1],
        },
        incident_day=str(yesterday.day),
        incident_month=str(yesterday.month),
        incident_year=str(yesterday.year),
        incident_time="10:40",
        location="Playground",
        reason_for_recording="A disclosure at break",
        account="She said she is frightened to go home tonight.",
        immediate_danger="yes",
        action="continue",
    )
    assert urlsplit(checked.url).path == f"{draft_path}check/", checked.url
    return staff.submit(checked, checked.form(f"{draft_path}check/"))


def start_transfer(dsl: Browser, web: Web, pupil_id: str) -> str:
    """The pupil leaves today for a school outside the service: the file starts preparing.
    Returns the transfer's address."""
    page = dsl.get(f"{web.public}/pupils/{pupil_id}/transfer/")
    assert page.status == 200, page.status
    done = dsl.submit(
        page,
        page.form(f"/pupils/{pupil_id}/transfer/"),
        leaving_date=timezone.localdate().strftime("%d/%m/%Y"),
        destination="elsewhere",
        destination_name="Riverside Academy",
        destination_address="1 River Road\nExampletown\nEX1 1AA",
    )
    assert re.fullmatch(r"/transfers/[0-9a-f-]+/", urlsplit(done.url).path), done.url
    return done.url


# --- What the processes did ---------------------------------------------------------------------


def workers_that_ran(deployment: Deployment, task: str) -> list[str]:
    """The workers whose log shows the task done (Celery logs each task it finishes)."""
    done = re.compile(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded")
    return [
        name
        for name in ("worker-alerts", "worker-exports")
        if done.search(deployment.process(name).output())
    ]


def signature_of(pdf: bytes) -> str:
    """The signer of the PDF's signature, which must be intact, cryptographically valid and
    cover the whole file (pyHanko; the school's certificate is its own, so not trusted here)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    (embedded,) = PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures
    status: Any = validate_pdf_signature(
        embedded, signer_validation_context=ValidationContext(trust_roots=[])
    )
    assert status.intact, status.summary()
    assert status.valid, status.summary()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return str(embedded.signer_cert.subject.human_friendly)


def check_workers_answer(deployment: Deployment) -> None:
    """`manage.py health worker --node ...` finds each worker by its name, on the same host."""
    for node in ("alerts", "exports"):
        health = deployment.manage("health", "worker", "--node", node)
        assert health.returncode == 0, health.stdout + health.stderr


def check_one_scheduler_only(deployment: Deployment) -> None:
    """`manage.py health scheduler` says the scheduler is running, and a second scheduler started
    beside it sends nothing (it refuses to start, or waits for the first one's lock) while the
    first goes on sending."""
    health = deployment.manage("health", "scheduler")
    assert health.returncode == 0, health.stdout + health.stderr
    first = deployment.process("scheduler")
    sent_before = first.output().count("Sending due task")
    second = deployment.scheduler("scheduler-second")
    # Once it has started (as far as it will: a scheduler waiting for the lock may say nothing
    # more), two of the job's intervals and a second: an unlocked scheduler sends the job at once
    # (due since the first one last sent it) and again an interval later.
    with contextlib.suppress(AssertionError):
        wait_for(
            "the second scheduler to start or stop",
            lambda: "beat: Starting..." in second.output() or not second.alive(),
            SECOND_SCHEDULER_START,
        )
    deadline = time.monotonic() + PERIODIC_EVERY_SECONDS * 2 + 1
    while time.monotonic() < deadline and second.alive():
        time.sleep(0.2)
    assert "Sending due task" not in second.output(), second.tail()
    assert first.output().count("Sending due task") > sent_before, "the first scheduler stopped"
    second.stop()


def check_control_sockets_apart(deployment: Deployment) -> None:
    """Each gunicorn has its own control socket, where GUNICORN_CONTROL_SOCKET says (one fixed
    path in the home directory was shared by every instance on a host)."""
    paths = []
    for name in ("web-a", "web-b"):
        found = re.search(r"Control socket listening at (\S+)", deployment.process(name).output())
        if found:
            paths.append(found.group(1))
    assert len(set(paths)) == len(paths), paths
    assert all(path.startswith(str(deployment.directory)) for path in paths), paths
