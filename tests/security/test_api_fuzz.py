"""Every operation of the API, fed what its own OpenAPI schema allows (and what it does not): never a server error.

schemathesis generates the requests from ``/api/schema/`` and sends them through the WSGI application in-process, as
the issuer's staff and as a citizen; derandomized, so that a run is the same run every time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Requests go through the real WSGI handler: like Django's test client, keep it from closing the test's
    database connection at the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["staff", "citizen"])
def token(request: pytest.FixtureRequest, db: None, settings: Any) -> str:
    settings.DEFAULT_THROTTLE_RATES = {"verify": "100000/min"}
    user = User.objects.create_user(f"{request.param}@fuzz.example", "a-long-Passphrase-42")
    if request.param == "staff":
        organisation = Organisation.objects.create(
            slug="fuzz", legal_name="Fuzz", legal_identifier="VATFR-FUZZ", country="FR"
        )
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    return Token.objects.create(user=user).key


@pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")  # PDF bodies
@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_api_operation_answers_a_server_error_whatever_it_is_sent(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error])
