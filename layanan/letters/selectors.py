"""Reads of the letter catalogue."""

from django.db.models import QuerySet

from layanan.letters.models import LetterCategory, LetterType


def letter_types_by_category() -> list[tuple[str, list[LetterType]]]:
    """Active letter types grouped as the guide lists them: keterangan, then pengantar."""
    types = list(LetterType.objects.active())
    return [
        (label, [t for t in types if t.category == value])
        for value, label in LetterCategory.choices
        if any(t.category == value for t in types)
    ]


def letter_type_public(code: str) -> QuerySet[LetterType]:
    return LetterType.objects.active().filter(code=code)
