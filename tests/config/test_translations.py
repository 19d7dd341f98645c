"""`make lint`'s translation check (scripts/translations.py) fails on what it must catch."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_COPIED = [".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache", "tests"]

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")


def run(copy: Path, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/translations.py", command],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
    )


def catalog(copy: Path, domain: str) -> Path:
    return copy / "locale" / "ko" / "LC_MESSAGES" / f"{domain}.po"


def translate_everything(copy: Path) -> None:
    """Bring the copy's catalogs up to date and complete, whatever other branches added."""
    assert run(copy, "update").returncode == 0
    for domain in ("django", "djangojs"):
        path = str(catalog(copy, domain))
        subprocess.run(["msgen", "-o", path, path], check=True)
        subprocess.run(["msgattrib", "--clear-fuzzy", "-o", path, path], check=True)
    assert run(copy, "update").returncode == 0


def test_the_check_catches_a_new_string_an_untranslated_one_and_a_fuzzy_one(tmp_path):
    copy = tmp_path / "cohort"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_COPIED))
    translate_everything(copy)
    passed = run(copy, "check")
    assert passed.returncode == 0, passed.stderr

    # A string marked in a template but never extracted: the .po is stale.
    template = copy / "templates" / "home.html"
    template.write_text(
        template.read_text().replace(
            "{% block content %}",
            '{% block content %}{% translate "A sentence nobody translated" %}',
            1,
        )
    )
    # A translation emptied, and one marked fuzzy.
    django_po = catalog(copy, "django")
    django_po.write_text(
        django_po.read_text().replace(
            'msgid "Log out"\nmsgstr "로그아웃"', 'msgid "Log out"\nmsgstr ""'
        )
    )
    js_po = catalog(copy, "djangojs")
    js_po.write_text(re.sub(r'\n(msgid "Live"\n)', r"\n#, fuzzy\n\1", js_po.read_text(), count=1))

    failed = run(copy, "check")
    assert failed.returncode == 1
    assert "locale/ko/LC_MESSAGES/django.po is stale" in failed.stderr
    assert "django.po has untranslated or fuzzy messages" in failed.stderr
    assert 'msgid "Log out"' in failed.stderr
    assert "djangojs.po has untranslated or fuzzy messages" in failed.stderr
    assert 'msgid "Live"' in failed.stderr
    assert "djangojs.po is stale" not in failed.stderr
