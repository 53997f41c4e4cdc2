"""The batch page's live regions speak at milestones only: each poll's answer re-says nothing it said before (the
browser side, with htmx polling, is in tests/e2e/test_accessibility.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import Batch, BatchExport, IssuedCredential

from .conftest import confirmed_batch

pytestmark = pytest.mark.django_db

SAID = re.compile(r'<p id="(progress|export)-said" hx-swap-oob="innerHTML">(.*?)</p>', re.S)
NEXT = re.compile(r'\?said=([\w-]*)"')


def _poll(client: Client, url: str, said: str) -> tuple[str | None, str]:
    """What the answer says (None: nothing) and the milestone its next poll carries."""
    html = client.get(url, {"said": said}).content.decode()
    spoken = SAID.search(html)
    following = NEXT.search(html)
    return (spoken.group(2).strip() if spoken else None), (following.group(1) if following else "")


def test_the_progress_says_started_each_tenth_a_first_failure_and_the_end_once_each(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = confirmed_batch(organisation, staff, 20, monkeypatch)
    page = staff_client.get(f"/issuing/batches/{batch.public_id}/").content.decode()
    assert '<p id="progress-said" class="sr-only" role="status" aria-live="polite"' in page
    bar = re.search(r'<div id="progress"[^>]*>', page)
    # The bar redraws at every poll: it does not speak.
    assert bar and "aria-live" not in bar.group(0) and "role=" not in bar.group(0)
    assert '?said="' in bar.group(0)  # the page has said nothing yet
    url = f"/issuing/batches/{batch.public_id}/progress"
    ids = list(batch.credentials.order_by("id").values_list("pk", flat=True))

    spoken, said = _poll(staff_client, url, "")
    assert spoken == "Sealing started: 20 credentials to seal." and said == "sealing-started-0"
    assert _poll(staff_client, url, said) == (None, said)  # the next poll: nothing new, nothing said
    IssuedCredential.objects.filter(pk=ids[0]).update(status=IssuedCredential.Status.SEALED)  # 5 %
    assert _poll(staff_client, url, said) == (None, said)
    IssuedCredential.objects.filter(pk__in=ids[1:2]).update(status=IssuedCredential.Status.SEALED)  # 10 %
    spoken, said = _poll(staff_client, url, said)
    assert spoken == "10 % sealed: 2 of 20." and said == "sealing-10-0"
    IssuedCredential.objects.filter(pk=ids[2]).update(status=IssuedCredential.Status.FAILED)
    spoken, said = _poll(staff_client, url, said)
    assert spoken == "15 % sealed: 2 of 20. 1 failed." and said == "sealing-10-1"
    IssuedCredential.objects.filter(pk__in=ids[3:]).update(status=IssuedCredential.Status.SEALED)
    IssuedCredential.objects.filter(pk__in=ids).update(
        delivery=IssuedCredential.Delivery.WALLET
    )  # delivered too
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.DONE)
    html = staff_client.get(url, {"said": said}).content.decode()
    assert "Sealing finished: 19 of 20 sealed. 1 failed." in html and "hx-get" not in html


def test_a_poll_carrying_something_else_than_a_milestone_is_answered_with_the_milestone(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = confirmed_batch(organisation, staff, 2, monkeypatch)
    spoken, said = _poll(staff_client, f"/issuing/batches/{batch.public_id}/progress", "x" * 10_000)
    assert spoken == "Sealing started: 2 credentials to seal." and said == "sealing-started-0"


def test_the_zip_progress_says_each_tenth_and_when_it_is_ready_once_each(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = confirmed_batch(organisation, staff, 1, monkeypatch)
    export = BatchExport.objects.create(batch=batch, total=40, rendered=0, parts_total=2)
    url = f"/issuing/batches/{batch.public_id}/exports/{export.public_id}/progress"
    spoken, said = _poll(staff_client, url, "")
    assert spoken == "0 of 40 PDFs rendered (0 %)" and said == "rendering-started"
    BatchExport.objects.filter(pk=export.pk).update(rendered=3)
    assert _poll(staff_client, url, said) == (None, said)
    BatchExport.objects.filter(pk=export.pk).update(rendered=20)
    spoken, said = _poll(staff_client, url, said)
    assert spoken == "20 of 40 PDFs rendered (50 %)" and said == "rendering-50"
    BatchExport.objects.filter(pk=export.pk).update(status=BatchExport.Status.FAILED, error="Disk full.")
    spoken, said = _poll(staff_client, url, said)
    assert spoken == "The zip could not be prepared." and said == ""  # no more polling


def test_the_progress_speaks_french_to_a_french_page(
    organisation: Organisation, staff: User, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = confirmed_batch(organisation, staff, 20, monkeypatch)
    staff_client.cookies["django_language"] = "fr"
    url = f"/issuing/batches/{batch.public_id}/progress"
    # The French requests leave French active in this thread: not after the test.
    with translation.override("en"):
        assert _poll(staff_client, url, "")[0] == "Scellement commencé : 20 attestations à sceller."
        IssuedCredential.objects.filter(
            pk__in=list(batch.credentials.values_list("pk", flat=True))[:4]
        ).update(status=IssuedCredential.Status.SEALED)
        assert _poll(staff_client, url, "sealing-started-0")[0] == "20 % scellés : 4 sur 20."
