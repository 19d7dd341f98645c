"""Upload rules: the size limit enforced while the request streams in, and safe file names."""

import mimetypes
import unicodedata

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

NAME_MAX_LENGTH = 200
FALLBACK_NAME = "file"
# Types a browser shows without running anything; every other file is served as a download
# of application/octet-stream, so an uploaded HTML, SVG or XML page can never render here.
INERT_CONTENT_TYPES = {
    "application/pdf",
    "application/zip",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/csv",
    "text/plain",
}


def max_upload_bytes() -> int:
    return settings.BOARD_MAX_UPLOAD_BYTES


def max_files_per_post() -> int:
    return settings.BOARD_MAX_FILES_PER_POST


def max_request_bytes() -> int:
    """Return the largest upload request worth reading: every file at its limit, plus the form."""
    return max_upload_bytes() * max_files_per_post() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def upload_too_large_message() -> str:
    return gettext("The upload is too large: each file may be at most %(limit)s.") % {
        "limit": filesizeformat(max_upload_bytes())
    }


def safe_display_name(name: str) -> str:
    """Return the last path component of `name` without control characters, for display only."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: NAME_MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX_LENGTH]
    return name or FALLBACK_NAME


def download_content_type(name: str) -> str:
    guessed, encoding = mimetypes.guess_type(name, strict=True)
    if encoding is None and guessed in INERT_CONTENT_TYPES:
        return guessed
    return "application/octet-stream"


class SizeLimitUploadHandler(FileUploadHandler):
    """Drop any file larger than the limit while it streams in, remembering its name.

    It runs before Django's own handlers, so an oversized file is never written to memory,
    a temporary file or the storage; the view turns `rejected` into a form error.
    """

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit or max_upload_bytes()
        self.rejected: list[str] = []
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.rejected.append(safe_display_name(self.file_name))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
