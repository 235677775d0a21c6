"""The project's layout holds: layers import only downwards, the import graph (imports inside
functions counted) has no cycle, no project import hides inside a function, and no view
module writes to the database itself (the domain modules do)."""

import ast
from pathlib import Path

import models

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "migrations", "tests", "node_modules", "instance", "test-artifacts"}

# Lowest first. A module imports only from its own layer or below; within a layer the graph
# must simply have no cycle.
LAYERS = (
    ("models",),
    ("jobs",),
    ("infra",),
    ("workflows",),
    ("domain",),
    ("admin_app", "public_site", "seed"),
    ("cli", "cron_config"),
    ("app",),
    ("bench",),
)
VIEW_PACKAGES = ("admin_app", "public_site")
WRITES = {"create", "insert", "insert_many", "update", "delete", "delete_instance", "replace", "get_or_create"}


def _modules():
    found = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or any(p.startswith(".") for p in rel.parts):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name):
    """The project module an import names (the longest known prefix), or None."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(tree):
    """(target module, line, inside a function) for every import of a project module."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = _resolve(alias.name)
                    if target:
                        found.append((target, child.lineno, inside))
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                for alias in child.names:
                    target = _resolve(f"{child.module}.{alias.name}") or _resolve(child.module)
                    if target:
                        found.append((target, child.lineno, inside))
            visit(child, inside)

    visit(tree, False)
    return found


GRAPH = {name: _imports(ast.parse(path.read_text(encoding="utf-8"))) for name, path in MODULES.items()}


def _layer(module):
    top = module.split(".")[0]
    for n, names in enumerate(LAYERS):
        if top in names:
            return n
    raise AssertionError(f"{module}: not in any layer of tests/test_layout.py")


def test_every_module_has_a_layer_and_imports_only_downwards():
    upward = [f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)}) at line {line}"
              for m, edges in GRAPH.items() for t, line, _ in edges if _layer(t) > _layer(m)]
    assert not upward, "\n".join(upward)


def test_the_back_office_and_the_public_site_do_not_import_each_other():
    crossing = [f"{m} imports {t}" for m, edges in GRAPH.items() for t, _line, _ in edges
                if {m.split(".")[0], t.split(".")[0]} == {"admin_app", "public_site"}]
    assert not crossing, "\n".join(crossing)


def test_the_import_graph_has_no_cycle():
    state, path, cycles = {}, [], []

    def walk(module):
        state[module] = "open"
        path.append(module)
        for target, _line, _inside in GRAPH[module]:
            if target == module:
                continue
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                walk(target)
        path.pop()
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            walk(module)
    assert not cycles, "\n".join(cycles)


def test_no_project_import_hides_inside_a_function():
    # bench/ holds scripts run by path: they put the project on sys.path first, then import it
    hidden = [f"{m}:{line} imports {t} inside a function"
              for m, edges in GRAPH.items() if not m.startswith("bench.")
              for t, line, inside in edges if inside]
    assert not hidden, "\n".join(hidden)


def test_view_modules_write_nothing_to_the_database_themselves():
    model_names = {m.__name__ for m in models.ALL_MODELS}
    writes = []
    for name, path in MODULES.items():
        if name.split(".")[0] not in VIEW_PACKAGES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in WRITES and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in model_names):
                writes.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    assert not writes, "\n".join(writes)


def test_the_layout_checks_see_the_whole_project():
    # the sweep above would pass on an empty graph: make sure it read the real modules
    assert {"workflows", "domain.transitions", "domain.search", "public_site.portal.filing",
            "admin_app.reviews.products", "infra.notifications"} <= set(GRAPH)
    assert any(t == "workflows" for t, _l, _i in GRAPH["domain.transitions"])


def test_the_readmes_map_matches_the_tree():
    """Every module path the README names exists, and every module of domain/, infra/, the
    portal and the back office is named there."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.py)", readme))
    missing_files = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing_files, f"the README names files that do not exist: {missing_files}"
    modules = {str(p.relative_to(ROOT)) for d in ("domain", "infra", "admin_app", "public_site")
               for p in (ROOT / d).rglob("*.py") if p.name != "__init__.py"}
    unnamed = sorted(m for m in modules if m not in readme and f"`{Path(m).name}`" not in readme)
    assert not unnamed, f"modules the README's map does not name: {unnamed}"
