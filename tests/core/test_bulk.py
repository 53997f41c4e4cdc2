"""Many rows in one statement (``bulk_insert``): what is read back is what was inserted, keys set in order, and a
conflict raises as ``bulk_create`` does. On PostgreSQL (CI) this is the ``unnest`` path; elsewhere bulk_create."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from europass.core.bulk import bulk_insert
from wallet.models import ClaimToken


def _token(n: int, **extra: object) -> ClaimToken:
    values: dict[str, object] = {
        "token_hash": f"{n:064d}",
        "email": f"holder{n}@example.test",
        "credential_id": f"urn:uuid:{n}",
        "xml": b"<xml>\x00\xff" + bytes([n % 256]),
        "issuer_name": "Université de démonstration",
        "title": "Licence d'informatique — parcours « réseaux »",
        "expires_at": timezone.now() + dt.timedelta(days=n),
    }
    values.update(extra)
    return ClaimToken(**values)


@pytest.mark.django_db
def test_rows_inserted_in_bulk_read_back_as_they_were_given_with_their_keys_in_order() -> None:
    rows = [_token(n, claimed_at=None if n % 2 else timezone.now()) for n in range(1, 2501)]
    inserted = bulk_insert(rows, batch_size=1000)
    assert [row.pk for row in inserted] == sorted(row.pk for row in inserted)
    assert all(row.pk is not None and not row._state.adding for row in inserted)
    stored = {row.pk: row for row in ClaimToken.objects.all()}
    assert len(stored) == 2500
    for row in inserted:
        again = stored[row.pk]
        assert (again.token_hash, again.email, again.credential_id) == (
            row.token_hash,
            row.email,
            row.credential_id,
        )
        assert bytes(again.xml) == row.xml and bytes(again.companion) == b""  # a default, as Django stores it
        assert (again.issuer_name, again.title) == (row.issuer_name, row.title)
        assert again.expires_at == row.expires_at and again.claimed_at == row.claimed_at
        assert again.created_at is not None


@pytest.mark.django_db
def test_a_conflicting_row_inserts_nothing_and_raises_an_integrity_error() -> None:
    bulk_insert([_token(1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert([_token(2), _token(1)])
    assert ClaimToken.objects.count() == 1


@pytest.mark.django_db
def test_nothing_to_insert_is_no_statement(django_assert_num_queries: object) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert bulk_insert([]) == []
