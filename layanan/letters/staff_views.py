"""The village staff's inbox and request page, the operator's decisions and counter
registration, the head's sending back and revoking (guide section 9)."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts import rules as account_rules
from layanan.accounts.decorators import staff_required
from layanan.accounts.selectors import resident_with_nik
from layanan.core.service_calls import service_call
from layanan.letters import rules
from layanan.letters.fields import display_rows, request_specs
from layanan.letters.forms import (
    ApplicantForm,
    NoteForm,
    ReasonForm,
    SubmissionKeyForm,
    WalkInStartForm,
)
from layanan.letters.lifecycle import allowed_actions
from layanan.letters.models import LetterType, RequestStatus
from layanan.letters.selectors import (
    request_search,
    request_submitted_with,
    request_timeline,
    requests_for_staff,
    requests_listed,
    staff_request_or_404,
    village_status_counts,
)
from layanan.letters.services import (
    ApplicantData,
    letter_request_accept,
    letter_request_register_walk_in,
    letter_request_reject,
    letter_return,
    letter_revoke,
)
from layanan.letters.views import already_submitted_message, data_form_from_post
from layanan.letters.walk_in import walk_in_forget, walk_in_remember, walk_in_started

village_staff_required = staff_required(allowed=rules.can_work_on_requests)
operator_required = staff_required(allowed=rules.can_register_walk_in)
signer_required = staff_required(allowed=rules.can_sign)


@village_staff_required
@require_GET
def inbox(request):
    """The village's requests by status, with counts, search and a type filter."""
    base = requests_for_staff(request.user)
    status = request.GET.get("status", RequestStatus.PROSES)
    if status not in RequestStatus.values and status != "semua":
        status = RequestStatus.PROSES
    query = request.GET.get("q", "")
    type_code = request.GET.get("jenis", "")
    requests = request_search(base, query)
    if type_code:
        requests = requests.filter(letter_type__code=type_code)
    if status != "semua":
        requests = requests.filter(status=status)
    if status == RequestStatus.PROSES:
        requests = requests.order_by("submitted_at", "id")  # oldest waiting first
    counts = village_status_counts(request)
    paginator = Paginator(requests_listed(requests), 20)
    if not query and not type_code:  # the tabs' counts already say how many: no COUNT query
        paginator.count = sum(counts.values()) if status == "semua" else counts[status]
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "letters/staff/inbox.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "type_code": type_code,
            "counts": counts,
            "statuses": RequestStatus.choices,
            "letter_types": LetterType.objects.active().only("code", "name"),
        },
    )


def _detail_context(request, letter_request, **extra):
    profile = None
    if letter_request.applicant_id:
        profile = getattr(letter_request.applicant, "profile", None)
    can_process = rules.can_process_request(request.user, letter_request)
    data_form = None
    if can_process and letter_request.status == RequestStatus.PROSES:
        data_form, _adding = data_form_from_post(
            request_specs(letter_request.form_schema),
            request.POST if request.method == "POST" else None,
            initial=letter_request.data,
        )
    return {
        "letter_request": letter_request,
        "profile": profile,
        "can_see_documents": profile is not None
        and account_rules.can_see_identity_documents(request.user, profile),
        "answers": display_rows(letter_request.form_schema, letter_request.data),
        "timeline": request_timeline(letter_request),
        "actions": allowed_actions(request.user, letter_request),
        "data_form": data_form,
        "reject_form": ReasonForm(),
        **extra,
    }


@village_staff_required
@require_GET
def staff_detail(request, number: str):
    letter_request = staff_request_or_404(request.user, number, related=("applicant__profile",))
    return render(request, "letters/staff/detail.html", _detail_context(request, letter_request))


@village_staff_required
@require_POST
def staff_accept(request, number: str):
    """Accept into Konsep, with the operator's corrections of the answers."""
    letter_request = staff_request_or_404(request.user, number, related=("applicant__profile",))
    context = _detail_context(request, letter_request)
    data_form = context["data_form"]
    if data_form is None:
        messages.error(request, _("This request cannot be accepted now."))
        return redirect("letters:staff-detail", number=number)
    if request.POST.get("add_row") or not data_form.is_valid():
        return render(request, "letters/staff/detail.html", context, status=400)
    with service_call(request) as call:
        letter_request_accept(
            request=letter_request, operator=request.user, data=data_form.cleaned_data()
        )
    if call.succeeded:
        messages.success(
            request,
            _("Request %(number)s is accepted and now a draft (Konsep).") % {"number": number},
        )
    return redirect("letters:staff-detail", number=number)


@village_staff_required
@require_POST
def staff_reject(request, number: str):
    letter_request = staff_request_or_404(request.user, number, related=("applicant__profile",))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, letter_request, reject_form=form)
        return render(request, "letters/staff/detail.html", context, status=400)
    with service_call(request) as call:
        letter_request_reject(
            request=letter_request, operator=request.user, reason=form.cleaned_data["reason"]
        )
    if call.succeeded:
        messages.success(request, _("Request %(number)s is rejected.") % {"number": number})
    return redirect("letters:staff-detail", number=number)


def _with_reason(
    request: HttpRequest,
    number: str,
    *,
    form: forms.Form,
    missing: str,
    act: Callable[[dict], object],
    done: str,
) -> HttpResponse:
    """A decision that needs a written reason: without one, say so; otherwise run it and go
    back to the request's page."""
    if not form.is_valid():
        messages.error(request, missing)
    else:
        with service_call(request) as call:
            act(form.cleaned_data)
        if call.succeeded:
            messages.success(request, done)
    return redirect("letters:staff-detail", number=number)


@signer_required
@require_POST
def staff_send_back(request, number: str):
    """The head sends a draft back to the operator with a note."""
    letter_request = staff_request_or_404(request.user, number)
    return _with_reason(
        request,
        number,
        form=NoteForm(request.POST),
        missing=_("Write a note for the operator."),
        act=lambda data: letter_return(
            request=letter_request, head=request.user, note=data["note"]
        ),
        done=_("The draft was sent back to the operator."),
    )


@village_staff_required
@require_POST
def staff_revoke(request, number: str):
    letter_request = staff_request_or_404(request.user, number)
    return _with_reason(
        request,
        number,
        form=ReasonForm(request.POST),
        missing=_("Write the reason for revoking the letter."),
        act=lambda data: letter_revoke(
            request=letter_request, actor=request.user, reason=data["reason"]
        ),
        done=_("The letter is revoked."),
    )


# --- Datang Langsung: registering a request at the counter -------------------------------


@operator_required
@require_http_methods(["GET", "POST"])
def walk_in_start(request):
    """Step 1: the letter and the applicant's NIK (kept in the session for a short while,
    never in a URL; ``walk_in.py``). Opening it forgets a registration left half-done."""
    walk_in_forget(request.session)
    form = WalkInStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        walk_in_remember(
            request.session,
            letter_type_id=form.cleaned_data["letter_type"].pk,
            nik=form.cleaned_data["nik"],
        )
        return redirect("letters:walk-in-details")
    return render(request, "letters/staff/walk_in_start.html", {"form": form})


@operator_required
@require_http_methods(["GET", "POST"])
def walk_in_details(request):
    """Step 2: the applicant's data (from their profile, or typed from the KTP) and the
    letter's fields; the request starts in Konsep."""
    post = request.POST if request.method == "POST" else None
    submission = SubmissionKeyForm(post)
    earlier = request_submitted_with(creator=request.user, key=submission.key)
    if earlier is not None:
        # The same page posted again (a double tap, a retry): the request registered first.
        walk_in_forget(request.session)
        messages.info(request, already_submitted_message(earlier))
        return redirect(
            reverse("letters:staff-detail", kwargs={"number": earlier.registration_number})
        )
    started = walk_in_started(request.session)
    if not started:
        return redirect("letters:walk-in")
    letter_type = get_object_or_404(LetterType.objects.active(), pk=started["type"])
    nik = started["nik"]
    profile = resident_with_nik(nik)
    resident = profile.user if profile is not None else None
    # The resident's own verified data, if they are of this village; else the KTP is typed in.
    own_profile = (
        profile
        if profile is not None
        and profile.village_id == request.user.village_id
        and profile.is_verified
        else None
    )
    data_form, adding_row = data_form_from_post(request_specs(letter_type.fields), post)
    applicant_form = (
        None if own_profile is not None else ApplicantForm(None if adding_row else post, nik=nik)
    )
    if post and not adding_row:
        valid = data_form.is_valid()
        if applicant_form is not None:
            valid = applicant_form.is_valid() and valid
        if valid:
            # Exactly one of own_profile and applicant_form is set.
            if own_profile is not None:
                applicant = ApplicantData.from_profile(own_profile)
            elif applicant_form is not None:
                applicant = ApplicantData(
                    nik=nik,
                    name=applicant_form.cleaned_data["name"],
                    birth_place=applicant_form.cleaned_data["birth_place"],
                    birth_date=applicant_form.cleaned_data["birth_date"],
                    address=applicant_form.cleaned_data["address"],
                    **applicant_form.labels(),
                )
            with service_call(request) as call:
                created = letter_request_register_walk_in(
                    operator=request.user,
                    letter_type=letter_type,
                    applicant=applicant,
                    data=data_form.cleaned_data(),
                    resident=resident if own_profile is not None else None,
                    submission_key=submission.key,
                )
            if call.succeeded:
                walk_in_forget(request.session)
                messages.success(
                    request,
                    _("Request %(number)s is registered as a draft (Konsep).")
                    % {"number": created.registration_number},
                )
                return redirect(
                    reverse("letters:staff-detail", kwargs={"number": created.registration_number})
                )
    return render(
        request,
        "letters/staff/walk_in_details.html",
        {
            "letter_type": letter_type,
            "nik": nik,
            "profile": own_profile,
            "unverified_here": profile is not None
            and profile.village_id == request.user.village_id
            and not profile.is_verified,
            "data_form": data_form,
            "applicant_form": applicant_form,
            "submission": submission,
        },
    )


@operator_required
@require_POST
def walk_in_cancel(request):
    """The operator stops a registration at the counter: the NIK typed is forgotten."""
    walk_in_forget(request.session)
    messages.info(request, _("The registration was cancelled; nothing was saved."))
    return redirect("letters:inbox")
