"""Named permission rules: registered by every app, asked by name in templates, and the only
thing a staff view's guard accepts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from layanan.accounts.decorators import staff_required
from layanan.core.rules import allowed, rule_by_name
from layanan.letters import rules as letter_rules
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db


def test_every_app_registers_its_rules_under_its_own_name():
    from layanan.accounts import rules as account_rules
    from layanan.audit import rules as audit_rules
    from layanan.backoffice import rules as backoffice_rules
    from layanan.content import rules as content_rules

    assert rule_by_name("letters.can_sign_request") is letter_rules.can_sign_request
    assert (
        rule_by_name("accounts.can_see_identity_documents")
        is account_rules.can_see_identity_documents
    )
    assert rule_by_name("audit.can_view_audit_log") is audit_rules.can_view_audit_log
    assert rule_by_name("content.can_manage_content") is content_rules.can_manage_content
    assert rule_by_name("backoffice.can_view_statistics") is backoffice_rules.can_view_statistics


def test_an_unknown_rule_is_a_configuration_error_not_a_refusal():
    with pytest.raises(ImproperlyConfigured, match=r"letters\.can_fly"):
        allowed("letters.can_fly", AnonymousUser())


def test_rules_refuse_anonymous_and_inactive_users(head, resident, catalogue):
    request = LetterRequestFactory.create(applicant=resident)
    assert allowed("letters.can_sign_request", head, request)

    assert not allowed("letters.can_sign_request", AnonymousUser(), request)
    head.is_active = False
    assert not allowed("letters.can_sign_request", head, request)


def test_the_template_tag_asks_the_same_rule(head, operator, resident, catalogue):
    request = LetterRequestFactory.create(applicant=resident)
    template = Template(
        '{% load ui %}{% may "letters.can_sign_request" letter as ok %}{% if ok %}sign{% endif %}'
    )

    assert template.render(Context({"user": head, "letter": request})) == "sign"
    assert template.render(Context({"user": operator, "letter": request})) == ""
    assert template.render(Context({"user": AnonymousUser(), "letter": request})) == ""


def test_a_staff_view_is_guarded_by_a_named_rule_only():
    def view(request):
        return None

    staff_required(allowed=letter_rules.can_sign)(view)  # fine
    with pytest.raises(ImproperlyConfigured, match="named rule"):
        staff_required(allowed=lambda user: user.is_head)(view)
