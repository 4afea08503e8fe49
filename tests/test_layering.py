"""The project's layering rules (DESIGN.md section 3), read from the source:

- deliveryunit/ is the base: outside urls.py, settings.py and management commands it imports no
  domain app;
- dependencies between apps run one way (priorities knows no other app; assessments knows
  priorities; stocktakes knows priorities and assessments; reviews and plans know priorities
  and stocktakes; portfolio and the api may know them all);
- no app imports another app's views;
- no import cycle between project modules (imports inside functions count);
- no view function over 50 lines, and fewer than 5 over 30.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "deliveryunit"
# Which apps each app may import, besides the base and itself.
MAY_IMPORT: dict[str, set[str]] = {
    "priorities": set(),
    "assessments": {"priorities"},
    "stocktakes": {"priorities", "assessments"},
    "reviews": {"priorities", "stocktakes"},
    "plans": {"priorities", "stocktakes"},
    "portfolio": {"priorities", "assessments", "stocktakes", "reviews", "plans"},
    "api": {"priorities", "assessments", "stocktakes", "reviews", "plans"},
}
APPS = set(MAY_IMPORT)
BASE_MAY_IMPORT_APPS = ("deliveryunit/urls.py", "deliveryunit/settings.py")
SKIP_DIRS = {"tests", "bench", "migrations", "node_modules", "scripts", "static", "templates"}
LONGEST_VIEW = 50
LONG_VIEW = 30
LONG_VIEWS_ALLOWED = 5


def _modules() -> dict[str, Path]:
    found = {}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in SKIP_DIRS]
        for file in files:
            if file.endswith(".py"):
                relative = (Path(folder) / file).relative_to(ROOT)
                name = ".".join(relative.with_suffix("").parts)
                found[name.removesuffix(".__init__")] = relative
    return found


def _imports(path: Path) -> list[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    package = list(path.with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = list(path.parent.parts)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _graph() -> tuple[dict[str, Path], dict[str, set[str]]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return modules, graph


def test_the_base_imports_no_domain_app() -> None:
    modules, graph = _graph()
    problems = [
        f"{modules[name]} imports {target}"
        for name, targets in graph.items()
        if name.split(".")[0] == BASE
        and str(modules[name]) not in BASE_MAY_IMPORT_APPS
        and not str(modules[name]).startswith(f"{BASE}/management/")
        for target in targets
        if target.split(".")[0] in APPS
    ]
    assert problems == []


def test_apps_depend_on_each_other_one_way_only_and_never_on_views() -> None:
    modules, graph = _graph()
    problems = []
    for name, targets in graph.items():
        app = name.split(".")[0]
        if app not in APPS:
            continue
        for target in targets:
            other = target.split(".")[0]
            if other in APPS and other != app:
                if other not in MAY_IMPORT[app]:
                    problems.append(f"{modules[name]} imports {target}")
                if target.split(".")[-1].startswith("views"):
                    problems.append(f"{modules[name]} imports another app's views {target}")
    assert problems == []


def test_no_import_cycles_between_project_modules() -> None:
    _modules_, graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    assert cycles == []


def test_views_are_short() -> None:
    modules, _graph_ = _graph()
    lengths = []
    for path in modules.values():
        if not path.name.startswith("views"):
            continue
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                lengths.append((node.end_lineno - node.lineno + 1, f"{path}:{node.name}"))
    assert lengths, "no views found: the walk is broken"
    too_long = [(n, where) for n, where in lengths if n > LONGEST_VIEW]
    assert too_long == []
    long_views = sorted((n, where) for n, where in lengths if n > LONG_VIEW)
    assert len(long_views) < LONG_VIEWS_ALLOWED, long_views
