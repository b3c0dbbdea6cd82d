"""The audit log viewer: the district admin only, filters, NIK privacy, chain state, export."""

import csv
import datetime as dt
import io
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from layanan.accounts.tests.factories import ResidentProfileFactory
from layanan.audit.models import AuditAction, AuditEntry
from layanan.audit.services import audit_record

pytestmark = pytest.mark.django_db

LOG = reverse("backoffice:audit-log")
EXPORT = reverse("backoffice:audit-export")
JAKARTA = ZoneInfo("Asia/Jakarta")


def _at(moment: dt.datetime, **entry) -> AuditEntry:
    """An entry recorded at a given moment, in UTC as timezone.now() gives it (the hash
    covers the time as written, so the chain stays intact only in UTC)."""
    with mock.patch.object(timezone, "now", return_value=moment.astimezone(dt.UTC)):
        return audit_record(**entry)


@pytest.fixture
def kalisalak_resident(other_village):
    return ResidentProfileFactory(village=other_village).user


@pytest.fixture
def entries(operator, other_operator, head, resident, other_resident, kalisalak_resident):
    kauman, kalisalak = operator.village, other_operator.village
    return {
        "viewed": _at(
            dt.datetime(2024, 3, 1, 10, 0, tzinfo=JAKARTA),
            actor=operator,
            action=AuditAction.PROFILE_VIEWED,
            village=kauman,
            subject=resident,
            target=resident.profile,
        ),
        "verified": _at(
            dt.datetime(2024, 3, 5, 23, 30, tzinfo=JAKARTA),
            actor=other_operator,
            action=AuditAction.PROFILE_VERIFIED,
            village=kalisalak,
            subject=kalisalak_resident,
            target=kalisalak_resident.profile,
        ),
        "issued": _at(
            dt.datetime(2024, 3, 6, 0, 10, tzinfo=JAKARTA),
            actor=head,
            action=AuditAction.REQUEST_ISSUED,
            village=kauman,
            subject=other_resident,
            data={"from": "konsep", "to": "terbit"},
        ),
        "submitted": _at(
            dt.datetime(2024, 3, 7, 8, 0, tzinfo=JAKARTA),
            actor=resident,
            action=AuditAction.REQUEST_SUBMITTED,
            village=kauman,
            subject=resident,
            data={"from": "", "to": "proses"},
        ),
    }


def _ids(response) -> set[int]:
    """The entries listed, leaving out those the viewer itself recorded."""
    return {
        row["entry"].id
        for row in response.context["rows"]
        if not row["entry"].action.startswith("audit.")
    }


def _expect(entries, *names) -> set[int]:
    return {entries[name].id for name in names}


# --- Permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_permission_matrix(client, resident, operator, head, district_admin, url):
    statuses = []
    for user in (None, resident, operator, head, district_admin):
        client.logout()
        if user is not None:
            client.force_login(user)
        statuses.append(client.get(url).status_code)

    assert statuses == [302, 403, 403, 403, 200]


def test_others_cannot_search_by_nik_either(client, operator, resident):
    client.force_login(operator)

    assert client.post(LOG, {"nik": resident.username}).status_code == 403


def test_there_is_no_way_to_change_an_entry(client, district_admin, entries):
    client.force_login(district_admin)

    for method in (client.put, client.patch, client.delete):
        assert method(LOG).status_code == 405
    assert client.post(EXPORT).status_code == 405
    assert AuditEntry.objects.filter(action__in=["profile.viewed", "profile.verified"]).count() == 2


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, district_admin):
    client.force_login(district_admin)
    return client


def test_an_empty_log_says_so(admin_client):
    response = admin_client.get(LOG)

    assert response.context["rows"] == []
    assert "Tidak ada data" in response.content.decode()
    assert "Belum diperiksa" in response.content.decode()


def test_everything_newest_first(admin_client, entries):
    response = admin_client.get(LOG)

    rows = [row["entry"].id for row in response.context["rows"]]
    assert rows == sorted(_expect(entries, *entries), reverse=True)
    assert (
        AuditEntry.objects.filter(action=AuditAction.AUDIT_VIEWED).count() == 1
    )  # recorded after reading


def test_filter_by_actor_username_or_name(admin_client, entries, head):
    assert _ids(admin_client.get(LOG, {"pelaku": "operator.kau"})) == _expect(entries, "viewed")
    assert _ids(admin_client.get(LOG, {"pelaku": "OPERATOR"})) == _expect(
        entries, "viewed", "verified"
    )
    name_part = head.full_name.split()[-1]
    assert entries["issued"].id in _ids(admin_client.get(LOG, {"pelaku": name_part}))


def test_a_residents_nik_does_not_match_as_an_actor_username(admin_client, entries, resident):
    response = admin_client.get(LOG, {"pelaku": resident.username[:12]})

    assert _ids(response) == set()


def test_filter_by_village(admin_client, entries, other_village, kauman):
    assert _ids(admin_client.get(LOG, {"desa": other_village.code})) == _expect(entries, "verified")
    assert _ids(admin_client.get(LOG, {"desa": kauman.code})) == _expect(
        entries, "viewed", "issued", "submitted"
    )


def test_filter_by_action(admin_client, entries):
    response = admin_client.get(LOG, {"aksi": "profile.verified"})

    assert _ids(response) == _expect(entries, "verified")
    choices = dict(response.context["form"].fields["aksi"].choices)
    assert choices["profile.verified"] != "profile.verified"  # described, not just coded
    assert "request.issued" in choices


def test_filter_by_date_in_jakarta(admin_client, entries):
    # 5 March 23:30 WIB is in; 6 March 00:10 WIB is the next day.
    response = admin_client.get(LOG, {"dari": "2024-03-02", "sampai": "2024-03-05"})

    assert _ids(response) == _expect(entries, "verified")
    assert _ids(admin_client.get(LOG, {"dari": "2024-03-06"})) >= _expect(
        entries, "issued", "submitted"
    )
    assert _ids(admin_client.get(LOG, {"sampai": "2024-03-01"})) == _expect(entries, "viewed")


def test_a_reversed_period_is_refused(admin_client, entries):
    period = {"dari": "2024-03-05", "sampai": "2024-03-01"}

    assert admin_client.get(LOG, period).status_code == 400
    assert admin_client.get(EXPORT, period).status_code == 400


def test_filters_combine(admin_client, entries, kauman):
    response = admin_client.get(LOG, {"desa": kauman.code, "aksi": "request.submitted"})

    assert _ids(response) == _expect(entries, "submitted")


# --- The resident by NIK ---------------------------------------------------------------------


def test_search_by_nik_shows_the_residents_entries_without_the_nik(admin_client, entries, resident):
    response = admin_client.post(f"{LOG}?aksi=request.submitted", {"nik": resident.username})

    assert response.status_code == 302
    location = response["Location"]
    assert resident.username not in location
    assert str(resident.profile.public_id) in location
    assert "aksi=request.submitted" in location  # the other filters are kept

    page = admin_client.get(location)
    assert _ids(page) == _expect(entries, "submitted")
    everything = admin_client.get(location.replace("aksi=request.submitted", "aksi="))
    assert _ids(everything) == _expect(entries, "viewed", "submitted")
    content = everything.content.decode()
    assert resident.username not in content
    assert resident.full_name in content


def test_an_unknown_or_malformed_nik(admin_client, entries):
    for nik in ("3325110101900999", "12345"):
        response = admin_client.post(LOG, {"nik": nik}, follow=True)

        assert response.status_code == 200
        assert nik not in response.content.decode()
        assert response.context["resident"] is None
        assert list(response.context["messages"])


def test_viewing_is_recorded_without_the_nik(admin_client, entries, resident, district_admin):
    location = admin_client.post(LOG, {"nik": resident.username})["Location"]
    admin_client.get(location)

    viewed = AuditEntry.objects.filter(action=AuditAction.AUDIT_VIEWED).latest("id")
    assert viewed.actor == district_admin
    assert viewed.subject == resident
    assert viewed.data["filters"] == {"resident_by_nik": True}
    assert resident.username not in str(viewed.data)


def test_free_text_filters_are_recorded_as_used_only(admin_client, entries, kauman):
    admin_client.get(LOG, {"pelaku": "budi", "desa": kauman.code, "dari": "2024-03-01"})

    viewed = AuditEntry.objects.filter(action=AuditAction.AUDIT_VIEWED).latest("id")
    assert viewed.data["filters"] == {"actor": True, "village": kauman.code, "from": "2024-03-01"}


# --- Paging ----------------------------------------------------------------------------------


def test_paging_keeps_the_filters(admin_client, operator, kauman):
    for _index in range(55):
        audit_record(actor=operator, action=AuditAction.PROFILE_VIEWED, village=kauman)

    first = admin_client.get(LOG, {"aksi": "profile.viewed"})
    second = admin_client.get(LOG, {"aksi": "profile.viewed", "page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 5
    assert "aksi=profile.viewed&amp;page=2" in first.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_page(admin_client, entries, operator):
    with CaptureQueriesContext(connection) as few:
        admin_client.get(LOG)
    for _index in range(30):
        audit_record(
            actor=operator,
            action=AuditAction.PROFILE_VIEWED,
            village=operator.village,
            subject=operator,
        )

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(LOG)

    assert len(response.context["rows"]) > 30
    assert len(many.captured_queries) <= len(few.captured_queries)


# --- The chain -------------------------------------------------------------------------------


def test_the_chain_is_checked_on_demand(admin_client, entries):
    assert admin_client.get(LOG).context["chain"] is None

    response = admin_client.get(LOG, {"periksa": "1"})

    chain = response.context["chain"]
    assert chain["ok"]
    assert chain["entries"] == AuditEntry.objects.count() - 1  # before this view was recorded
    assert "Utuh" in response.content.decode()


def test_an_edited_entry_shows_where_the_chain_breaks(admin_client, entries):
    edited = entries["verified"]
    AuditEntry.objects.filter(pk=edited.pk).update(data={"tampered": True})

    response = admin_client.get(LOG, {"periksa": "1"})

    chain = response.context["chain"]
    assert not chain["ok"]
    assert chain["broken_at"] == edited.pk
    assert f"Rusak pada entri no. {edited.pk}" in response.content.decode()


def test_a_deleted_entry_shows_where_the_chain_breaks(admin_client, entries):
    AuditEntry.objects.filter(pk=entries["issued"].pk).delete()

    chain = admin_client.get(LOG, {"periksa": "1"}).context["chain"]

    assert chain["broken_at"] == entries["submitted"].pk


def test_the_chain_check_is_kept_briefly(admin_client, entries):
    admin_client.get(LOG, {"periksa": "1"})

    with mock.patch("layanan.backoffice.audit_views.audit_chain_verify") as verify:
        response = admin_client.get(LOG)

    verify.assert_not_called()
    assert response.context["chain"]["ok"]


# --- Export ----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_export_has_the_filtered_entries_and_no_nik(
    admin_client, entries, resident, other_resident, kauman
):
    response = admin_client.get(EXPORT, {"desa": kauman.code})

    rows = _csv(response)
    text = "\n".join(",".join(row) for row in rows)
    ids = {int(row[0]) for row in rows[1:]}
    assert ids == _expect(entries, "viewed", "issued", "submitted")
    for user in (resident, other_resident):
        assert user.username not in text  # neither as the resident concerned nor as the actor
    submitted = next(row for row in rows[1:] if int(row[0]) == entries["submitted"].id)
    header = rows[0]
    assert submitted[header.index("Nama warga")] == resident.full_name
    assert submitted[header.index("Id pengguna warga")] == str(resident.pk)
    assert submitted[header.index("Nama pelaku")] == resident.full_name
    assert submitted[header.index("Nama pengguna pelaku")] == ""
    exported = AuditEntry.objects.filter(action=AuditAction.AUDIT_EXPORTED).latest("id")
    assert exported.data["filters"] == {"village": kauman.code}


def test_the_export_by_nik_has_no_nik(admin_client, entries, resident):
    location = admin_client.post(LOG, {"nik": resident.username})["Location"]
    query = location.split("?", 1)[1]

    rows = _csv(admin_client.get(f"{EXPORT}?{query}"))

    listed = {int(row[0]) for row in rows[1:] if not row[6].startswith("audit.")}
    assert listed == _expect(entries, "viewed", "submitted")
    assert resident.username not in str(rows)


def test_names_that_look_like_formulas_stay_text(admin_client, operator, kauman):
    resident = ResidentProfileFactory.create(village=kauman, user__full_name="=HYPERLINK(1)").user
    audit_record(
        actor=operator, action=AuditAction.PROFILE_VIEWED, village=kauman, subject=resident
    )

    rows = _csv(admin_client.get(EXPORT))

    assert "'=HYPERLINK(1)" in {cell for row in rows for cell in row}
