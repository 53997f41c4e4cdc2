"""The EU trusted lists out of the box: a LOTL and two national lists made and signed here with test keys, served by
a real HTTP server on 127.0.0.1 (never the internet), synced through the guarded fetcher into time-aware anchors."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from europass.core.health import trusted_lists_health
from europass.credentials.example import example_credential
from europass.registry.models import TrustAnchor, TrustedListSync
from europass.registry.selectors import build_trust_store, trust_store
from europass.registry.services import trust_anchor_add
from europass.sealing.keys import SealKey
from europass.sealing.report import CheckStatus
from europass.sealing.seal import Sealer
from verification.services import verify_xml
from verification.trusted_lists import lotl_signers, trusted_list_sync, trusted_list_sync_due

from .pki import (
    EU_LOTL,
    FOR_ESEALS,
    FOR_ESIGNATURES,
    GRANTED,
    TSA_QTST,
    WITHDRAWN,
    FixedTimeStamper,
    Issued,
    Past,
    Pointer,
    Service,
    iso,
    list_of_lists,
    make_certificate,
    sign_list,
    trusted_list,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
WITHDRAWN_AT = NOW - dt.timedelta(days=1)
ESEALS_FROM = NOW - dt.timedelta(days=10)
LONG_AGO = NOW - dt.timedelta(days=400)


class _Files(BaseHTTPRequestHandler):
    files: dict[str, bytes]

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.etsi.tsl+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class Server:
    base: str
    files: dict[str, bytes]

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def server(settings: Any) -> Iterator[Server]:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    files: dict[str, bytes] = {}
    handler = type("Files", (_Files,), {"files": files})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", files)
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class World:
    """Who signs what, and the CAs the lists carry."""

    server: Server
    lotl_signer: Issued = field(default_factory=lambda: make_certificate("LOTL signer", ca=False))
    fr_signer: Issued = field(default_factory=lambda: make_certificate("FR list signer", ca=False))
    de_signer: Issued = field(default_factory=lambda: make_certificate("DE list signer", ca=False))
    fr_seals: Issued = field(default_factory=lambda: make_certificate("FR seals CA", not_before=LONG_AGO))
    fr_old: Issued = field(default_factory=lambda: make_certificate("FR old CA", not_before=LONG_AGO))
    fr_late: Issued = field(default_factory=lambda: make_certificate("FR late CA", not_before=LONG_AGO))
    fr_tsa: Issued = field(
        default_factory=lambda: make_certificate("FR time-stamping unit", ca=False, not_before=LONG_AGO)
    )
    de_ca: Issued = field(default_factory=lambda: make_certificate("DE signatures CA", not_before=LONG_AGO))

    @property
    def lotl_url(self) -> str:
        return self.server.url("/tools/lotl/eu-lotl.xml")

    def fr_list(self, *, sequence: int = 7, signer: Issued | None = None) -> bytes:
        return sign_list(
            trusted_list(
                "FR",
                {
                    "France Trust": [
                        Service("FR qualified seals", [self.fr_seals.der], additional=[FOR_ESEALS]),
                        Service(
                            "FR old qualified seals",
                            [self.fr_old.der],
                            status=WITHDRAWN,
                            started=iso(WITHDRAWN_AT),
                            history=[Past(GRANTED, "2020-01-01T00:00:00Z", [FOR_ESEALS])],
                        ),
                        Service(
                            "FR seals since lately",
                            [self.fr_late.der],
                            started=iso(ESEALS_FROM),
                            additional=[FOR_ESEALS],
                            history=[Past(GRANTED, "2020-01-01T00:00:00Z", [FOR_ESIGNATURES])],
                        ),
                    ],
                    "France Clock": [Service("FR qualified time-stamps", [self.fr_tsa.der], TSA_QTST)],
                },
                sequence=sequence,
            ),
            signer or self.fr_signer,
        )

    def de_list(self, *, signer: Issued | None = None) -> bytes:
        return sign_list(
            trusted_list(
                "DE",
                {"Deutsche Trust": [Service("DE qualified signatures", [self.de_ca.der], additional=[])]},
                sequence=3,
            ),
            signer or self.de_signer,
        )

    def lotl(
        self,
        *,
        sequence: int = 300,
        signer: Issued | None = None,
        pivots: list[str] | None = None,
        oj: str = "",
    ) -> bytes:
        return sign_list(
            list_of_lists(
                [
                    Pointer("EU", self.lotl_url, [self.lotl_signer.der], tsl_type=EU_LOTL),
                    Pointer("FR", self.server.url("/fr/tsl.xml"), [self.fr_signer.der]),
                    Pointer(
                        "FR",
                        self.server.url("/fr/tsl.pdf"),
                        [self.fr_signer.der],
                        mime_type="application/pdf",
                    ),
                    Pointer("DE", self.server.url("/de/tsl.xml"), [self.de_signer.der]),
                ],
                sequence=sequence,
                pivots=pivots,
                oj=oj,
            ),
            signer or self.lotl_signer,
        )

    def publish(self) -> None:
        self.server.files.update(
            {
                "/tools/lotl/eu-lotl.xml": self.lotl(),
                "/fr/tsl.xml": self.fr_list(),
                "/de/tsl.xml": self.de_list(),
            }
        )

    def sync(self, **kwargs: Any) -> TrustedListSync:
        kwargs.setdefault("signers", [self.lotl_signer.der])
        return trusted_list_sync(lotl_url=self.lotl_url, **kwargs)


@pytest.fixture
def world(server: Server) -> World:
    world = World(server)
    world.publish()
    return world


def _anchor(issued: Issued) -> TrustAnchor:
    return TrustAnchor.objects.get(fingerprint_sha256=hashlib.sha256(issued.der).hexdigest())


def _state() -> list[tuple[Any, ...]]:
    return list(
        TrustAnchor.objects.order_by("fingerprint_sha256").values_list(
            "fingerprint_sha256", "active", "list_sequence_number", "status_history", "qualified_for_seals"
        )
    )


def _sealed(ca: Issued, tsa: Issued, proven_at: dt.datetime) -> bytes:
    """An example credential sealed under ``ca``, its sealing time proven by ``tsa``'s time-stamp at ``proven_at``."""
    leaf = make_certificate("Université de Test e-seal", ca=False, issuer=ca, not_before=LONG_AGO)
    sealer = Sealer(SealKey(leaf.key, leaf.certificate, ()), timestamper=FixedTimeStamper(tsa, proven_at))
    return sealer.seal(example_credential().to_xml())


# --- the sync ---------------------------------------------------------------------------------------------------


def test_each_national_list_is_verified_against_the_lotl_and_imported_with_its_source(world: World) -> None:
    sync = world.sync()
    assert sync.ok and sync.finished_at is not None
    assert (sync.lists_fetched, sync.lists_failed, sync.lotl_sequence_number) == (2, 0, "300")
    assert sync.services_imported == 5 and sync.anchors_changed == 5
    seals = _anchor(world.fr_seals)
    assert seals.active and seals.qualified_for_seals and seals.source == "trusted list FR"
    assert (seals.territory, seals.list_sequence_number, seals.service_name, seals.provider_name) == (
        "FR",
        "7",
        "FR qualified seals",
        "France Trust",
    )
    assert (seals.lotl_url, seals.lotl_sequence_number) == (world.lotl_url, "300")
    assert seals.list_url == world.server.url("/fr/tsl.xml")
    de = _anchor(world.de_ca)
    assert (
        de.territory == "DE" and not de.qualified_for_seals
    )  # CA/QC without ForeSeals: trusted, not for seals
    assert _anchor(world.fr_tsa).service_type == "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
    assert sync.territories["FR"]["state"] == "imported" and sync.territories["FR"]["services"] == 4


def test_a_withdrawn_service_keeps_its_history_and_is_not_qualified_now(world: World) -> None:
    world.sync()
    old = _anchor(world.fr_old)
    assert old.active and not old.qualified_for_seals
    assert [(entry["status"].rsplit("/", 1)[-1], entry["granted"]) for entry in old.status_history] == [
        ("granted", True),
        ("withdrawn", False),
    ]
    assert old.status_history[0]["until"] == old.status_history[1]["from"] == WITHDRAWN_AT.isoformat()


def test_syncing_the_same_lists_again_changes_nothing(world: World) -> None:
    world.sync()
    before = _state()
    again = world.sync()
    assert again.ok and again.anchors_changed == 0 and _state() == before
    assert TrustedListSync.objects.count() == 2


@pytest.mark.parametrize("how", ["impostor", "altered"])
def test_a_national_list_with_a_bad_signature_is_not_imported_and_reported_while_the_others_are(
    world: World, how: str
) -> None:
    if how == "impostor":
        world.server.files["/de/tsl.xml"] = world.de_list(signer=make_certificate("Impostor", ca=False))
    else:
        world.server.files["/de/tsl.xml"] = world.de_list().replace(
            b"DE qualified signatures", b"DE qualified sealing"
        )
    sync = world.sync()
    assert sync.ok and (sync.lists_fetched, sync.lists_failed) == (1, 1)
    assert sync.territories["DE"]["state"] == "failed" and "signature" in sync.territories["DE"]["reason"]
    assert any(message.startswith("DE:") for message in sync.messages)
    assert not TrustAnchor.objects.filter(territory="DE").exists()
    assert _anchor(world.fr_seals).active


def test_a_list_that_does_not_download_keeps_its_territory_as_it_was(world: World) -> None:
    world.sync()
    de_before = TrustAnchor.objects.filter(territory="DE").values_list("fingerprint_sha256", "active").get()
    del world.server.files["/de/tsl.xml"]
    world.server.files["/fr/tsl.xml"] = world.fr_list(sequence=8)
    sync = world.sync()
    assert (
        sync.ok and sync.territories["DE"]["state"] == "failed" and "404" in sync.territories["DE"]["reason"]
    )
    assert (
        TrustAnchor.objects.filter(territory="DE").values_list("fingerprint_sha256", "active").get()
        == de_before
    )
    assert _anchor(world.de_ca).list_sequence_number == "3"
    assert _anchor(world.fr_seals).list_sequence_number == "8"  # the others moved on


def test_a_list_larger_than_the_cap_is_refused_and_reported(world: World, settings: Any) -> None:
    settings.TRUSTED_LIST_MAX_BYTES = len(world.server.files["/tools/lotl/eu-lotl.xml"]) + 10
    world.server.files["/fr/tsl.xml"] = world.fr_list() + b" " * 100_000
    sync = world.sync()
    assert sync.ok and sync.territories["FR"]["state"] == "failed"
    assert "larger" in sync.territories["FR"]["reason"] and sync.territories["DE"]["state"] == "imported"


def test_a_service_the_list_no_longer_carries_is_deactivated(world: World) -> None:
    world.sync()
    world.server.files["/fr/tsl.xml"] = sign_list(
        trusted_list(
            "FR",
            {"France Trust": [Service("FR qualified seals", [world.fr_seals.der], additional=[FOR_ESEALS])]},
            sequence=9,
        ),
        world.fr_signer,
    )
    sync = world.sync()
    assert sync.territories["FR"]["removed"] == 3
    assert not _anchor(world.fr_old).active and _anchor(world.fr_seals).active


def test_an_anchor_added_by_hand_is_left_as_it_is(world: World) -> None:
    manual = trust_anchor_add(pem=world.fr_old.pem, name="Added by hand", qualified_for_seals=True)
    sync = world.sync()
    manual.refresh_from_db()
    assert manual.source == "manual" and manual.qualified_for_seals and manual.status_history == []
    assert any("by hand" in reason for reason in sync.territories["FR"]["skipped"])


# --- the LOTL -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["impostor", "altered", "missing"])
def test_a_lotl_that_fails_changes_nothing(world: World, how: str) -> None:
    world.sync()
    before = _state()
    world.server.files["/de/tsl.xml"] = world.de_list(signer=make_certificate("Other", ca=False))
    if how == "impostor":
        world.server.files["/tools/lotl/eu-lotl.xml"] = world.lotl(
            sequence=301, signer=make_certificate("X", ca=False)
        )
    elif how == "altered":
        world.server.files["/tools/lotl/eu-lotl.xml"] = world.lotl(sequence=301).replace(
            b"/de/tsl.xml", b"/de/new.xml"
        )
    else:
        del world.server.files["/tools/lotl/eu-lotl.xml"]
    sync = world.sync()
    assert not sync.ok and sync.finished_at is not None and sync.lists_fetched == 0
    assert "Nothing was changed" in " ".join(sync.messages)
    assert _state() == before


def test_the_signers_announced_by_a_pivot_lotl_are_followed_from_the_official_journal(world: World) -> None:
    official, announced = make_certificate("OJ signer", ca=False), world.lotl_signer
    pivot_url = world.server.url("/tools/lotl/eu-lotl-pivot-299.xml")
    world.server.files["/tools/lotl/eu-lotl-pivot-299.xml"] = world.lotl(sequence=299, signer=official)
    world.server.files["/tools/lotl/eu-lotl.xml"] = world.lotl(signer=announced, pivots=[pivot_url])
    sync = world.sync(signers=[official.der])
    assert sync.ok and sync.lists_fetched == 2
    del world.server.files["/tools/lotl/eu-lotl-pivot-299.xml"]  # the chain broken: the new signer is unknown
    broken = world.sync(signers=[official.der])
    assert not broken.ok and any("pivot-299" in message for message in broken.messages)


def test_a_lotl_naming_another_official_journal_publication_is_reported(world: World, settings: Any) -> None:
    world.server.files["/tools/lotl/eu-lotl.xml"] = world.lotl(oj=settings.TRUSTED_LIST_OJ_URL)
    assert not world.sync().messages
    newer = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=uriserv:OJ.C_.2027.001.01.0001.01.ENG"
    world.server.files["/tools/lotl/eu-lotl.xml"] = world.lotl(oj=newer)
    sync = world.sync()
    assert sync.ok and any(
        newer in message and "TRUSTED_LIST_LOTL_SIGNERS" in message for message in sync.messages
    )


def test_the_fetcher_rules_apply_to_the_lists(world: World, settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    sync = world.sync()
    assert not sync.ok and "internal" in " ".join(sync.messages)
    assert not TrustAnchor.objects.exists()


def test_the_shipped_official_journal_certificates_are_the_default_signers(settings: Any) -> None:
    assert Path(settings.TRUSTED_LIST_LOTL_SIGNERS).name == "oj-lotl-signers.pem"
    signers = lotl_signers()
    assert len(signers) == 8 and all(der[:1] == b"\x30" for der in signers)
    assert settings.TRUSTED_LIST_LOTL_URL == "https://ec.europa.eu/tools/lotl/eu-lotl.xml"


# --- time-aware anchors --------------------------------------------------------------------------------------------


def test_a_seal_proven_before_its_ca_was_withdrawn_is_trusted_and_one_proven_after_is_not(
    world: World,
) -> None:
    world.sync()
    # the time-stamps come from the qualified time-stamping service the FR list grants
    before = verify_xml(_sealed(world.fr_old, world.fr_tsa, WITHDRAWN_AT - dt.timedelta(hours=2)))
    after = verify_xml(_sealed(world.fr_old, world.fr_tsa, WITHDRAWN_AT + dt.timedelta(hours=2)))
    trusted, untrusted = before.check("certificate_trusted"), after.check("certificate_trusted")
    assert trusted is not None and trusted.status == CheckStatus.PASSED
    assert trusted.details["judged_at"] == WITHDRAWN_AT - dt.timedelta(hours=2)
    assert untrusted is not None and untrusted.status == CheckStatus.FAILED
    assert untrusted.details["judged_at"] == WITHDRAWN_AT + dt.timedelta(hours=2)
    assert "not granted at the signing time" in untrusted.message("en")
    assert "n'était pas octroyé" in untrusted.message("fr")


def test_qualified_for_seals_follows_the_status_in_force_at_the_moment_judged(world: World) -> None:
    world.sync()
    leaf = make_certificate("Seal", ca=False, issuer=world.fr_late, not_before=LONG_AGO)
    store = trust_store()
    now = store.validate(leaf.der, moment=NOW)  # cached first: the earlier moment must not reuse it
    then = store.validate(leaf.der, moment=ESEALS_FROM - dt.timedelta(days=1))
    assert now.trusted and now.anchor is not None and now.anchor.qualified_for_seals
    assert then.trusted and then.anchor is not None and not then.anchor.qualified_for_seals
    assert store.validate(leaf.der, moment=NOW - dt.timedelta(hours=1)).anchor.qualified_for_seals  # type: ignore[union-attr]


def test_a_seal_certificate_never_chains_to_a_time_stamping_service(world: World) -> None:
    world.sync()
    unit = make_certificate("Seal under a TSU", ca=False, issuer=world.fr_tsa, not_before=LONG_AGO)
    store = build_trust_store()
    assert not store.validate(unit.der, moment=NOW).trusted
    assert store.timestamp_authority(world.fr_tsa.der, NOW) is not None
    assert store.timestamp_authority(world.fr_seals.der, NOW) is None


def test_anchors_added_by_hand_are_trusted_at_any_moment() -> None:
    ca = make_certificate("Manual CA", not_before=LONG_AGO)
    trust_anchor_add(pem=ca.pem, name="Manual", qualified_for_seals=True)
    leaf = make_certificate("Seal", ca=False, issuer=ca, not_before=LONG_AGO)
    for moment in (LONG_AGO + dt.timedelta(days=1), NOW):
        path = build_trust_store().validate(leaf.der, moment=moment)
        assert path.trusted and path.anchor is not None and path.anchor.qualified_for_seals


# --- production: beat, health, admin, command ---------------------------------------------------------------------


def test_the_beat_schedule_runs_the_sync_daily_and_whenever_one_is_due(settings: Any) -> None:
    from europass.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"] for entry in schedule.values()}
    assert tasks == {"verification.trusted_list_sync", "verification.trusted_list_sync_if_due"}
    daily = schedule["trusted-list-sync-daily"]["schedule"]
    assert daily.hour == {3} and daily.minute == {17} and len(daily.day_of_month) == 31
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
    assert app.conf.beat_schedule == schedule


def test_a_sync_is_due_on_a_fresh_install_and_not_again_until_a_day_has_passed(
    world: World, settings: Any
) -> None:
    assert trusted_list_sync_due()
    sync = world.sync()
    assert sync.finished_at is not None
    assert not trusted_list_sync_due(sync.finished_at + dt.timedelta(hours=23))
    assert trusted_list_sync_due(sync.finished_at + dt.timedelta(hours=25))
    settings.TRUSTED_LIST_SYNC_ENABLED = False
    assert not trusted_list_sync_due(sync.finished_at + dt.timedelta(hours=25))


def test_a_failed_sync_is_retried_an_hour_later_not_at_every_check(server: Server) -> None:
    failed = trusted_list_sync(
        lotl_url=server.url("/nothing.xml"), signers=[make_certificate("S", ca=False).der]
    )
    assert not failed.ok
    assert not trusted_list_sync_due(failed.started_at + dt.timedelta(minutes=15))
    assert trusted_list_sync_due(failed.started_at + dt.timedelta(minutes=61))


def test_healthz_shows_the_last_successful_sync(world: World, client: Client) -> None:
    assert client.get("/healthz").json()["trusted_lists"] == {
        "state": "pending",
        "last_sync": None,
        "age_seconds": None,
    }
    sync = world.sync()
    body = client.get("/healthz").json()["trusted_lists"]
    assert sync.finished_at is not None
    assert body["state"] == "ok" and body["last_sync"] == sync.finished_at.isoformat()
    assert 0 <= body["age_seconds"] < 60


def test_a_missing_sync_fails_healthz_only_once_the_first_has_had_time_to_run(settings: Any) -> None:
    assert trusted_lists_health().state == "pending" and trusted_lists_health().healthy
    settings.TRUSTED_LIST_HEALTH_GRACE_SECONDS = 0
    assert trusted_lists_health().state == "missing" and not trusted_lists_health().healthy
    settings.TRUSTED_LIST_SYNC_ENABLED = False
    assert trusted_lists_health().state == "disabled" and trusted_lists_health().healthy


def test_a_sync_older_than_the_allowed_age_is_stale(world: World, settings: Any) -> None:
    sync = world.sync()
    assert sync.finished_at is not None
    later = sync.finished_at + dt.timedelta(seconds=settings.TRUSTED_LIST_MAX_AGE_SECONDS + 1)
    assert trusted_lists_health(later).state == "stale" and not trusted_lists_health(later).healthy


def test_the_admin_lists_the_syncs_and_the_last_successful_one(world: World, admin_client: Client) -> None:
    empty = admin_client.get("/admin/registry/trustedlistsync/")
    assert empty.status_code == 200 and b"No successful sync yet" in empty.content
    good = world.sync()
    del world.server.files["/tools/lotl/eu-lotl.xml"]
    world.sync()
    page = admin_client.get("/admin/registry/trustedlistsync/")
    assert page.status_code == 200
    assert b"Last successful sync" in page.content and b"LOTL 300, 2 lists imported, 0 failed" in page.content
    assert page.content.count(b'class="field-started_at') == 2
    detail = admin_client.get(f"/admin/registry/trustedlistsync/{good.pk}/change/")
    assert detail.status_code == 200 and b"imported" in detail.content
    assert admin_client.get("/admin/registry/trustedlistsync/add/").status_code == 403
    anchor = admin_client.get(f"/admin/registry/trustanchor/{_anchor(world.fr_old).pk}/change/")
    assert (
        anchor.status_code == 200
        and b"withdrawn" in anchor.content
        and b"FR old qualified seals" in anchor.content
    )


def test_the_command_syncs_and_reports_each_territory(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "oj.pem").write_bytes(b"# the OJ's certificates\n" + world.lotl_signer.pem)
    world.server.files["/de/tsl.xml"] = world.de_list(signer=make_certificate("Impostor", ca=False))
    call_command("trusted_list_sync", "--lotl-url", world.lotl_url, "--signers", str(tmp_path / "oj.pem"))
    out = capsys.readouterr()
    assert "FR: list 7, 4 services, 4 added" in out.out and "DE: FAILED" in out.out
    assert "1 lists imported, 1 failed" in out.out and "WARNING: DE:" in out.err
    (tmp_path / "other.pem").write_bytes(make_certificate("Other", ca=False).pem)
    with pytest.raises(CommandError, match="LOTL was refused"):
        call_command(
            "trusted_list_sync", "--lotl-url", world.lotl_url, "--signers", str(tmp_path / "other.pem")
        )


def test_the_command_syncs_one_territory_when_asked(world: World, tmp_path: Path) -> None:
    (tmp_path / "oj.pem").write_bytes(world.lotl_signer.pem)
    call_command(
        "trusted_list_sync",
        "--lotl-url",
        world.lotl_url,
        "--signers",
        str(tmp_path / "oj.pem"),
        "--territory",
        "de",
    )
    assert set(TrustAnchor.objects.values_list("territory", flat=True)) == {"DE"}
