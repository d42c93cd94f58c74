"""Account pages: changing the password."""

import pytest

from reparo.audit.models import AuditEvent
from tests.conftest import CsrfClient, reauthenticated, sign_in

pytestmark = pytest.mark.django_db


def test_it_ends_other_sessions_and_audits_a_password_change(world):
    user = world["coordinator"]
    here, elsewhere = reauthenticated(sign_in(CsrfClient(), user)), sign_in(CsrfClient(), user)
    new = "another long passphrase 77"
    response = here.post_form("/account/password/", {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()
