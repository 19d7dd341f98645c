"""Cohort's message catalogs (locale/ko/LC_MESSAGES): update them, or check they are complete.

    python scripts/translations.py update   # makemessages (django, djangojs) and compilemessages
    python scripts/translations.py check    # `make lint`: fail on a stale .po or .mo, or on a
                                            # message without a Korean translation, or fuzzy

The check runs makemessages on a copy of the sources and compares the result with the committed
.po files, ignoring only the POT-Creation-Date header. Needs GNU gettext (xgettext, msgmerge,
msgfmt, msgattrib: `apt-get install gettext`); `make run` does not, as the .mo files are committed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["ko"]
DOMAINS = ["django", "djangojs"]
# Directories makemessages never reads: tools, tests, generated and installed files.
NOT_SCANNED = ["var", "tests", "bench", "scripts", "theme", "locale"]
# Left out of the copy the check works on.
NOT_COPIED = [".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"]
POT_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def catalog(root: Path, language: str, domain: str, suffix: str = "po") -> Path:
    return root / "locale" / language / "LC_MESSAGES" / f"{domain}.{suffix}"


def manage(root: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": "", "REDIS_URL": ""}
    env.setdefault("SECRET_KEY", "translations-only")
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=env, check=True, capture_output=True
    )


def update(root: Path) -> None:
    for domain in DOMAINS:
        args = ["makemessages", "--domain", domain, "--no-obsolete", "--add-location", "file"]
        for language in LANGUAGES:
            args += ["--locale", language]
        for name in NOT_SCANNED:
            args += ["--ignore", f"{name}/*"]
        manage(root, *args)
    compile_messages(root)


def compile_messages(root: Path) -> None:
    # compilemessages compiles every locale/ directory below: not the installed packages'.
    manage(root, "compilemessages", "--ignore", ".venv", "--ignore", "theme", "--ignore", "var")


def untranslated(path: Path) -> str:
    """Return the entries of a .po file that lack a translation or are fuzzy."""
    found = []
    for option in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", option, "--no-obsolete", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        found.append(result.stdout.strip())
    return "\n".join(text for text in found if text)


def check() -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as temp:
        copy = Path(temp) / "cohort"
        shutil.copytree(
            ROOT,
            copy,
            ignore=shutil.ignore_patterns(*NOT_COPIED),
            symlinks=True,
        )
        update(copy)
        for language in LANGUAGES:
            for domain in DOMAINS:
                committed, fresh = catalog(ROOT, language, domain), catalog(copy, language, domain)
                name = committed.relative_to(ROOT)
                if not committed.exists():
                    problems.append(f"{name} is missing: run `make messages`.")
                    continue
                if POT_DATE.sub("", committed.read_text()) != POT_DATE.sub("", fresh.read_text()):
                    problems.append(f"{name} is stale: run `make messages` and translate.")
                missing = untranslated(committed)
                if missing:
                    problems.append(f"{name} has untranslated or fuzzy messages:\n{missing}")
                mo = catalog(ROOT, language, domain, "mo")
                fresh_mo = catalog(copy, language, domain, "mo")
                # Compiled from the committed .po (not the fresh one) to tell the two apart.
                shutil.copyfile(committed, fresh)
                compile_messages(copy)
                if not mo.exists() or mo.read_bytes() != fresh_mo.read_bytes():
                    problems.append(f"{mo.relative_to(ROOT)} is stale: run `make messages`.")
    return problems


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update(ROOT)
        return 0
    if command == "check":
        problems = check()
        for problem in problems:
            sys.stderr.write(problem + "\n")
        return 1 if problems else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
