"""A sealed chunk is delivered in a few statements whatever its size: verified holders get it in their wallet,
the others one claim link each over one mail connection; twice is once; a refused email fails only its own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from europass.accounts.models import User
from europass.registry.models import Organisation
from issuing.models import Batch, IssuedCredential
from issuing.services.batches import batch_confirm, batch_upload
from issuing.services.delivery import credentials_deliver
from issuing.services.sealing import credentials_seal
from tests.issuing.conftest import rows_created
from wallet.models import ClaimToken, WalletCredential

from .conftest import learner, xlsx

pytestmark = pytest.mark.django_db


def _sealed_batch(
    organisation: Organisation, staff: User, count: int, monkeypatch: pytest.MonkeyPatch, *, first: int = 1
) -> Batch:
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    monkeypatch.setattr("issuing.services.sealing._enqueue_delivery", lambda ids: None)
    batch = batch_confirm(
        batch=batch_upload(
            organisation=organisation,
            actor=staff,
            data=xlsx([learner(i) for i in range(first, first + count)]),
            filename=f"{count}.xlsx",
        ),
        actor=staff,
    )
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    return batch


def _verified(email: str) -> User:
    user = User.objects.create_user(email, "a-long-Passphrase-42")
    EmailAddress.objects.create(user=user, email=email.upper(), verified=True, primary=True)
    return user


def _ids(batch: Batch) -> list[int]:
    return list(batch.credentials.order_by("id").values_list("id", flat=True))


def test_delivering_a_chunk_costs_the_same_statements_for_ten_or_thirty_credentials(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = []
    for size, first in ((10, 1), (30, 100)):
        _verified(
            f"learner{first}@example.org"
        )  # one holder with an account in each chunk, the others emailed
        batch = _sealed_batch(organisation, staff, size, monkeypatch, first=first)
        ids = _ids(batch)
        with CaptureQueriesContext(connection) as queries:
            delivered = credentials_deliver(credential_ids=ids)
        assert delivered == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # read, find accounts, wallets kept, insert, links made, insert, one update per outcome (on SQLite each insert
    # is two statements, the rows then their keys, whatever their number)
    assert counts[1] <= 14


def test_verified_holders_get_it_in_their_wallet_and_the_others_one_link_each_over_one_connection(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = _verified("learner2@example.org")
    opened: list[Any] = []
    original = EmailBackend.open

    def counted_open(self: EmailBackend) -> Any:
        opened.append(self)
        return original(self)

    monkeypatch.setattr(EmailBackend, "open", counted_open)
    batch = _sealed_batch(organisation, staff, 4, monkeypatch)
    assert credentials_deliver(credential_ids=_ids(batch)) == 4
    by_email = {c.holder_email: c.delivery for c in batch.credentials.all()}
    assert by_email["learner2@example.org"] == IssuedCredential.Delivery.WALLET
    assert [by_email[f"learner{i}@example.org"] for i in (1, 3, 4)] == [IssuedCredential.Delivery.EMAILED] * 3
    assert (
        WalletCredential.objects.get(owner=holder).credential_id
        == batch.credentials.get(holder_email="learner2@example.org").credential_id
    )
    assert sorted(m.to[0] for m in mail.outbox) == [f"learner{i}@example.org" for i in (1, 3, 4)]
    assert len(opened) == 1
    assert ClaimToken.objects.count() == 3
    links = {re.findall(r"/wallet/claim/[^/\s]+/", str(m.body))[0] for m in mail.outbox}
    assert len(links) == 3  # each email its own link, in both languages
    assert all(len(set(re.findall(r"/wallet/claim/[^/\s]+/", str(m.body)))) == 1 for m in mail.outbox)
    assert all(m.body.count("/wallet/claim/") == 2 for m in mail.outbox)


def test_a_chunk_delivered_twice_keeps_each_credential_once_and_emails_each_link_once(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _verified("learner1@example.org")
    batch = _sealed_batch(organisation, staff, 3, monkeypatch)
    credentials_deliver(credential_ids=_ids(batch))
    batch.credentials.update(delivery=IssuedCredential.Delivery.NOT_YET)  # as if the task ran again
    assert credentials_deliver(credential_ids=_ids(batch)) == 3
    assert WalletCredential.objects.count() == 1
    assert ClaimToken.objects.count() == 2
    assert len(mail.outbox) == 2


class _Refusing(EmailBackend):
    def send_messages(self, messages: Any) -> int:
        if any("learner2@" in address for message in messages for address in message.to):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_an_email_the_mail_server_refuses_fails_only_its_credential_and_keeps_no_link(
    organisation: Organisation, staff: User, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}._Refusing"
    batch = _sealed_batch(organisation, staff, 3, monkeypatch)
    assert credentials_deliver(credential_ids=_ids(batch)) == 2
    by_email = {c.holder_email: c.delivery for c in batch.credentials.all()}
    assert by_email["learner2@example.org"] == IssuedCredential.Delivery.FAILED
    assert (
        by_email["learner1@example.org"]
        == by_email["learner3@example.org"]
        == IssuedCredential.Delivery.EMAILED
    )
    assert not ClaimToken.objects.filter(email="learner2@example.org").exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["learner1@example.org", "learner3@example.org"]


def test_a_large_batch_goes_in_the_largest_chunks_and_a_smaller_one_in_sixteen(settings: Any) -> None:
    from issuing.services.batches import chunk_size

    settings.ISSUING_CHUNK_SIZE = 500
    assert chunk_size(50_000) == 500  # 100 tasks: a few statements and one message per 500 credentials
    assert chunk_size(1_600) == 100  # 16 tasks: every worker gets a share, the progress moves
    assert chunk_size(20) == 25  # one task: no chunk smaller than 25
    settings.ISSUING_CHUNK_SIZE = 10
    assert chunk_size(200) == 10  # the operator's limit wins
