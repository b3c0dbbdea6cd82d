"""The statistics page and its CSV/XLSX exports (issue 8, part 3).

The district admin chooses a scope (kabupaten, kecamatan, village); village staff always
see their own village. The page and both exports read the same GET parameters and show
the same figures.
"""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from layanan.accounts import rules as account_rules
from layanan.accounts.decorators import staff_required
from layanan.backoffice import rules
from layanan.backoffice.charts import bar_chart
from layanan.backoffice.statistics import (
    KECAMATAN,
    RequestStatistics,
    request_statistics_kept,
    statistics_scope_for,
)
from layanan.backoffice.stats_forms import StatisticsFilterForm
from layanan.core.exports import Table, csv_response, tables_as_csv_rows, xlsx_response
from layanan.letters.models import RequestStatus

statistics_required = staff_required(allowed=rules.can_view_statistics)


def _statistics(request) -> tuple[StatisticsFilterForm, RequestStatistics | None]:
    form = StatisticsFilterForm(
        request.GET, choose_scope=account_rules.is_district_admin(request.user)
    )
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    scope = statistics_scope_for(
        request.user, district=data.get("kecamatan"), village=data.get("desa")
    )
    return form, request_statistics_kept(scope=scope, start=data["dari"], end=data["sampai"])


@statistics_required
@require_GET
def statistics(request):
    form, stats = _statistics(request)
    context: dict[str, object] = {"form": form, "stats": stats}
    if stats is not None:
        context["charts"] = [
            bar_chart(
                dom_id="grafik-status",
                title=_("Requests by status"),
                category=_("Status"),
                rows=[(row.label, row.count) for row in stats.by_status],
            ),
            bar_chart(
                dom_id="grafik-jenis",
                title=_("Requests by letter type"),
                category=_("Letter type"),
                rows=[(row.label, row.count) for row in stats.by_type],
            ),
            bar_chart(
                dom_id="grafik-bulan",
                title=_("Requests by month of submission"),
                category=_("Month"),
                rows=[
                    (date_format(row.month, "YEAR_MONTH_FORMAT"), row.count)
                    for row in stats.by_month
                ],
            ),
        ]
        context["waiting"] = [
            (_("In process, waiting for the operator"), stats.waiting_proses),
            (_("Drafts waiting for the village head's signature"), stats.waiting_konsep),
        ]
        context["show_village_choice"] = "desa" in form.fields and bool(
            form.cleaned_data.get("kecamatan")
        )
    status = 200 if stats is not None else 400
    return render(request, "backoffice/statistics/page.html", context, status=status)


def _hours(value) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


def statistics_tables(stats: RequestStatistics) -> list[Table]:
    """The page's figures as tables, for the CSV and XLSX exports."""
    summary: list[list[object]] = [
        [_("Scope"), stats.scope.name],
        [_("Submitted from"), stats.start],
        [_("Submitted until"), stats.end],
        [_("Computed at"), stats.computed_at],
        [_("Requests"), stats.total],
        [_("Letters issued, revoked ones included"), stats.issued],
        [_("Median time from submission to issue (hours)"), _hours(stats.median_to_issue)],
        [
            _("90th percentile of the time from submission to issue (hours)"),
            _hours(stats.p90_to_issue),
        ],
        [_("Profiles waiting for verification"), stats.profiles_waiting],
        [_("Oldest profile waiting since"), stats.profiles_oldest],
    ]
    tables = [
        Table(_("Summary"), [_("Figure"), _("Value")], summary),
        Table(
            _("By status"),
            [_("Code"), _("Status"), _("Requests")],
            [[row.key, row.label, row.count] for row in stats.by_status],
        ),
        Table(
            _("By letter type"),
            [_("Code"), _("Letter type"), _("Requests")],
            [[row.key, row.label, row.count] for row in stats.by_type],
        ),
        Table(
            _("By month"),
            [_("Month"), _("Month name"), _("Requests")],
            [
                [f"{row.month:%Y-%m}", date_format(row.month, "YEAR_MONTH_FORMAT"), row.count]
                for row in stats.by_month
            ],
        ),
    ]
    if stats.area_level is not None:
        area = _("Kecamatan") if stats.area_level == KECAMATAN else _("Desa/kelurahan")
        tables.append(
            Table(
                _("By area"),
                [_("Code"), area, _("Requests"), _("In process"), _("Draft"), _("Issued")],
                [
                    [row.code, row.name, row.total, row.proses, row.konsep, row.terbit]
                    for row in stats.by_area
                ],
            )
        )
    tables.append(
        Table(
            _("Waiting longest"),
            [
                _("Registration no."),
                _("Status"),
                _("Letter type"),
                _("Desa/kelurahan"),
                _("Submitted at"),
                _("Waiting (days)"),
            ],
            [
                [
                    row.registration_number,
                    RequestStatus(row.status).label,
                    row.letter_type,
                    row.village,
                    row.submitted_at,
                    round(row.age.total_seconds() / 86400, 1),
                ]
                for row in [*stats.waiting_proses, *stats.waiting_konsep]
            ],
        )
    )
    return tables


def _filename(stats: RequestStatistics, extension: str) -> str:
    return f"statistik-{stats.scope.code}-{timezone.localdate():%Y%m%d}.{extension}"


def _bad_request(form) -> HttpResponseBadRequest:
    messages = [str(error) for errors in form.errors.values() for error in errors]
    return HttpResponseBadRequest(" ".join(messages), content_type="text/plain; charset=utf-8")


@statistics_required
@require_GET
def statistics_csv(request):
    form, stats = _statistics(request)
    if stats is None:
        return _bad_request(form)
    return csv_response(
        tables_as_csv_rows(statistics_tables(stats)), filename=_filename(stats, "csv")
    )


@statistics_required
@require_GET
def statistics_xlsx(request):
    form, stats = _statistics(request)
    if stats is None:
        return _bad_request(form)
    return xlsx_response(statistics_tables(stats), filename=_filename(stats, "xlsx"))
