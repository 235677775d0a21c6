"""Status words come from one place: workflows.py.

Application code names a workflow status through its enum (ProductStatus.FILED…), never as a
string literal, and templates show a status label through the status macro
(templates/_status.html) and compare statuses with the enums Jinja is given, never with a
quoted 'filed'. Words of other vocabularies that happen to be spelt like a status (a patent's
legal status 审中 'pending', a notification template named 'recognised'…) are allowed where
OTHER_VOCABULARIES says, each with its reason.
"""

import ast
import re
from pathlib import Path

import workflows

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".git", "migrations", "tests", "instance", "test-artifacts", "node_modules", "translations",
             "static", "templates"}
HOME = "workflows.py"  # where the words are defined

STATUS_ENUMS = (workflows.UnitStatus, workflows.ChangeStatus, workflows.ProductStatus, workflows.UpdateStatus,
                workflows.RecognitionStatus, workflows.ObjectionStatus, workflows.PublicStatus)
WORDS = frozenset(str(status) for enum in STATUS_ENUMS for status in enum)

# (file, where, word): the word there belongs to another vocabulary. `where` is the name the
# module's top-level statement defines (a constant, a function, a class) or "notify=" for the
# value of a notify keyword.
OTHER_VOCABULARIES = {
    # The notification outbox's own delivery states (models.OutboxStatus, not a workflow).
    ("models.py", "OutboxStatus", "pending"): "outbox delivery state 待发送",
    # A patent's legal status (法律状态) as the register and the import files spell it.
    ("domain/patents.py", "STATUSES", "pending"): "patent legal status 审中",
    ("domain/patents.py", "STATUSES", "expired"): "patent legal status 届满",
    ("domain/patents.py", "STATUS_LABELS", "pending"): "patent legal status 审中",
    ("domain/patents.py", "STATUS_LABELS", "expired"): "patent legal status 届满",
    ("seed/demo_patents.py", "generate", "expired"): "patent legal status 届满 of demo patents",
    # Notification templates named after the event they announce (infra.notifications.TEMPLATES;
    # their names are stored in Outbox.template).
    ("infra/notifications.py", "TEMPLATES", "recognised"): "notification template name",
    ("infra/notifications.py", "TEMPLATES", "recognition_revoked"): "notification template name",
    ("domain/transitions.py", "notify=", "recognised"): "notification template name",
    ("domain/transitions.py", "notify=", "recognition_revoked"): "notification template name",
}

# A status word quoted in a template: 'filed', "pending"…
TEMPLATE_LITERAL = re.compile(r"""(['"])(""" + "|".join(sorted(WORDS, key=len, reverse=True)) + r""")\1""")


def _python_files():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP_DIRS or rel.as_posix() == HOME:
            continue
        yield rel.as_posix(), path


def _template_files():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        yield path.relative_to(ROOT).as_posix(), path


def _top_level_name(statement):
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.name
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    return names[0] if names else ""


def _keyword_names(node, parents):
    names = set()
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg + "=")
    return names


def python_literals(rel, source):
    """(line, word, where) of every string constant spelt like a status word, except those
    OTHER_VOCABULARIES allows."""
    tree = ast.parse(source)
    found = []
    for statement in tree.body:
        parents = {child: parent for parent in ast.walk(statement) for child in ast.iter_child_nodes(parent)}
        top = _top_level_name(statement)
        for node in ast.walk(statement):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in WORDS):
                continue
            places = {top} | _keyword_names(node, parents)
            if any((rel, where, node.value) in OTHER_VOCABULARIES for where in places):
                continue
            found.append((node.lineno, node.value, top))
    return found


def template_literals(source):
    """(line, word) of every quoted status word in a template."""
    return [(source.count("\n", 0, m.start()) + 1, m.group(2)) for m in TEMPLATE_LITERAL.finditer(source)]


def all_literals():
    """{file: [(line, word)…]} over the application's Python files and templates."""
    found = {}
    for rel, path in _python_files():
        hits = sorted((line, word) for line, word, _top in python_literals(rel, path.read_text(encoding="utf-8")))
        if hits:
            found[rel] = hits
    for rel, path in _template_files():
        hits = template_literals(path.read_text(encoding="utf-8"))
        if hits:
            found[rel] = hits
    return found


def test_status_words_come_from_workflows():
    found = all_literals()
    listing = [f"{rel}:{line}: '{word}'" for rel, hits in found.items() for line, word in hits]
    assert not listing, (
        "status words written as literals (use the workflows enums in Python, the status macro and the "
        "enums in templates; another vocabulary goes in OTHER_VOCABULARIES with its reason):\n"
        + "\n".join(listing))


def test_other_vocabularies_are_still_used():
    """An allowance nobody needs any more is removed, so the list stays the truth."""
    used = set()
    for rel, path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in tree.body:
            parents = {child: parent for parent in ast.walk(statement) for child in ast.iter_child_nodes(parent)}
            top = _top_level_name(statement)
            for node in ast.walk(statement):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in WORDS:
                    used |= {(rel, where, node.value) for where in {top} | _keyword_names(node, parents)}
    assert not set(OTHER_VOCABULARIES) - used, sorted(set(OTHER_VOCABULARIES) - used)


def test_the_scanner_finds_literals():
    """The scan itself: a comparison, a keyword, a tuple, a dict key; and templates' quotes."""
    source = ('if p.status == "filed": pass\nq = Unit.create(status="approved")\nx = p.status in ("draft", "x")\n'
              'TABS = {"revoked": 1}\nok = "validity"\n')
    assert [(line, word) for line, word, _top in python_literals("app.py", source)] == [
        (1, "filed"), (2, "approved"), (3, "draft"), (4, "revoked")]
    assert template_literals("{% if x.status == 'filed' %}\n{{ url_for('a', tab=\"notice\") }} 'filedx'") == [
        (1, "filed"), (2, "notice")]
