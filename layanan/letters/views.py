"""Public pages of the letter catalogue (guide section 2 and 3)."""

from django.shortcuts import get_object_or_404, render

from layanan.letters.selectors import letter_type_public, letter_types_by_category


def catalogue(request):
    return render(request, "letters/catalogue.html", {"catalogue": letter_types_by_category()})


def type_detail(request, code: str):
    letter_type = get_object_or_404(letter_type_public(code.upper()))
    return render(request, "letters/type_detail.html", {"letter_type": letter_type})
