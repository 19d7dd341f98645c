import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Keep the demo's uploaded files in a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
