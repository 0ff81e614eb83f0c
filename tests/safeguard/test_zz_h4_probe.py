import re
from django.contrib import admin
from django.urls import reverse
from schools.models import School, Pupil
import schools.admin as sa
from tests.factories import UserFactory
from tests.safeguard.test_platform_admin_crawl import _childrens_data, demo  # noqa


def test_probe(client, demo, monkeypatch):
    monkeypatch.setattr(sa, "holdings", lambda obj: [])
    monkeypatch.setattr(sa.NoRelatedListingMixin, "get_deleted_objects", lambda self, objs, request: admin.ModelAdmin.get_deleted_objects(self, objs, request))
    client.force_login(UserFactory(is_superuser=True, is_staff=True, email="root@platform.example"))
    r = client.get(reverse("admin:schools_school_delete", args=[School.objects.get(slug="alderbrook").pk]))
    print("STATUS", r.status_code, r.get("Location"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.content.decode()))
    i = text.find("Are you sure")
    print("BODY", text[max(i,0):max(i,0)+1500])
