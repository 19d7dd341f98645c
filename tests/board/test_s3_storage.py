"""Attachments on an S3-compatible store through django-storages (S3 mocked in process by moto)."""

import json
import subprocess
import sys
from urllib.parse import quote

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws

from board.models import Attachment
from tests.board.conftest import client_for
from tests.servers import ROOT, served_environment

pytestmark = pytest.mark.django_db

BUCKET = "cohort-board-test"
S3_SETTINGS = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": BUCKET,
        "region_name": "us-east-1",
        "access_key": "test-key",
        "secret_key": "test-secret",
        "default_acl": "private",
        "file_overwrite": False,
    },
}


@pytest.fixture
def bucket(settings):
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
        )
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": S3_SETTINGS}
        yield client


def keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_upload_download_and_delete_on_s3(
    bucket, study, task, member, member2, django_capture_on_commit_callbacks
):
    name = "발표 자료.txt"
    response = client_for(member).post(
        reverse("board:post_create", args=[study.pk, task.pk]),
        {"title": "On S3", "body": "b", "files": [SimpleUploadedFile(name, b"slides")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert keys(bucket) == [attachment.file.name]
    assert attachment.file.name.startswith(f"board/{study.pk}/")

    download = client_for(member2).get(reverse("board:attachment", args=[study.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"slides"
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(member).post(reverse("board:post_delete", args=[study.pk, attachment.post_id]))
    assert keys(bucket) == []


def storages_from_environment(**env) -> dict:
    """Return STORAGES["default"] as config/settings.py builds it from `env`."""
    inherited = {
        key: value
        for key, value in served_environment().items()
        if not key.startswith(("STORAGE_", "AWS_"))
    }
    environment = {**inherited, **env}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.STORAGES['default']))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout)


def test_settings_choose_local_files_by_default():
    assert storages_from_environment() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_settings_read_an_s3_compatible_store_from_the_environment():
    storage = storages_from_environment(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="cohort-files",
        AWS_S3_ENDPOINT_URL="https://minio.example:9000",
        AWS_S3_REGION_NAME="ap-northeast-2",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "cohort-files"
    assert storage["OPTIONS"]["endpoint_url"] == "https://minio.example:9000"
    assert storage["OPTIONS"]["region_name"] == "ap-northeast-2"
    assert storage["OPTIONS"]["default_acl"] == "private"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "needs AWS_STORAGE_BUCKET_NAME"),
        ({"STORAGE_BACKEND": "ftp"}, "must be local or s3"),
    ],
)
def test_settings_refuse_an_incomplete_storage_configuration(env, message):
    with pytest.raises(RuntimeError, match=message):
        storages_from_environment(**env)
