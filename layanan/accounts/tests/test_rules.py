"""Who may see a resident's KTP and KK (rules.can_see_identity_documents)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from layanan.accounts.models import Role
from layanan.accounts.rules import can_see_identity_documents
from layanan.accounts.tests.factories import ResidentProfileFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [
        ("resident", True),  # the owner
        ("other_resident", False),
        ("operator", True),  # of the owner's village
        ("other_operator", False),
        ("head", False),
        ("district_admin", False),
    ],
)
def test_who_sees_the_identity_documents_of_a_resident(request, resident, viewer, allowed):
    user = request.getfixturevalue(viewer)

    assert can_see_identity_documents(user, resident.profile) is allowed


def test_an_anonymous_visitor_sees_none(resident):
    # A rule's annotation admits accounts only, yet every rule must refuse a visitor too.
    visitor = AnonymousUser()
    assert can_see_identity_documents(visitor, resident.profile) is False  # type: ignore[arg-type]


def test_an_inactive_operator_of_the_village_sees_none(resident, kauman):
    operator = StaffFactory.create(role=Role.OPERATOR, village=kauman, is_active=False)

    assert can_see_identity_documents(operator, resident.profile) is False


def test_an_inactive_owner_sees_none(resident):
    resident.is_active = False

    assert can_see_identity_documents(resident, resident.profile) is False


def test_no_operator_sees_a_profile_without_a_village(operator):
    profile = ResidentProfileFactory.create(village=None)
    # An operator without a village (the database forbids one; the rule must not rely on
    # it) would otherwise "match" the missing village.
    villageless = StaffFactory.build(role=Role.OPERATOR, village=None)

    assert can_see_identity_documents(operator, profile) is False
    assert can_see_identity_documents(villageless, profile) is False
    assert can_see_identity_documents(profile.user, profile) is True  # still the owner's
