"""Factories for letter requests."""

import datetime as dt

import factory
from django.utils import timezone

from layanan.letters.models import LetterRequest, LetterType, RequestMode, RequestStatus


class LetterRequestFactory(factory.django.DjangoModelFactory[LetterRequest]):
    """A Domisili request of a resident; pass ``applicant`` (a resident with a profile).

    ``LetterRequestFactory.create(...)`` is typed as the LetterRequest it makes; calling the
    class itself does the same but type checkers see a factory instance.
    """

    class Meta:
        model = LetterRequest

    registration_number = factory.Sequence(lambda n: f"20221106{n + 1:05d}")
    letter_type = factory.LazyFunction(lambda: LetterType.objects.get(code="SK-DOMISILI"))
    village = factory.LazyAttribute(lambda o: o.applicant.profile.village)
    channel = RequestMode.MANDIRI
    status = RequestStatus.PROSES
    applicant_nik = factory.LazyAttribute(lambda o: o.applicant.username)
    applicant_name = factory.LazyAttribute(lambda o: o.applicant.full_name)
    applicant_birth_place = "BATANG"
    applicant_birth_date = dt.date(1990, 1, 1)
    applicant_gender = "Laki-laki"
    applicant_religion = "Islam"
    applicant_marital_status = "Kawin Tercatat"
    applicant_occupation = "Wiraswasta"
    applicant_citizenship = "WNI"
    applicant_address = "Jl. Dr Wahidin RT 004 RW 003"
    form_schema = factory.LazyAttribute(lambda o: o.letter_type.fields)
    data = factory.LazyFunction(
        lambda: {"keterangan_lainnya": "", "keperluan": "Mengurus Dokumen Perizinan Berusaha"}
    )
    submitted_at = factory.LazyFunction(timezone.now)
    created_by = factory.LazyAttribute(lambda o: o.applicant)
    # An issued or revoked request carries what signing gives it (see the model's constraints).
    letter_sequence = factory.LazyAttributeSequence(lambda o, n: n + 1 if _issued(o) else None)
    letter_year = factory.LazyAttribute(lambda o: 2022 if _issued(o) else None)
    letter_number = factory.LazyAttribute(
        lambda o: f"470/{o.letter_sequence:03}/XI/2022" if _issued(o) else ""
    )
    issued_at = factory.LazyAttribute(lambda o: timezone.now() if _issued(o) else None)
    valid_from = factory.LazyAttribute(lambda o: dt.date(2022, 11, 1) if _issued(o) else None)
    valid_until = factory.LazyAttribute(lambda o: dt.date(2099, 12, 1) if _issued(o) else None)
    document = factory.LazyAttribute(lambda o: "surat/contoh.pdf" if _issued(o) else "")
    document_sha256 = factory.LazyAttribute(lambda o: "ab" * 32 if _issued(o) else "")
    verification_token = factory.LazyAttributeSequence(
        lambda o, n: f"token{n:015d}" if _issued(o) else None
    )


def _issued(stub) -> bool:
    return stub.status in (RequestStatus.TERBIT, RequestStatus.DICABUT)
