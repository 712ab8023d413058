"""The layering: heavy dependencies in one place each, virtual phones apart from the audit side."""

from __future__ import annotations

import ast
from pathlib import Path

from wa_harden.report import REPORTERS, Format

PACKAGE = Path(__file__).resolve().parent.parent / "wa_harden"


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module imported, name of the enclosing top-level function or None) for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and function is None:
                inner = child.name
            if isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, function))
            visit(child, inner)

    visit(tree, None)
    return found


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), _imports(path)


def _is(module: str, name: str) -> bool:
    return module == name or module.startswith(name + ".")


def test_the_audit_side_never_imports_the_virtual_phones_except_demo_and_virtual():
    for where, imports in _modules():
        if where.startswith("virtual/"):
            continue
        for module, function in imports:
            if _is(module, "wa_harden.virtual"):
                assert where == "cli/virtual.py" and function in ("virtual", "demo", "_load_personas"), \
                    (where, module)


LEAVES = ("wa_harden.errors", "wa_harden.tomlcheck")  # shared by both sides; import no other wa_harden module


def test_virtual_phones_import_nothing_of_the_audit_side_but_the_leaf_modules():
    for where, imports in _modules():
        if where.startswith("virtual/"):
            for module, _function in imports:
                if _is(module, "wa_harden"):
                    assert _is(module, "wa_harden.virtual") or module in LEAVES, (where, module)
        if f"wa_harden.{where.removesuffix('.py')}" in LEAVES:
            assert all(m in LEAVES for m, _f in imports if _is(m, "wa_harden")), where


def test_each_heavy_dependency_lives_in_one_place():
    allowed = {
        "click": lambda where: where.startswith("cli/"),
        "adbutils": lambda where: where.startswith("device/") or where == "virtual/launcher.py",
        "tabulate": lambda where: where.startswith("report/"),
        "pandas": lambda where: where.startswith("report/"),
    }
    for where, imports in _modules():
        for module, _function in imports:
            for dependency, ok in allowed.items():
                if _is(module, dependency):
                    assert ok(where), f"{where} imports {module}"


def test_the_adb_adapter_is_imported_only_lazily():
    for where, imports in _modules():
        for module, function in imports:
            if _is(module, "wa_harden.device.adb") and where != "device/adb.py":
                assert function is not None, f"{where} imports {module} at module level"


def test_every_format_has_a_reporter():
    assert set(REPORTERS) == set(Format)
