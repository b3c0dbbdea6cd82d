"""The counter's walk-in registration keeps the applicant's NIK in the operator's session only
while it is under way: finishing, cancelling or starting again clears it, and an abandoned one
is dropped at the next request once LDM_WALK_IN_SESSION_SECONDS have passed."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from layanan.letters.models import LetterType
from layanan.letters.walk_in import WALK_IN_SESSION_KEY

pytestmark = pytest.mark.django_db

NIK = "3325114107880002"


@pytest.fixture
def started(client, operator, catalogue):
    client.force_login(operator)
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.post(reverse("letters:walk-in"), {"letter_type": domisili.pk, "nik": NIK})
    assert client.session[WALK_IN_SESSION_KEY]["nik"] == NIK
    return client


def test_cancelling_forgets_the_nik(started):
    response = started.post(reverse("letters:walk-in-cancel"))

    assert response.status_code == 302
    assert WALK_IN_SESSION_KEY not in started.session
    assert started.get(reverse("letters:walk-in-details")).status_code == 302


def test_finishing_forgets_the_nik(started):
    response = started.post(
        reverse("letters:walk-in-details"),
        {
            "name": "Siti Aminah",
            "birth_place": "BATANG",
            "birth_date": "1988-07-01",
            "gender": "P",
            "religion": "islam",
            "marital_status": "kawin_tercatat",
            "occupation": "88",
            "citizenship": "WNI",
            "address": "Jl. Dr Wahidin RT 004 RW 003",
            "isian-keterangan_lainnya": "",
            "isian-keperluan": "Melamar pekerjaan",
        },
    )

    assert response.status_code == 302
    assert WALK_IN_SESSION_KEY not in started.session


def test_starting_again_forgets_the_one_left_half_done(started):
    started.get(reverse("letters:walk-in"))

    assert WALK_IN_SESSION_KEY not in started.session


def test_an_abandoned_registration_is_dropped_after_its_lifetime(started):
    later = timezone.now() + dt.timedelta(seconds=settings.LDM_WALK_IN_SESSION_SECONDS + 1)
    started.get(reverse("letters:inbox"))
    assert WALK_IN_SESSION_KEY in started.session  # still within its time

    with time_machine.travel(later, tick=False):
        started.get(reverse("letters:inbox"))  # any page, not the counter's

    assert WALK_IN_SESSION_KEY not in started.session
