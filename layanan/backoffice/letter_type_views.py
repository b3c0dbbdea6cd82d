"""The district admin's letter type editor, with a live preview of the letter."""

import base64

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts.decorators import staff_required
from layanan.backoffice.forms import LetterTypeForm
from layanan.backoffice.services import letter_type_save
from layanan.core.errors import DomainError
from layanan.core.service_calls import service_call
from layanan.documents.services import letter_type_preview
from layanan.letters import rules
from layanan.letters.models import LetterType

letter_types_admin_required = staff_required(allowed=rules.can_edit_letter_types)


@letter_types_admin_required
@require_GET
def type_list(request):
    types = LetterType.objects.prefetch_related("versions").order_by("category", "position", "name")
    return render(request, "backoffice/letter_types/list.html", {"types": types})


def _preview_images(form: LetterTypeForm, instance: LetterType) -> tuple[list[str], str]:
    """Data URIs of the preview pages of the form's (unsaved) values, or an error."""
    candidate = LetterType(code=instance.code or form.data.get("code", "CONTOH"))
    for name, value in form.values().items():
        setattr(candidate, name, value)
    try:
        pages = letter_type_preview(candidate)
    except DomainError as error:
        return [], error.message
    return [f"data:image/png;base64,{base64.b64encode(page).decode()}" for page in pages], ""


@letter_types_admin_required
@require_http_methods(["GET", "POST"])
def type_edit(request, code: str | None = None):
    instance = get_object_or_404(LetterType, code=code.upper()) if code else LetterType()
    form = LetterTypeForm(request.POST or None, instance=instance)
    preview: list[str] = []
    preview_error = ""
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview, preview_error = _preview_images(form, instance)
        else:
            with service_call(request, form=form) as call:
                saved = letter_type_save(
                    actor=request.user,
                    letter_type=instance if instance.pk else None,
                    values=form.values(),
                )
            if call.succeeded:
                messages.success(
                    request, _("Letter type %(name)s is saved.") % {"name": saved.name}
                )
                return redirect("backoffice:letter-types")
    return render(
        request,
        "backoffice/letter_types/edit.html",
        {
            "form": form,
            "letter_type": instance,
            "preview": preview,
            "preview_error": preview_error,
            "versions": instance.versions.order_by("-number")[:10] if instance.pk else [],
        },
    )


@letter_types_admin_required
@require_POST
def type_preview(request, code: str | None = None):
    """The HTMX live preview: the pages of the letter as the form stands now."""
    instance = get_object_or_404(LetterType, code=code.upper()) if code else LetterType()
    form = LetterTypeForm(request.POST, instance=instance)
    if form.is_valid():
        preview, preview_error = _preview_images(form, instance)
    else:
        preview, preview_error = (
            [],
            _("Correct the form first: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()
                )
            },
        )
    return render(
        request,
        "backoffice/letter_types/includes/preview.html",
        {"preview": preview, "preview_error": preview_error},
    )
