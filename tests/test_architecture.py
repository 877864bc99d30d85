"""The house rules, read from the syntax tree of every product module (shared/ARCHITECTURE.md):

- imports go one way, demo → grants → applications → program (config on top of all);
- no import circle anywhere, at module level or inside functions;
- services never import `tasks` (work is queued by task name through `program.tasking`);
- `program/scheduling` imports no Django; `program/labagent` only the standard library;
- no module over 500 lines (migrations aside); no function over 60 lines without a reason in its docstring.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "program", "applications", "grants", "demo")
LAYER = {"program": 0, "applications": 1, "grants": 2, "demo": 3, "config": 4}
MAX_LINES, MAX_FUNCTION_LINES = 500, 60


@cache
def modules() -> dict[str, Path]:
    """Every product module by dotted name (migrations aside)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _resolve(module: str, node: ast.ImportFrom | ast.Import, is_package: bool) -> list[str]:
    """The project modules an import statement names (a name imported from a package counts as that
    submodule when it is one)."""
    known = modules()
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] in PACKAGES]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] not in PACKAGES:
        return []
    named = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in known]
    rest = [alias for alias in node.names if f"{target}.{alias.name}" not in known]
    return named + ([target] if rest or not node.names else [])


@cache
def imports() -> dict[str, set[str]]:
    """Module → the project modules it imports (anywhere in the file, function bodies included)."""
    graph = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets.update(_resolve(name, node, path.name == "__init__.py"))
        graph[name] = {t for t in targets if t in modules() and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def _is_package_init_edge(source: str, target: str) -> bool:
    """A package's __init__ importing its own submodule (and the submodule living inside it) is how
    Python packages work, not a circle of design."""
    return modules()[source].name == "__init__.py" and target.startswith(source + ".")


def test_there_is_no_import_circle():
    graph = {m: {t for t in ts if not _is_package_init_edge(m, t)} for m, ts in imports().items()}

    assert _cycles(graph) == []


def test_imports_go_one_way():
    against = sorted(
        f"{source} imports {target}"
        for source, targets in imports().items()
        for target in targets
        if LAYER[target.split(".")[0]] > LAYER[source.split(".")[0]]
    )

    assert against == []


def test_only_celery_wiring_imports_tasks():
    allowed = {"tasks", "apps", "celery"}  # tasks import tasks' helpers; apps.ready registers them
    offenders = sorted(
        f"{source} imports {target}"
        for source, targets in imports().items()
        for target in targets
        if target.rsplit(".", 1)[-1] == "tasks" and source.rsplit(".", 1)[-1] not in allowed
    )

    assert offenders == []


def _third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_scheduling_engine_imports_no_django_and_the_agent_only_the_standard_library():
    engine = {name for m, p in modules().items() if m.startswith("program.scheduling") for name in _third_party(p)}
    agent = {name for m, p in modules().items() if m.startswith("program.labagent") for name in _third_party(p)}

    assert "django" not in engine and not engine & {"applications", "grants", "demo", "config"}
    # NVML bindings are optional (imported inside a try): the one allowed outsider.
    assert agent - set(sys.stdlib_module_names) - {"program", "pynvml"} == set()


def test_no_module_is_over_500_lines():
    long = {m: n for m, p in modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}

    assert long == {}


def test_no_function_is_over_60_lines_without_a_reason():
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                doc = ast.get_docstring(node) or ""
                if length > MAX_FUNCTION_LINES and "Long because" not in doc:
                    long.append(f"{name}.{node.name} ({length} lines)")

    assert long == []


def test_every_folder_says_what_lives_there():
    silent = sorted(
        m for m, p in modules().items() if p.name == "__init__.py" and "management" not in p.parts and "templatetags" not in p.parts
        and not (ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or "").strip()
    )  # fmt: skip

    assert silent == []


def test_no_module_imports_another_modules_private_names():
    """A private helper stays private: shared helpers get a public name in the module that owns them
    (`program.access`, `applications.access`, ...). The models packages re-export the private callables
    old migrations name (`applications.models._new_reply_token`), and only those."""
    offenders = []
    for name, path in modules().items():
        if name.endswith(".models"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                offenders += [f"{name}: {alias.name}" for alias in node.names if alias.name.startswith("_")]

    assert offenders == []


def test_absolute_links_come_from_one_helper():
    readers = sorted(
        m for m, p in modules().items() if "SITE_URL" in p.read_text(encoding="utf-8") and not m.startswith("config")
    )

    assert readers == ["program.absolute"]
