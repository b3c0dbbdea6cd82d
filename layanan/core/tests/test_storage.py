"""Private files: on local disk by default, in an S3-compatible bucket by configuration;
never with a URL in either. The S3 case runs against a real S3-compatible server (moto's)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from layanan.core.storage import PrivateFileSystemStorage
from layanan.core.tests.stand_ins import free_port, wait_for_port

BUCKET = "ldm-private"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ldm-test", "AWS_SECRET_ACCESS_KEY": "ldm-test-secret"}


def test_local_private_storage_has_no_urls(tmp_path):
    storage = PrivateFileSystemStorage(location=tmp_path)
    name = storage.save("identitas/ktp.jpg", ContentFile(b"data"))

    with pytest.raises(ValueError, match="not accessible via a URL"):
        storage.url(name)


@pytest.fixture(scope="module")
def s3_server():
    """A moto S3 server on a free port, with an empty private bucket."""
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed")
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if executable is None:
        if os.environ.get("LDM_REQUIRE_ALL_TOOLS"):
            pytest.fail("moto_server is required (moto[server] is a dev dependency)")
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our venv's moto_server on loopback
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not wait_for_port(port, process=process):
            pytest.skip("moto_server did not start")
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_server):
    from layanan.core.storage_s3 import PrivateS3Storage

    endpoint, _client = s3_server
    return PrivateS3Storage(
        bucket_name=BUCKET,
        endpoint_url=endpoint,
        region_name="us-east-1",
        access_key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        location="test",
    )


def test_s3_storage_keeps_files_private(s3_server, s3_storage):
    _endpoint, client = s3_server

    name = s3_storage.save("surat/2026/11/2026112600001.pdf", ContentFile(b"%PDF-1.7 letter"))

    assert s3_storage.exists(name)
    with s3_storage.open(name, "rb") as stored:
        assert stored.read() == b"%PDF-1.7 letter"
    with pytest.raises(ValueError, match="not accessible via a URL"):
        s3_storage.url(name)
    grants = client.get_object_acl(Bucket=BUCKET, Key=f"test/{name}")["Grants"]
    grantees = {grant["Grantee"].get("URI", grant["Grantee"].get("ID")) for grant in grants}
    assert not any("AllUsers" in g or "AuthenticatedUsers" in g for g in grantees if g)


def test_s3_storage_never_overwrites(s3_storage):
    first = s3_storage.save("identitas/ktp.jpg", ContentFile(b"one"))
    second = s3_storage.save("identitas/ktp.jpg", ContentFile(b"two"))

    assert first != second
    with s3_storage.open(first, "rb") as stored:
        assert stored.read() == b"one"
    s3_storage.delete(first)
    assert not s3_storage.exists(first)


SAVE_THROUGH_SETTINGS = (
    "import json, django; django.setup(); "
    "from django.core.files.base import ContentFile; "
    "from django.core.files.storage import storages; s = storages['default']; "
    "name = s.save('identitas/x/kk.png', ContentFile(b'png')); "
    "refused = False\n"
    "try:\n    s.url(name)\nexcept ValueError:\n    refused = True\n"
    "print(json.dumps({'backend': type(s).__name__, 'name': name, 'refused': refused, "
    "'content': s.open(name).read().decode()}))"
)


def test_ldm_storage_s3_switches_the_default_storage(s3_server, tmp_path):
    endpoint, client = s3_server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LDM_"))}
    env.update(
        CREDENTIALS,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        LDM_VAR_DIR=str(tmp_path),
        LDM_STORAGE="s3",
        LDM_S3_BUCKET=BUCKET,
        LDM_S3_ENDPOINT_URL=endpoint,
        LDM_S3_REGION="us-east-1",
        LDM_S3_PREFIX="ldm",
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", SAVE_THROUGH_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "backend": "PrivateS3Storage",
        "name": "identitas/x/kk.png",
        "refused": True,
        "content": "png",
    }
    # The bucket holds the file encrypted (test_encryption_at_rest.py), never the PNG.
    stored = client.get_object(Bucket=BUCKET, Key="ldm/identitas/x/kk.png")["Body"].read()
    assert stored.startswith(b"LDM-FILE-1\n")
    assert b"png" not in stored


def test_an_unknown_storage_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LDM_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", LDM_VAR_DIR=str(tmp_path), LDM_STORAGE="ftp"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "LDM_STORAGE must be" in result.stderr
