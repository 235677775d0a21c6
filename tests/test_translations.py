"""English is the second locale (SPEC): every user-facing string of the code has an English
translation with the same placeholders. After adding text: `make messages`, then translate."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


def code_strings():
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {}}):
        if filename.startswith(("tests/", "bench/", ".venv/")):
            continue
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, filename)
    return found


def test_every_string_in_the_code_has_an_english_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(f) if m.id}
    missing = [f"{where}: {msgid}" for msgid, where in code_strings().items()
               if msgid not in catalogue or not catalogue[msgid].string
               or catalogue[msgid].fuzzy]  # pybabel compile leaves fuzzy entries out
    assert not missing, "untranslated (run `make messages`):\n" + "\n".join(sorted(missing)[:40])


def test_translations_keep_every_placeholder():
    with CATALOGUE.open("rb") as f:
        messages = [m for m in read_po(f) if m.id and m.string]
    wrong = []
    for m in messages:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if sorted(PLACEHOLDER.findall(ids[0])) != sorted(PLACEHOLDER.findall(strings[0])):
            wrong.append(f"{ids[0]} -> {strings[0]}")
    assert not wrong, "\n".join(wrong)
