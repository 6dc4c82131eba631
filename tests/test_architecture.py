"""The arrows between the apps run one way: a test reads every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[str]:
    """Return the modules ``path`` imports, with relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module or ""]))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


def _modules(folder: str, exclude: str = "migrations") -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if exclude not in p.parts]


def _offending(paths: list[Path], forbidden) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in _imports(path)
        if forbidden(name)
    ]


def test_policies_never_import_accounts():
    assert _offending(_modules("policies"), lambda n: n.split(".")[0] == "accounts") == []


def test_portal_never_imports_an_admin_module_of_accounts():
    assert _offending(_modules("portal"), lambda n: n.startswith("accounts.admin")) == []


@pytest.mark.parametrize("layer", ["models", "selectors", "permissions.py", "locks.py"])
def test_models_selectors_and_permissions_never_import_the_import_or_the_admin(layer):
    path = ROOT / "accounts" / layer
    paths = [path] if path.suffix else list(path.rglob("*.py"))
    forbidden = ("accounts.importing", "accounts.admin", "accounts.services")
    assert _offending(paths, lambda n: n.startswith(forbidden)) == []


def test_services_never_import_the_admin():
    assert _offending(_modules("accounts/services"), lambda n: n.startswith("accounts.admin")) == []


def test_reports_read_the_accounts_app_but_never_its_services_or_admin():
    forbidden = ("accounts.services", "accounts.admin", "accounts.importing")
    assert _offending(_modules("reports"), lambda n: n.startswith(forbidden)) == []
