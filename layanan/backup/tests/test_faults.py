"""Faults at the worst moments, with real processes on PostgreSQL: a signing whose COMMIT
reply is lost, a signing process killed between storing its PDF and committing, and a
backup taken while letters are being signed and requests submitted in two villages.

The signing and the load run in other processes against the test database (so these tests
commit their data); PostgreSQL sits behind a proxy the test controls (``commit_proxy``).
"""

import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from layanan.backup.reconcile import files_reconcile
from layanan.backup.tests.commit_proxy import CommitProxy
from layanan.core.models import Counter
from layanan.letters.models import LetterRequest, RequestStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SIGN_WHEN_TOLD = """
import json, sys, django
django.setup()
from layanan.accounts.models import User
from layanan.documents.services import letter_sign
from layanan.letters.models import LetterRequest

request_id, head_id, passphrase = sys.argv[1:4]
print("ready", flush=True)
sys.stdin.readline()
issued = letter_sign(
    request=LetterRequest.objects.get(pk=request_id),
    head=User.objects.get(pk=head_id),
    passphrase=passphrase,
)
print(json.dumps({"status": issued.status, "number": issued.letter_number}), flush=True)
"""


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("other processes must see the test database: run on PostgreSQL")


@pytest.fixture(autouse=True)
def empty_storage():
    """The files of earlier tests removed: the storage outlives each test's database."""
    from layanan.backup.reconcile import storage_files

    for name in storage_files():
        default_storage.delete(name)


@pytest.fixture
def postgres(on_postgres):
    db = connection.settings_dict
    proxy = CommitProxy(upstream=(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


def _env(proxy: CommitProxy | None = None) -> dict:
    """Another process of this installation: this test's database (through ``proxy``), the
    same private files, the same PKI passphrase."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host, port = ("127.0.0.1", proxy.port) if proxy else (db["HOST"], db["PORT"] or 5432)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "LDM_", "CACHE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"postgres://{credentials}@{host}:{port}/{db['NAME']}",
        LDM_VAR_DIR=str(settings.VAR_DIR),
        LDM_PKI_PASSPHRASE=settings.LDM_PKI_PASSPHRASE,
        LDM_BACKUP_KEY=settings.LDM_BACKUP_KEY,
        DATABASE_CONN_MAX_AGE="0",
    )
    return env


def _signer(env: dict, request_id: int, head, passphrase: str) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", SIGN_WHEN_TOLD, str(request_id), str(head.pk), passphrase],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _issued_files() -> list[str]:
    return sorted(
        LetterRequest.objects.filter(status=RequestStatus.TERBIT).values_list("document", flat=True)
    )


def _stored_pdfs() -> list[str]:
    from layanan.backup.reconcile import storage_files

    return storage_files("surat")


def test_a_lost_commit_reply_still_issues_the_letter_with_its_pdf(
    postgres, draft, signing_head, head_passphrase
):
    process = _signer(_env(postgres), draft.pk, signing_head, head_passphrase)
    postgres.arm("lose_reply")
    process.communicate("go\n", timeout=120)

    assert postgres.betrayed.is_set()
    letter = LetterRequest.objects.get(pk=draft.pk)
    assert letter.status == RequestStatus.TERBIT
    assert letter.document.name
    with default_storage.open(letter.document.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == letter.document_sha256
    assert _stored_pdfs() == _issued_files()
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


def test_a_signer_killed_between_storing_and_committing_leaves_no_letter_and_no_counted_orphan(
    postgres, draft, signing_head, head_passphrase
):
    from layanan.documents.services import letter_sign

    process = _signer(_env(postgres), draft.pk, signing_head, head_passphrase)
    postgres.arm("hold")
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()
    assert postgres.betrayed.wait(120), "the signing never committed"
    assert len(_stored_pdfs()) == 1  # the PDF is stored, the COMMIT held back
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    postgres.close()  # the server sees its client gone and rolls back
    # Waits (no clock) until the dead transaction's row locks are gone, i.e. it rolled back.
    with transaction.atomic():
        LetterRequest.objects.select_for_update().get(pk=draft.pk)

    assert LetterRequest.objects.get(pk=draft.pk).status == RequestStatus.KONSEP
    assert not Counter.objects.filter(name__startswith="letter:", value__gt=0).exists()
    report = files_reconcile(grace=dt.timedelta(0))
    assert len(report.quarantined) == 1 and report.missing == []
    assert _stored_pdfs() == []

    issued = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    assert issued.letter_sequence == 1
    assert _stored_pdfs() == _issued_files() == [issued.document.name]


LOAD = """
import json, sys, django
django.setup()
from layanan.accounts.models import User
from layanan.documents.services import letter_sign
from layanan.letters.models import LetterType
from layanan.letters.services import letter_request_accept, letter_request_submit

pairs = json.loads(sys.argv[1])
rounds = int(sys.argv[2])
domisili = LetterType.objects.get(code="SK-DOMISILI")
done = 0
for round_ in range(rounds):
    if round_ == 1:
        print("under way", flush=True)  # the test takes its backup from now on
    for resident_id, operator_id, head_id, passphrase in pairs:
        request = letter_request_submit(
            resident=User.objects.get(pk=resident_id),
            letter_type=domisili,
            data={"keterangan_lainnya": "", "keperluan": "Melamar Pekerjaan"},
        )
        accepted = letter_request_accept(request=request, operator=User.objects.get(pk=operator_id))
        if done % 2 == 0:
            letter_sign(request=accepted, head=User.objects.get(pk=head_id), passphrase=passphrase)
        done += 1
print(done, flush=True)
"""

RESTORE_AND_SIGN = """
import json, sys, django
django.setup()
from django.core.files.storage import default_storage
from django.core.management import call_command
from layanan.accounts.models import User
from layanan.audit.services import audit_chain_verify
from layanan.core.models import Counter
from layanan.documents.services import letter_sign
from layanan.letters.models import LetterRequest, RequestStatus
from layanan.letters.selectors import number_floors
from layanan.verification.services import letter_check_upload

archive, heads = sys.argv[1], json.loads(sys.argv[2])
call_command("backup_restore", archive, verbosity=0)
floors = number_floors()
counters = dict(Counter.objects.values_list("name", "value"))
issued = LetterRequest.objects.filter(status=RequestStatus.TERBIT)
valid = [letter_check_upload(default_storage.open(l.document.name).read()).verdict for l in issued]
signed_after = []
for head_id, passphrase in heads:
    head = User.objects.get(pk=head_id)
    draft = LetterRequest.objects.filter(village=head.village, status=RequestStatus.KONSEP).first()
    if draft is None:  # the snapshot fell where every draft of the village was signed
        from layanan.accounts.models import Role
        from layanan.letters.models import LetterType
        from layanan.letters.services import letter_request_accept, letter_request_submit
        earlier = LetterRequest.objects.filter(village=head.village).exclude(applicant=None)
        request = letter_request_submit(
            resident=earlier.first().applicant,
            letter_type=LetterType.objects.get(code="SK-DOMISILI"),
            data={"keterangan_lainnya": "", "keperluan": "Setelah pemulihan"},
        )
        operator = User.objects.get(village=head.village, role=Role.OPERATOR)
        draft = letter_request_accept(request=request, operator=operator)
    signed_after.append(letter_sign(request=draft, head=head, passphrase=passphrase).letter_number)
print(json.dumps({
    "audit_ok": audit_chain_verify().ok,
    "counters_behind": [n for n, h in floors.items() if counters.get(n, 0) < h],
    "issued": len(valid),
    "all_valid": set(valid) <= {"valid"},
    "signed_after": signed_after,
}))
"""


def test_a_backup_taken_under_load_restores_whole(
    on_postgres,
    tmp_path,
    resident,
    other_resident,
    operator,
    other_operator,
    head,
    local_ca,
    head_passphrase,
    catalogue,
):
    from layanan.accounts.choices import ProfileStatus
    from layanan.accounts.models import Role, User
    from layanan.documents.services import signing_credential_issue

    other_head = User.objects.create_user(
        "lurah.lain",
        "Rahasia-123",
        full_name="Kepala Lain",
        role=Role.HEAD,
        village=other_operator.village,
    )
    for person in (head, other_head):
        signing_credential_issue(user=person, passphrase=head_passphrase)
    for person, village in ((resident, operator.village), (other_resident, other_operator.village)):
        person.profile.status = ProfileStatus.VERIFIED
        person.profile.village = village
        person.profile.save()
    pairs = [
        (resident.pk, operator.pk, head.pk, head_passphrase),
        (other_resident.pk, other_operator.pk, other_head.pk, head_passphrase),
    ]
    load = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", LOAD, json.dumps(pairs), "60"],
        cwd=settings.BASE_DIR,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert load.stdout is not None
    assert load.stdout.readline().strip() == "under way", load.stderr
    archive = tmp_path / "under-load.ldmbackup"
    started = time.monotonic()
    call_command("backup_create", output=str(archive), stdout=io.StringIO())
    backup_seconds = time.monotonic() - started
    out, err = load.communicate(timeout=180)
    assert load.returncode == 0, err
    print(f"\nbackup under load: {backup_seconds:.2f} s; load made {out.strip()} requests")

    restore_db = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restore_db}"')
        cursor.execute(f'CREATE DATABASE "{restore_db}"')
    try:
        fresh = tmp_path / "fresh"
        fresh.mkdir()
        env = _env()
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{restore_db}"
        env["LDM_VAR_DIR"] = str(fresh)
        result = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                RESTORE_AND_SIGN,
                str(archive),
                json.dumps([(head.pk, head_passphrase), (other_head.pk, head_passphrase)]),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)')

    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["audit_ok"]
    assert outcome["counters_behind"] == []
    assert outcome["issued"] > 0 and outcome["all_valid"]
    assert len(outcome["signed_after"]) == 2  # signing continues in every village
