"""config.storage.StaticFilesStorage: WhiteNoise's storage, each URL worked out once."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.storage import StaticFilesStorage

NAME = "css/dist/styles.css"


def test_the_site_uses_it_and_its_urls_are_the_manifests():
    assert isinstance(staticfiles_storage._wrapped or staticfiles_storage, StaticFilesStorage)
    url = static(NAME)
    assert url == CompressedManifestStaticFilesStorage().url(NAME)
    assert url.startswith("/static/css/dist/styles.") and url != f"/static/{NAME}"
    assert static(NAME) == url


def test_a_url_is_worked_out_once(monkeypatch):
    storage = StaticFilesStorage()
    asked = []
    parent_url = CompressedManifestStaticFilesStorage.url

    def counted(self, name, force=False):
        asked.append(name)
        return parent_url(self, name, force)

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", counted)
    urls = {storage.url(NAME) for _ in range(3)}
    assert len(urls) == 1 and asked == [NAME]
    # DEBUG serves the names as they are: a URL of its own.
    with override_settings(DEBUG=True):
        assert storage.url(NAME) == f"/static/{NAME}"
    # A new manifest (collectstatic in this process) forgets them.
    monkeypatch.setattr(
        CompressedManifestStaticFilesStorage, "post_process", lambda self, *args, **kwargs: iter(())
    )
    list(storage.post_process({}))
    storage.url(NAME)
    assert asked == [NAME, NAME, NAME]
