"""The audit log viewer of the district admin (/petugas/audit/).

Read-only by design: there is no page, form or action that edits or deletes an entry.
Looking at the log (and exporting it) is itself recorded, with the filters used but never
a NIK or a name that was typed.
"""

import json

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from layanan.accounts.decorators import staff_required
from layanan.audit.models import AuditAction, AuditEntry
from layanan.audit.rules import can_view_audit_log
from layanan.audit.services import audit_chain_verify, audit_record
from layanan.backoffice.audit_forms import AuditFilterForm, ResidentSearchForm
from layanan.backoffice.audit_selectors import (
    audit_actions,
    audit_entries,
    resident_by_nik,
    resident_by_public_id,
)
from layanan.core.exports import csv_response

PAGE_SIZE = 50
CHAIN_CACHE_KEY = "audit:chain-report"
# Checking the chain reads every entry: its result is kept briefly, not redone per click.
CHAIN_CACHE_SECONDS = 60
_CHAIN_REASONS = {
    "an entry before it was removed or altered": gettext_lazy(
        "an entry before it was removed or altered"
    ),
    "its content was altered": gettext_lazy("its content was altered"),
    "the newest entries were removed": gettext_lazy("the newest entries were removed"),
}

audit_admin_required = staff_required(allowed=can_view_audit_log)


def _resident(form: AuditFilterForm):
    public_id = form.cleaned_data.get("warga")
    return resident_by_public_id(public_id) if public_id else None


def chain_state(*, check: bool) -> dict | None:
    """The last result of the chain check (kept for a minute); runs it when asked."""
    state = cache.get(CHAIN_CACHE_KEY)
    if check and state is None:
        report = audit_chain_verify()
        state = {
            "ok": report.ok,
            "entries": report.entries,
            "broken_at": report.broken_at,
            "reason": report.reason,
            "checked_at": timezone.now(),
        }
        cache.set(CHAIN_CACHE_KEY, state, CHAIN_CACHE_SECONDS)
    if state is not None:
        state = {**state, "reason_text": _CHAIN_REASONS.get(state["reason"], state["reason"])}
    return state


def _row(entry: AuditEntry) -> dict:
    actor = entry.actor
    return {
        "entry": entry,
        "action_label": AuditAction.label_of(entry.action),
        "actor_name": str(actor) if actor else "",
        # A resident's username is their NIK: only staff usernames are shown.
        "actor_username": actor.username if actor and not actor.is_resident else "",
        "actor_role": actor.get_role_display() if actor else "",
        "resident_name": entry.subject.full_name if entry.subject is not None else "",
        "details": json.dumps(entry.data, ensure_ascii=False, sort_keys=True) if entry.data else "",
    }


@audit_admin_required
@require_http_methods(["GET", "POST"])
def audit_log(request):
    if request.method == "POST":
        return _find_resident(request)
    form = AuditFilterForm(request.GET, actions=audit_actions())
    context: dict[str, object] = {
        "form": form,
        "resident_form": ResidentSearchForm(),
        "chain": chain_state(check="periksa" in request.GET),
    }
    if not form.is_valid():
        return render(request, "backoffice/audit/log.html", context, status=400)
    resident = _resident(form)
    audit_filter = form.audit_filter(resident=resident)
    entries = audit_entries(audit_filter)
    if form.cleaned_data["warga"] and resident is None:
        entries = entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # The rows are read before this view is recorded, so that the page and its count agree.
    rows = [_row(entry) for entry in page.object_list]
    audit_record(
        actor=request.user,
        action=AuditAction.AUDIT_VIEWED,
        subject=resident,
        data={"filters": audit_filter.summary(), "page": page.number},
    )
    context.update(
        {
            "page": page,
            "rows": rows,
            "resident": resident,
            "filtered": bool(audit_filter.summary()),
        }
    )
    return render(request, "backoffice/audit/log.html", context)


def _find_resident(request):
    """NIK search: resolve the NIK to the resident and come back with their public id,
    keeping the other filters (they are in the query string of the form's address)."""
    form = ResidentSearchForm(request.POST)
    resident = resident_by_nik(form.cleaned_data["nik"]) if form.is_valid() else None
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("warga", None)
    params.pop("periksa", None)
    if not form.is_valid():
        messages.error(request, _("A NIK has exactly 16 digits."))
    elif resident is None or getattr(resident, "profile", None) is None:
        messages.error(request, _("No resident is registered with this NIK."))
    else:
        params["warga"] = str(resident.profile.public_id)
    query = params.urlencode()
    return redirect(
        f"{reverse('backoffice:audit-log')}?{query}" if query else reverse("backoffice:audit-log")
    )


EXPORT_HEADER = (
    gettext_lazy("Entry no."),
    gettext_lazy("Time"),
    gettext_lazy("Actor user id"),
    gettext_lazy("Actor username"),
    gettext_lazy("Actor name"),
    gettext_lazy("Actor role"),
    gettext_lazy("Action"),
    gettext_lazy("Action description"),
    gettext_lazy("Village code"),
    gettext_lazy("Village"),
    gettext_lazy("Resident user id"),
    gettext_lazy("Resident name"),
    gettext_lazy("Object type"),
    gettext_lazy("Object id"),
    gettext_lazy("Details"),
    gettext_lazy("Hash"),
)


def _export_rows(entries):
    yield [str(title) for title in EXPORT_HEADER]
    for entry in entries.iterator(chunk_size=2000):
        row = _row(entry)
        yield [
            entry.id,
            entry.created_at,
            entry.actor_id,
            row["actor_username"],
            row["actor_name"],
            row["actor_role"],
            entry.action,
            row["action_label"],
            entry.village_id,
            str(entry.village) if entry.village_id else "",
            entry.subject_id,
            row["resident_name"],
            entry.object_type,
            entry.object_id,
            row["details"],
            entry.entry_hash,
        ]


@audit_admin_required
@require_GET
def audit_log_export(request):
    """The filtered entries as CSV, streamed; residents by name and user id, never by NIK."""
    form = AuditFilterForm(request.GET, actions=audit_actions())
    if not form.is_valid():
        return HttpResponseBadRequest(_("The filter is not valid."))
    resident = _resident(form)
    audit_filter = form.audit_filter(resident=resident)
    entries = audit_entries(audit_filter)
    if form.cleaned_data["warga"] and resident is None:
        entries = entries.none()
    audit_record(
        actor=request.user,
        action=AuditAction.AUDIT_EXPORTED,
        subject=resident,
        data={"filters": audit_filter.summary()},
    )
    filename = f"log-audit-{timezone.localdate():%Y%m%d}.csv"
    return csv_response(_export_rows(entries), filename=filename)
