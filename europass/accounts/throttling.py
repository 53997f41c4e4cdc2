"""Sign-in throttling: one lockout for every password sign-in (allauth's sign-in page, the admin's, allauth's
re-authentication, any ``authenticate()`` call that carries a request), built so that a stranger cannot turn it
against an account's owner.

Who the client is: the ``client_address`` every rate limit uses (the socket address, or the ``X-Forwarded-For``
entry of the ``NUM_PROXIES`` trusted proxies), IPv6 addresses grouped by /64 (one customer's network, as allauth
does). A browser that signed in to an account before presents a *device cookie* for it (signed, random, issued on
each successful sign-in): when it signs in to that very account, the client is that device, not its address, so
that strangers behind the same address (an office, a carrier-grade NAT) count separately from the owner.

What is counted (wrong passwords only: an attempt refused by a lockout is not checked, so not counted), each count
over ``LOGIN_LOCKOUT_SECONDS`` (15 minutes) from its first failure:

1. failures on one account from one client: at ``LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT`` (5) that client is locked
   out of that account for ``LOGIN_LOCKOUT_SECONDS``, its right password included (guessing stops there; the owner
   signing in from anywhere else is not concerned);
2. failures from one client over all accounts: at ``LOGIN_FAILURES_PER_CLIENT`` (50) that client is locked out of
   every account (one address trying passwords on many accounts);
3. failures on one account from all clients: at ``LOGIN_FAILURES_PER_ACCOUNT`` (20) the account is *guarded* for
   ``LOGIN_LOCKOUT_SECONDS`` (many addresses guessing one password): each further failure locks its client out at
   once instead of after five. A client that has not failed keeps its attempt.

So the owner's right password, from a client that has not been failing, is never refused, however many strangers
fail on the account; the cost of guessing rises for everyone else (one guess per address and lockout period once
the account is guarded). A lockout answers with a sentence saying how long to wait, HTTP 429 and ``Retry-After``
(``LoginThrottleMiddleware``). A right password forgets that client's failures on the account. Each attempt is
counted *before* its password is checked (and taken back when it proves right), with the cache's atomic ``add`` /
``incr`` (Redis, or the file cache's locked increments): a burst of simultaneous guesses gets no more than the
limit. Not covered: a client without a device cookie that shares its address with a stranger (rule 1 and 2 count
them together), and API tokens (DRF's ``TokenAuthentication`` checks a random token, not a password; there is no
API sign-in endpoint).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import secrets
import time
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import ngettext

from europass.core.throttling import client_address, minutes_to_wait

DEVICE_COOKIE = "europass_device"
DEVICE_SALT = "europass.accounts.login-device"
DEVICE_MAX_AGE = 180 * 24 * 3600
LOGIN_FIELDS = ("email", "username", "login")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def account_key(login: str) -> str:
    """The account as the counters know it: a digest of the login as typed, trimmed and lower-cased (unknown
    accounts are counted too; no address appears in the cache)."""
    return _digest(login.strip().lower())


def _network(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _device(request: HttpRequest) -> tuple[str, str] | None:
    """(account, device) of the request's device cookie, if it is one we signed."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), str) or not isinstance(data.get("d"), str):
        return None
    return data["a"], data["d"]


def _client(request: HttpRequest, account: str) -> str:
    device = _device(request)
    if device is not None and device[0] == account:
        return "device:" + _digest(device[1])
    return "address:" + _digest(_network(client_address(request)))


def _keys(account: str, client: str) -> dict[str, str]:
    return {
        "pair": f"login:fail:{account}:{client}",
        "client": f"login:fail-client:{client}",
        "account": f"login:fail-account:{account}",
        "pair_lock": f"login:lock:{account}:{client}",
        "client_lock": f"login:lock-client:{client}",
        "guard": f"login:guard:{account}",
    }


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def _lock(key: str, seconds: int, *, keep: bool = False) -> None:
    until = time.time() + seconds
    if keep:
        cache.add(key, until, timeout=seconds + 1)
    else:
        cache.set(key, until, timeout=seconds + 1)


def _remaining(key: str) -> float:
    until = cache.get(key)
    return max(0.0, float(until) - time.time()) if until else 0.0


def login_wait(request: HttpRequest, login: str) -> float | None:
    """Seconds before this client may try a password on ``login`` again, or None when it may now. A refusal is
    remembered on the request, for ``LoginThrottleMiddleware``'s 429 and ``Retry-After``."""
    account = account_key(login)
    keys = _keys(account, _client(request, account))
    wait = max(_remaining(keys["pair_lock"]), _remaining(keys["client_lock"]))
    if wait <= 0:
        return None
    request._login_retry_after = wait  # type: ignore[attr-defined]
    return wait


def lockout_message(seconds: float) -> str:
    minutes = minutes_to_wait(seconds)
    return ngettext(
        "Too many failed sign-in attempts. Please try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def refuse_if_locked(request: HttpRequest | None, login: str | None) -> None:
    """For sign-in forms: a ``ValidationError`` saying how long to wait when this client is locked out of
    ``login``."""
    if request is None or not login or not login.strip():
        return
    wait = login_wait(request, login)
    if wait is not None:
        raise forms.ValidationError(lockout_message(wait), code="too_many_login_attempts")


def _limits() -> tuple[int, int, int, int]:
    return (
        _setting("LOGIN_LOCKOUT_SECONDS", 900),
        _setting("LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT", 5),
        _setting("LOGIN_FAILURES_PER_CLIENT", 50),
        _setting("LOGIN_FAILURES_PER_ACCOUNT", 20),
    )


def attempt(request: HttpRequest, login: str) -> float | None:
    """One password attempt on ``login``: seconds to wait when it is refused, else None. An allowed attempt is
    counted as a failure *before* the password is checked (and forgotten if it proves right), so that a burst of
    concurrent guesses cannot all pass the check before any of them is counted."""
    wait = login_wait(request, login)
    if wait is not None:
        return wait
    seconds, per_pair, per_client, _per_account = _limits()
    account = account_key(login)
    keys = _keys(account, _client(request, account))
    pair = _count(keys["pair"], seconds)
    by_client = _count(keys["client"], seconds)
    request._login_attempt = account  # type: ignore[attr-defined]
    if pair > per_pair:
        _lock(keys["pair_lock"], seconds)
    if by_client > per_client:
        _lock(keys["client_lock"], seconds)
    return login_wait(request, login) if pair > per_pair or by_client > per_client else None


def record_failure(request: HttpRequest, login: str) -> None:
    """The attempt (already counted) was a wrong password: count it on the account, lock out what reached a
    limit."""
    seconds, per_pair, per_client, per_account = _limits()
    account = account_key(login)
    keys = _keys(account, _client(request, account))
    if _count(keys["account"], seconds) >= per_account:
        _lock(keys["guard"], seconds, keep=True)
    if int(cache.get(keys["pair"]) or 0) >= per_pair or _remaining(keys["guard"]) > 0:
        _lock(keys["pair_lock"], seconds)
    if int(cache.get(keys["client"]) or 0) >= per_client:
        _lock(keys["client_lock"], seconds)


def forget_attempt(request: HttpRequest, login: str) -> None:
    """The password was right: this client's failures on the account are forgotten, and this attempt is taken
    back from its count over all accounts (once per request, however many callers report the success)."""
    account = account_key(login)
    if getattr(request, "_login_attempt", None) != account:
        return
    request._login_attempt = None  # type: ignore[attr-defined]
    keys = _keys(account, _client(request, account))
    cache.delete(keys["pair"])
    with contextlib.suppress(ValueError):  # expired meanwhile
        cache.decr(keys["client"])


def issue_device(request: HttpRequest, login: str) -> None:
    """Give the browser that signed in a device cookie for the account (its id kept if it had one)."""
    account = account_key(login)
    device = _device(request)
    device_id = device[1] if device is not None and device[0] == account else secrets.token_urlsafe(16)
    request._login_device_cookie = signing.dumps({"a": account, "d": device_id}, salt=DEVICE_SALT)  # type: ignore[attr-defined]


class LoginThrottleBackend:
    """First of ``AUTHENTICATION_BACKENDS``: every ``authenticate()`` that carries a request and a login passes
    here before any password is checked; a locked-out client is refused (Django stops at this backend) and any
    other attempt is counted. The forms refuse a locked-out client earlier, with a sentence; this holds for every
    other caller. It never authenticates anyone, and has no ``get_user``: it is never the backend of a session."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        login = _login_of(credentials)
        if request is not None and login and attempt(request, login) is not None:
            request._login_refused = True  # type: ignore[attr-defined]  # not a wrong password: not counted again
            raise PermissionDenied
        return None


def _login_of(credentials: Mapping[str, Any]) -> str | None:
    for field in LOGIN_FIELDS:
        value = credentials.get(field)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _on_login_failed(
    sender: Any, credentials: Mapping[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    if request is None:
        return
    if getattr(request, "_login_refused", False):
        request._login_refused = False  # type: ignore[attr-defined]
        return
    login = _login_of(credentials)
    if login:
        record_failure(request, login)


def _on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    email = getattr(user, "email", "")
    if request is not None and email:
        forget_attempt(request, email)
        issue_device(request, email)


def connect_signals() -> None:
    user_login_failed.connect(_on_login_failed, dispatch_uid="europass-login-throttle-failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="europass-login-throttle-success")
