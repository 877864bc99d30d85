"""Private files in S3-compatible object storage (`STORAGE_URL`), against a real S3 server on 127.0.0.1
(moto's standalone server): an upload through the web form lands in the bucket, the download keeps its
permission check and attachment headers, a worker in another process reads what the web process
wrote, erasure deletes the object, and a bucket that is down gives a clear error with nothing
half-written (no application row naming a file that was never stored)."""

import hashlib
import os
import subprocess
import sys

import boto3
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse

from applications.models import Application, Document
from config.storage_url import object_storage
from program.objectstore import ObjectStorage, StorageUnavailable
from tests.factories import CallFactory
from tests.fixtures.mail.make_corpus import pdf
from tests.servers.s3 import S3Server

BUCKET = "runway-private"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3():
    for key, value in CREDENTIALS.items():
        os.environ.setdefault(key, value)
    server = S3Server().start()
    boto3.client("s3", endpoint_url=server.endpoint).create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


@pytest.fixture
def bucket(s3):
    url = f"s3://{BUCKET}/files?endpoint={s3.endpoint}&region=us-east-1"
    storages = {**settings.STORAGES, "default": object_storage(url)}
    with override_settings(STORAGES=storages, STORAGE_URL=url):
        yield url


def _objects(s3) -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=s3.endpoint)
    listing = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listing}


def test_the_storage_url_becomes_a_private_s3_backend():
    options = object_storage("s3://b/some/prefix?endpoint=http://127.0.0.1:9000&region=eu-west-1")

    assert options["BACKEND"] == "program.objectstore.ObjectStorage"
    assert options["OPTIONS"]["bucket_name"] == "b" and options["OPTIONS"]["location"] == "some/prefix"
    assert options["OPTIONS"]["default_acl"] is None and options["OPTIONS"]["file_overwrite"] is False


def test_an_upload_lands_in_the_bucket_and_downloads_keep_their_checks(
    client, db, s3, bucket, organizer, other_applicant
):
    call = CallFactory(slug="s3-call")
    resume = pdf("Ada on S3")
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    response = client.post(reverse("applications:apply", kwargs={"slug": call.slug}),
                           {"email": "ada@example.org", "name": "Ada", "resume": SimpleUploadedFile("cv.pdf", resume, "application/pdf"),
                            "privacy": "on"})  # fmt: skip
    document = Document.objects.get(application__call=call)
    stored = _objects(s3)
    url = reverse("applications:document", kwargs={"pk": document.application_id, "document_pk": document.pk})
    client.force_login(other_applicant)
    refused = client.get(url)
    client.force_login(organizer)
    download = client.get(url)
    body = b"".join(download.streaming_content)

    assert response.status_code in (200, 302)
    assert f"files/{document.file.name}" in stored and stored[f"files/{document.file.name}"] == resume
    assert not any(resume == v for k, v in stored.items() if not k.startswith("files/"))
    assert refused.status_code == 403 and download.status_code == 200 and body == resume
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"
    with pytest.raises(NotImplementedError):
        document.file.url  # noqa: B018  (no public address, ever)


def test_a_worker_in_another_process_reads_what_the_web_process_wrote(db, s3, bucket):
    name = default_storage.save("letters/shared.pdf", __import__("io").BytesIO(b"%PDF-1.4 shared"))
    env = {**os.environ, "STORAGE_URL": bucket, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    code = (
        "import django, hashlib; django.setup();"
        "from django.core.files.storage import default_storage as s;"
        f"print(hashlib.sha256(s.open({name!r}).read()).hexdigest())"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == hashlib.sha256(b"%PDF-1.4 shared").hexdigest()


def test_erasure_deletes_the_objects(db, s3, bucket, django_capture_on_commit_callbacks):
    from applications.services import create_application  # noqa: PLC0415
    from program.privacy.erasure import erase_person  # noqa: PLC0415
    from tests.factories import UserFactory  # noqa: PLC0415

    person = UserFactory(email="gone@example.org", full_name="Gone Person")
    application = create_application(CallFactory(), person, source="web")
    document = Document(application=application, original_filename="cv.pdf")
    document.file.save("cv.pdf", __import__("io").BytesIO(b"%PDF-1.4 gone"), save=True)
    key = f"files/{document.file.name}"
    assert key in _objects(s3)

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(person, by=None, why="request")

    assert key not in _objects(s3)


def test_a_bucket_that_is_down_is_a_clear_error_and_nothing_is_half_written(client, db, s3, bucket):
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    call = CallFactory(slug="s3-down")
    s3.stop()
    try:
        with pytest.raises(StorageUnavailable, match="file storage unavailable"):
            ObjectStorage(**object_storage(bucket)["OPTIONS"]).save("x/y.pdf", __import__("io").BytesIO(b"x"))
        response = client.post(reverse("applications:apply", kwargs={"slug": call.slug}),
                               {"email": "down@example.org", "name": "Down", "privacy": "on",
                                "resume": SimpleUploadedFile("cv.pdf", pdf("down"), "application/pdf")})  # fmt: skip
    finally:
        s3.start()
        boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket=BUCKET)

    assert response.status_code == 503 and b"could not store your file" in response.content
    assert not Application.objects.filter(call=call).exists()
