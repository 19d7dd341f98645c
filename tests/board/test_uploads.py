"""Attachments: size and count limits, safe names, and downloads that can never render."""

from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from board import services
from board.errors import FileTooLarge, TooManyFiles
from board.models import Attachment, Post
from board.uploads import safe_display_name
from tests.board.conftest import client_for

pytestmark = pytest.mark.django_db

KOREAN_NAME = "회의록 최종.pdf"


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def multipart(filename: str, content: bytes, boundary="BoUnDaRy") -> bytes:
    """Return a multipart body naming the file exactly as given, as a hostile client could."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nRaw\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\nraw\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{filename}"\r\nContent-Type: text/html\r\n\r\n',
    ]
    return "".join(parts).encode() + content + f"\r\n--{boundary}--\r\n".encode()


def create_url(study, task):
    return reverse("board:post_create", args=[study.pk, task.pk])


def test_an_oversized_file_is_refused_with_a_clear_error_and_nothing_is_kept(
    study, task, member, media, settings
):
    settings.BOARD_MAX_UPLOAD_BYTES = 1024
    files = [
        SimpleUploadedFile("small.txt", b"x" * 10),
        SimpleUploadedFile("big.bin", b"x" * 2048),
    ]
    response = client_for(member).post(
        create_url(study, task), {"title": "Big", "body": "b", "files": files}
    )
    assert response.status_code == 400
    assert "Not uploaded, larger than 1.0\xa0KB: big.bin" in response.content.decode()
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_file_is_refused_as_json_for_the_upload_script(
    study, task, member, media, settings
):
    settings.BOARD_MAX_UPLOAD_BYTES = 1024
    response = client_for(member).post(
        create_url(study, task),
        {"title": "Big", "body": "b", "files": [SimpleUploadedFile("big.bin", b"x" * 2048)]},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["files"] == ["Not uploaded, larger than 1.0\xa0KB: big.bin"]
    assert stored_files(media) == []


def test_a_request_declaring_too_many_bytes_is_refused_before_it_is_read(
    study, task, member, media, settings
):
    settings.BOARD_MAX_UPLOAD_BYTES = 1024
    settings.BOARD_MAX_FILES_PER_POST = 2
    response = client_for(member).post(
        create_url(study, task),
        {"title": "Big", "body": "b", "files": [SimpleUploadedFile("a.txt", b"a")]},
        headers={"accept": "application/json"},
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "each file may be at most 1.0\xa0KB" in response.json()["errors"]["files"][0]
    assert not Post.objects.exists()
    assert stored_files(media) == []


def test_the_service_refuses_an_oversized_file_too(task, member, media, settings):
    settings.BOARD_MAX_UPLOAD_BYTES = 4
    with pytest.raises(FileTooLarge, match="at most 4"):
        services.post_create(
            task=task, author=member, title="t", body="b", files=[SimpleUploadedFile("a", b"12345")]
        )
    assert stored_files(media) == []


def test_the_per_post_count_limit_holds_across_uploads(task, member, media, settings):
    settings.BOARD_MAX_FILES_PER_POST = 2
    files = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(3)]
    with pytest.raises(TooManyFiles):
        services.post_create(task=task, author=member, title="t", body="b", files=files)
    assert stored_files(media) == []
    post = services.post_create(task=task, author=member, title="t", body="b", files=files[:2])
    with pytest.raises(TooManyFiles):
        services.attachments_add(post=post, by=member, files=[SimpleUploadedFile("c", b"x")])
    assert post.attachments.count() == 2
    assert len(stored_files(media)) == 2


def test_too_many_files_through_the_view_is_a_form_error(study, task, member, media, settings):
    settings.BOARD_MAX_FILES_PER_POST = 1
    files = [SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.txt", b"b")]
    response = client_for(member).post(
        create_url(study, task), {"title": "t", "body": "b", "files": files}
    )
    assert response.status_code == 400
    assert "at most 1 files" in response.content.decode()
    assert stored_files(media) == []


def test_a_failed_post_removes_the_files_it_stored(task, member, media, monkeypatch):
    def broken_notify(**kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr("board.services.notify", broken_notify)
    with pytest.raises(RuntimeError):
        services.post_create(
            task=task, author=member, title="t", body="b", files=[SimpleUploadedFile("a", b"x")]
        )
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("evil\x00name\n.txt", "evilname.txt"),
        ("\u202etxt.exe", "txt.exe"),
        ("...", "file"),
        ("", "file"),
        (".htaccess", "htaccess"),
        (KOREAN_NAME, KOREAN_NAME),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_display_names_are_sanitized(given, shown):
    assert safe_display_name(given) == shown


def test_a_traversal_name_is_stored_under_a_random_name(study, task, member, media):
    body = multipart("../../etc/passwd", b"root:x:0:0")
    response = client_for(member).generic(
        "POST",
        create_url(study, task),
        body,
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd"
    assert attachment.file.name.startswith(f"board/{study.pk}/")
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    (path,) = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())
    assert path.read_bytes() == b"root:x:0:0"
    download = client_for(member).get(reverse("board:attachment", args=[study.pk, attachment.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="passwd"'


def test_a_korean_name_is_kept_and_sent_with_rfc_5987_encoding(study, task, member, member2):
    response = client_for(member).post(
        create_url(study, task),
        {"title": "회의", "body": "b", "files": [SimpleUploadedFile(KOREAN_NAME, b"%PDF-1.4")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == KOREAN_NAME
    download = client_for(member2).get(reverse("board:attachment", args=[study.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(KOREAN_NAME)}"
    assert b"".join(download.streaming_content) == b"%PDF-1.4"
    assert download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("page.html", "application/octet-stream"),
        ("page.htm", "application/octet-stream"),
        ("image.svg", "application/octet-stream"),
        ("feed.xml", "application/octet-stream"),
        ("page.xhtml", "application/octet-stream"),
        ("script.js", "application/octet-stream"),
        ("archive.tar.gz", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
        ("notes.txt", "text/plain"),
        ("photo.png", "image/png"),
    ],
)
def test_downloads_are_attachments_that_cannot_render(study, task, member, name, content_type):
    post = services.post_create(
        task=task,
        author=member,
        title="t",
        body="b",
        files=[SimpleUploadedFile(name, b"<script>window.pwned=1</script>", "text/html")],
    )
    url = reverse("board:attachment", args=[study.pk, post.attachments.get().pk])
    response = client_for(member).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_outsiders_and_anonymous_users_cannot_download(study, post, outsider):
    url = reverse("board:attachment", args=[study.pk, post.attachments.get().pk])
    assert client_for(outsider).get(url).status_code == 403
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_file_missing_from_storage_is_404(study, post, member):
    attachment = post.attachments.get()
    default_storage.delete(attachment.file.name)
    url = reverse("board:attachment", args=[study.pk, attachment.pk])
    assert client_for(member).get(url).status_code == 404


def test_deleting_a_post_deletes_its_files_on_commit(
    post, member, media, django_capture_on_commit_callbacks
):
    name = post.attachments.get().file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_delete(post=post, by=member)
    # Nothing is removed until the deletion commits.
    assert default_storage.exists(name)
    for callback in callbacks:
        callback()
    assert not default_storage.exists(name)
    assert stored_files(media) == []


def test_deleting_a_study_deletes_its_files(study, post, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        study.delete()
    assert stored_files(media) == []


def test_upload_script_gets_a_json_redirect(study, task, member):
    response = client_for(member).post(
        create_url(study, task),
        {"title": "With file", "body": "b", "files": [SimpleUploadedFile("a.txt", b"a")]},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"redirect": Post.objects.get().get_absolute_url()}


def test_adding_files_to_a_post(study, post, member):
    url = reverse("board:attachments_add", args=[study.pk, post.pk])
    response = client_for(member).post(
        url,
        {"files": [SimpleUploadedFile("b.txt", b"b"), SimpleUploadedFile("c.txt", b"c")]},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert list(post.attachments.values_list("original_name", flat=True)) == [
        "notes.txt",
        "b.txt",
        "c.txt",
    ]
    response = client_for(member).post(url, {}, headers={"accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"]["files"] == ["Choose at least one file."]


def test_an_oversized_file_added_to_a_post_is_refused(study, post, member, media, settings):
    settings.BOARD_MAX_UPLOAD_BYTES = 100
    before = stored_files(media)
    response = client_for(member).post(
        reverse("board:attachments_add", args=[study.pk, post.pk]),
        {"files": [SimpleUploadedFile("big.bin", b"x" * 101)]},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["files"] == ["Not uploaded, larger than 100\xa0bytes: big.bin"]
    assert post.attachments.count() == 1
    assert stored_files(media) == before


def test_a_size_error_is_reported_along_with_other_form_errors(
    study, task, member, media, settings
):
    settings.BOARD_MAX_UPLOAD_BYTES = 100
    response = client_for(member).post(
        create_url(study, task),
        {"title": "", "body": "b", "files": [SimpleUploadedFile("big.bin", b"x" * 101)]},
        headers={"accept": "application/json"},
    )
    errors = response.json()["errors"]
    assert errors["title"] == ["This field is required."]
    assert errors["files"] == ["Not uploaded, larger than 100\xa0bytes: big.bin"]
    assert stored_files(media) == []
