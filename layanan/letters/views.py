"""Public catalogue pages and the resident's requests (guide sections 2, 3, 8, 9)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts.decorators import resident_required
from layanan.accounts.models import ResidentProfile
from layanan.core.service_calls import service_call
from layanan.letters import rules
from layanan.letters.fields import LetterDataForm, display_rows, raw_group_rows, request_specs
from layanan.letters.forms import AgreementForm, SubmissionKeyForm
from layanan.letters.lifecycle import allowed_actions
from layanan.letters.models import LetterRequest
from layanan.letters.selectors import (
    letter_type_public,
    letter_types_by_category,
    request_search,
    request_submitted_with,
    request_timeline,
    requests_listed,
    requests_of_resident,
    resident_request_counts,
)
from layanan.letters.services import letter_request_cancel, letter_request_submit

HISTORY_PAGE_SIZE = 10


@resident_required
def dashboard(request):
    """Beranda of a resident (guide section 6): their profile's state and the counters of
    their requests in Proses, Konsep and Terbit."""
    return render(
        request,
        "letters/dashboard.html",
        {"profile": request.user.profile, "counts": resident_request_counts(request.user)},
    )


@require_GET
def catalogue(request):
    return render(request, "letters/catalogue.html", {"catalogue": letter_types_by_category()})


@require_GET
def type_detail(request, code: str):
    letter_type = get_object_or_404(letter_type_public(code.upper()))
    return render(request, "letters/type_detail.html", {"letter_type": letter_type})


def already_submitted_message(letter_request: LetterRequest) -> str:
    return _(
        "This request was already sent (registration number %(number)s): "
        "it was not sent a second time."
    ) % {"number": letter_request.registration_number}


def data_form_from_post(specs, post, *, initial=None):
    """The fields form, or, when a "add a row" button was pressed, the same answers with
    one more blank row (works without JavaScript)."""
    add_row = post.get("add_row") if post else None
    if add_row:
        group = next((s for s in specs if s.is_group and s.name == add_row), None)
        values = dict(initial or {})
        for spec in specs:
            if spec.is_group:
                values[spec.name] = raw_group_rows(post, spec)
            else:
                values[spec.name] = post.get(f"{LetterDataForm.prefix}-{spec.name}", "")
        extra = {group.name: 1} if group else {}
        return LetterDataForm(specs, initial=values, extra_rows=extra), True
    return LetterDataForm(specs, post, initial=initial), False


@resident_required
@require_http_methods(["GET", "POST"])
def request_create(request, code: str):
    """Ajukan Permohonan: the type's information beside the form (guide section 8)."""
    letter_type = get_object_or_404(letter_type_public(code.upper()))
    if not letter_type.is_mandiri:
        raise Http404
    post = request.POST if request.method == "POST" else None
    submission = SubmissionKeyForm(post)
    earlier = request_submitted_with(creator=request.user, key=submission.key)
    if earlier is not None:
        # The same page posted again (a double tap, a retry): the first request's page.
        messages.info(request, already_submitted_message(earlier))
        request.session["ldm_submitted"] = earlier.registration_number
        return redirect("letters:history")
    profile = ResidentProfile.objects.select_related("user", "village__district").get(
        user=request.user
    )
    specs = request_specs(letter_type.fields)
    data_form, adding_row = data_form_from_post(specs, post)
    agreement = AgreementForm(post if post and not adding_row else None)
    if post and not adding_row and data_form.is_valid() and agreement.is_valid():
        with service_call(request) as call:
            created = letter_request_submit(
                resident=request.user,
                letter_type=letter_type,
                data=data_form.cleaned_data(),
                submission_key=submission.key,
            )
        if call.succeeded:
            request.session["ldm_submitted"] = created.registration_number
            return redirect("letters:history")
    return render(
        request,
        "letters/request_create.html",
        {
            "letter_type": letter_type,
            "profile": profile,
            "data_form": data_form,
            "agreement": agreement,
            "submission": submission,
            "missing": profile.missing_fields(),
        },
    )


@resident_required
@require_GET
def history(request):
    """Riwayat Permohonan Layanan: search and pages of 10 (guide section 8)."""
    query = request.GET.get("q", "")
    requests = requests_listed(request_search(requests_of_resident(request.user), query))
    page = Paginator(requests, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    submitted = None
    number = request.session.pop("ldm_submitted", None)
    if number:
        submitted = requests_of_resident(request.user).filter(registration_number=number).first()
    return render(
        request,
        "letters/history.html",
        {"page": page, "query": query, "submitted": submitted},
    )


def _own_request(request, number: str) -> LetterRequest:
    found = requests_of_resident(request.user).filter(registration_number=number).first()
    if found is None:
        raise Http404
    return found


@resident_required
@require_GET
def request_detail(request, number: str):
    """Detail Permohonan Layanan with the tracking timeline (guide sections 8 and 9)."""
    letter_request = _own_request(request, number)
    return render(
        request,
        "letters/request_detail.html",
        {
            "letter_request": letter_request,
            "answers": display_rows(letter_request.form_schema, letter_request.data),
            "timeline": request_timeline(letter_request),
            "actions": allowed_actions(request.user, letter_request),
        },
    )


@resident_required
@require_POST
def request_cancel(request, number: str):
    letter_request = _own_request(request, number)
    if not rules.is_request_owner(request.user, letter_request):
        raise Http404
    with service_call(request) as call:
        letter_request_cancel(request=letter_request, resident=request.user)
    if call.succeeded:
        messages.success(request, _("Your request has been cancelled."))
    return redirect("letters:request-detail", number=number)
