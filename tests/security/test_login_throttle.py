"""Password guessing on any sign-in form (allauth's and the admin's) is locked out per account and client, the
client as every rate limit sees it (NUM_PROXIES), and no stranger can lock the owner out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from europass.accounts import throttling
from europass.accounts.adapter import AccountAdapter
from europass.accounts.models import User

pytestmark = pytest.mark.django_db

EMAIL = "owner@example.org"
RIGHT = "the-Owner's-passphrase-42"
WRONG = "a-wrong-guess"
OWNER_ADDRESS = "198.51.100.10"
STRANGER_ADDRESS = "203.0.113.66"


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any, tmp_path: Path) -> None:
    """The production cache without Redis, empty for each test; the default limits."""
    settings.CACHES = {
        "default": {
            "BACKEND": "europass.core.cache.AtomicFileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    settings.LOGIN_LOCKOUT_SECONDS = 900
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT = 5
    settings.LOGIN_FAILURES_PER_CLIENT = 50
    settings.LOGIN_FAILURES_PER_ACCOUNT = 20


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user(EMAIL, RIGHT, is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    return user


@dataclass(frozen=True)
class SignInForm:
    name: str
    url_name: str
    login_field: str

    def post(self, client: Client, login: str, password: str, address: str, **meta: str) -> Any:
        data = {self.login_field: login, "password": password}
        if self.name == "admin":
            data["next"] = "/admin/"
        extra: dict[str, Any] = {"REMOTE_ADDR": address, **meta}
        return client.post(reverse(self.url_name), data, **extra)


ALLAUTH = SignInForm("allauth", "account_login", "login")
ADMIN = SignInForm("admin", "admin:login", "username")
FORMS = pytest.mark.parametrize("form", [ALLAUTH, ADMIN], ids=lambda form: form.name)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(form: SignInForm, times: int, address: str, login: str = EMAIL, **meta: str) -> list[int]:
    statuses = []
    for _ in range(times):
        client = Client()
        statuses.append(form.post(client, login, WRONG, address, **meta).status_code)
        assert not _signed_in(client)
    return statuses


def _assert_locked_out(response: Any, client: Client) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-in attempts. Please try again in 15 minutes." in response.content.decode()
    assert not _signed_in(client)


def test_the_admin_login_refuses_the_right_password_after_twenty_wrong_ones(owner: User) -> None:
    statuses = _fail(ADMIN, 20, STRANGER_ADDRESS)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 15
    client = Client()
    _assert_locked_out(ADMIN.post(client, EMAIL, RIGHT, STRANGER_ADDRESS), client)


@FORMS
def test_after_five_failures_the_client_is_refused_even_the_right_password(
    form: SignInForm, owner: User
) -> None:
    _fail(form, 5, STRANGER_ADDRESS)
    client = Client()
    _assert_locked_out(form.post(client, EMAIL, RIGHT, STRANGER_ADDRESS), client)


@FORMS
def test_a_lockout_earned_on_one_form_holds_on_the_other(form: SignInForm, owner: User) -> None:
    other = ADMIN if form is ALLAUTH else ALLAUTH
    _fail(form, 5, STRANGER_ADDRESS)
    client = Client()
    _assert_locked_out(other.post(client, EMAIL, RIGHT, STRANGER_ADDRESS), client)


@FORMS
def test_a_stranger_failing_fifty_times_does_not_stop_the_owner_signing_in_from_another_address(
    form: SignInForm, owner: User
) -> None:
    _fail(form, 50, STRANGER_ADDRESS)
    client = Client()
    response = form.post(client, EMAIL, RIGHT, OWNER_ADDRESS)
    assert response.status_code == 302 and _signed_in(client)


@FORMS
def test_many_strangers_guessing_one_account_do_not_stop_the_owner_but_get_one_guess_each(
    form: SignInForm, owner: User
) -> None:
    for i in range(25):  # 25 addresses, one wrong password each: the account is guarded from the 20th
        _fail(form, 1, f"192.0.2.{i + 1}")
    assert _fail(form, 1, "192.0.2.25") == [429]  # failed once while guarded: locked out at once
    assert _fail(form, 1, "192.0.2.3") == [200]  # failed once before: one more guess, then locked out
    assert _fail(form, 1, "192.0.2.3") == [429]
    client = Client()
    response = form.post(client, EMAIL, RIGHT, OWNER_ADDRESS)
    assert response.status_code == 302 and _signed_in(client)


@FORMS
def test_behind_one_trusted_proxy_two_clients_with_different_forwarded_addresses_are_counted_separately(
    form: SignInForm, owner: User, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    _fail(form, 5, proxy, HTTP_X_FORWARDED_FOR=STRANGER_ADDRESS)
    locked = Client()
    _assert_locked_out(form.post(locked, EMAIL, RIGHT, proxy, HTTP_X_FORWARDED_FOR=STRANGER_ADDRESS), locked)
    # The stranger forging an entry in front of the one the proxy added is still the same client.
    forged = Client()
    response = form.post(
        forged, EMAIL, RIGHT, proxy, HTTP_X_FORWARDED_FOR=f"{OWNER_ADDRESS}, {STRANGER_ADDRESS}"
    )
    _assert_locked_out(response, forged)
    owner_client = Client()
    response = form.post(owner_client, EMAIL, RIGHT, proxy, HTTP_X_FORWARDED_FOR=OWNER_ADDRESS)
    assert response.status_code == 302 and _signed_in(owner_client)


@FORMS
def test_without_trusted_proxies_a_forged_forwarded_header_does_not_escape_the_lockout(
    form: SignInForm, owner: User
) -> None:
    for i in range(5):
        _fail(form, 1, STRANGER_ADDRESS, HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}")
    client = Client()
    response = form.post(client, EMAIL, RIGHT, STRANGER_ADDRESS, HTTP_X_FORWARDED_FOR="192.0.2.99")
    _assert_locked_out(response, client)


def test_ipv6_addresses_of_one_network_count_as_one_client(owner: User) -> None:
    for i in range(5):
        _fail(ALLAUTH, 1, f"2001:db8:1:2::{i + 1:x}")
    client = Client()
    _assert_locked_out(ALLAUTH.post(client, EMAIL, RIGHT, "2001:db8:1:2::ff"), client)


@FORMS
def test_one_address_failing_on_many_accounts_is_locked_out_of_every_account(
    form: SignInForm, owner: User
) -> None:
    for i in range(50):
        _fail(form, 1, STRANGER_ADDRESS, login=f"someone{i}@example.org")
    client = Client()
    _assert_locked_out(form.post(client, EMAIL, RIGHT, STRANGER_ADDRESS), client)


@FORMS
def test_a_device_that_signed_in_before_is_not_locked_out_by_a_stranger_at_the_same_address(
    form: SignInForm, owner: User
) -> None:
    shared = "192.0.2.200"  # an office behind one address
    device = Client()
    assert form.post(device, EMAIL, RIGHT, shared).status_code == 302
    cookie = device.cookies[throttling.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    device.logout()  # forgets every cookie: the browser keeps the device cookie, as a real sign-out leaves it
    device.cookies[throttling.DEVICE_COOKIE] = cookie.value
    _fail(form, 10, shared)
    stranger = Client()
    _assert_locked_out(form.post(stranger, EMAIL, RIGHT, shared), stranger)
    response = form.post(device, EMAIL, RIGHT, shared)
    assert response.status_code == 302 and _signed_in(device)


def test_a_device_cookie_of_another_account_or_forged_does_not_count_as_the_owner_s_device(
    owner: User,
) -> None:
    User.objects.create_user("other@example.org", RIGHT)
    EmailAddress.objects.create(
        user=User.objects.get(email="other@example.org"),
        email="other@example.org",
        verified=True,
        primary=True,
    )
    stranger = Client()
    assert ALLAUTH.post(stranger, "other@example.org", RIGHT, STRANGER_ADDRESS).status_code == 302
    cookie = stranger.cookies[throttling.DEVICE_COOKIE].value
    stranger.logout()
    stranger.cookies[throttling.DEVICE_COOKIE] = cookie  # a device of the stranger's own account
    _fail(ALLAUTH, 5, STRANGER_ADDRESS)
    _assert_locked_out(ALLAUTH.post(stranger, EMAIL, RIGHT, STRANGER_ADDRESS), stranger)
    forged = Client()
    forged.cookies[throttling.DEVICE_COOKIE] = "eyJhIjoiMTIzIiwiZCI6IngifQ:forged:signature"
    _assert_locked_out(ALLAUTH.post(forged, EMAIL, RIGHT, STRANGER_ADDRESS), forged)


@FORMS
def test_a_successful_sign_in_forgets_the_client_s_earlier_failures(form: SignInForm, owner: User) -> None:
    _fail(form, 4, OWNER_ADDRESS)
    assert form.post(Client(), EMAIL, RIGHT, OWNER_ADDRESS).status_code == 302
    _fail(form, 4, OWNER_ADDRESS)
    client = Client()
    assert form.post(client, EMAIL, RIGHT, OWNER_ADDRESS).status_code == 302 and _signed_in(client)


def test_the_lockout_ends_after_the_lockout_period(owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail(ALLAUTH, 5, STRANGER_ADDRESS)
    locked = Client()
    _assert_locked_out(ALLAUTH.post(locked, EMAIL, RIGHT, STRANGER_ADDRESS), locked)
    real: Callable[[], float] = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 901)  # the cache's expiries read the same clock
    client = Client()
    assert ALLAUTH.post(client, EMAIL, RIGHT, STRANGER_ADDRESS).status_code == 302 and _signed_in(client)


def test_the_login_is_counted_whatever_its_case_or_spaces(owner: User) -> None:
    for login in (
        "Owner@Example.org",
        " owner@example.org ",
        "OWNER@EXAMPLE.ORG",
        EMAIL,
        "owner@EXAMPLE.org",
    ):
        _fail(ALLAUTH, 1, STRANGER_ADDRESS, login=login)
    client = Client()
    _assert_locked_out(ALLAUTH.post(client, EMAIL, RIGHT, STRANGER_ADDRESS), client)


def test_any_other_authenticate_call_of_a_locked_out_client_is_refused_too(owner: User) -> None:
    _fail(ALLAUTH, 5, STRANGER_ADDRESS)
    request = RequestFactory().post("/", REMOTE_ADDR=STRANGER_ADDRESS)
    assert authenticate(request, email=EMAIL, password=RIGHT) is None
    assert authenticate(request, username=EMAIL, password=RIGHT) is None
    elsewhere = RequestFactory().post("/", REMOTE_ADDR=OWNER_ADDRESS)
    assert authenticate(elsewhere, username=EMAIL, password=RIGHT) == owner


def test_the_lockout_message_is_in_french_for_a_french_visitor(owner: User) -> None:
    _fail(ALLAUTH, 5, STRANGER_ADDRESS)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = ALLAUTH.post(client, EMAIL, RIGHT, STRANGER_ADDRESS)
    assert response.status_code == 429
    assert (
        "Trop de tentatives de connexion échouées. Veuillez réessayer dans 15 minutes."
        in response.content.decode()
    )


def test_allauth_s_own_limits_see_the_client_behind_the_trusted_proxy(settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert AccountAdapter().get_client_ip(request) == "198.51.100.7"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert AccountAdapter().get_client_ip(request) == "10.0.0.2"


def test_a_burst_of_concurrent_guesses_gets_no_more_attempts_than_the_limit(owner: User) -> None:
    """Each attempt is counted before its password is checked: 40 simultaneous guesses, 5 go through."""
    barrier = threading.Barrier(40)
    allowed: list[bool] = []

    def guess() -> None:
        request = RequestFactory().post("/", REMOTE_ADDR=STRANGER_ADDRESS)
        barrier.wait()
        allowed.append(throttling.attempt(request, EMAIL) is None)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 40 and sum(allowed) == 5


def test_a_right_password_that_does_not_sign_in_is_not_counted_as_a_failure(owner: User) -> None:
    unverified = User.objects.create_user("new@example.org", RIGHT)  # allauth: email not verified yet
    citizen = User.objects.create_user("citizen@example.org", RIGHT)  # admin: not staff
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    for _ in range(8):
        response = ALLAUTH.post(Client(), unverified.email, RIGHT, STRANGER_ADDRESS)
        assert response.status_code == 302 and "/accounts/confirm-email/" in response["Location"]
        assert ADMIN.post(Client(), citizen.email, RIGHT, STRANGER_ADDRESS).status_code == 200
    client = Client()
    assert ALLAUTH.post(client, citizen.email, RIGHT, STRANGER_ADDRESS).status_code == 302 and _signed_in(
        client
    )
