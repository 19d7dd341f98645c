"""The static files storage (STORAGES["staticfiles"]): WhiteNoise's, with each file's URL worked
out once per process.

The base template links six static files on every page; finding each one's hashed name in the
manifest and joining it to STATIC_URL took a fifth of the base template's time. A file's URL
cannot change while the process runs, except when collectstatic writes a new manifest here.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        key = (name, settings.DEBUG)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = super().url(name)
        return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
