"""The shape of the code: small modules, imports in one direction, the library free of Streamlit.

Read from the source files themselves (``ast``), so the rules hold for every file added later.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGES = ("backdoor", "ui", "pages", "models")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _first_party(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an import names (``backdoor.attacks.ATTACKS`` -> ``backdoor.attacks``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(project module imported, whether the import sits inside a function) for one file."""
    tree = ast.parse(path.read_text())
    local = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            target = _first_party(name, modules)
            if target is not None:
                found.append((target, id(node) in local))
    return found


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"


def test_no_import_cycle_counting_imports_inside_functions():
    modules = _modules()
    graph = {m: {t for t, _ in _imports(p, modules) if t != m} for m, p in modules.items()}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for target in sorted(graph[module]):
            if seen.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(target):] + [target]))
            if target not in seen:
                visit(target, path + [target])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])


def test_project_modules_are_imported_at_the_top_of_a_file():
    """With no cycle left, a project import inside a function only hides a dependency."""
    modules = _modules()
    hidden = [f"{path.relative_to(ROOT)} imports {target} inside a function"
              for path in modules.values() for target, local in _imports(path, modules) if local]
    assert not hidden, hidden


def test_the_library_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "backdoor").rglob("*.py")
                 if "streamlit" in {n.split(".")[0] for n in _top_level_imports(p)}]
    assert not offenders, offenders


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_page_links_go_through_url_state_link():
    """A page link made with ``st.page_link`` drops the URL's class and settings: a session lost
    with its replica could not be rebuilt from the next page's URL (``ui.url_state.link``)."""
    offenders = []
    for path in [ROOT / "app.py", *(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "page_link" \
                    and path != ROOT / "ui" / "url_state.py":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_every_test_file_has_its_own_basename():
    # pytest imports test files by basename (no __init__.py): a second file of the same name stops the whole
    # run at collection, which a run of only the tests near a change never sees
    seen: dict[str, list[str]] = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert not {name: paths for name, paths in seen.items() if len(paths) > 1}, "rename one of each"
