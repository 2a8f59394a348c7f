"""The shape of tests/: it mirrors generator/, support code stays in tests/support/, conftest.py
files hold fixtures only, shared helpers are defined once, and no test reads the operator's
environments/, chart/ or argocd/ of the checkout.

The last is the property an operator relies on (README "Tests"): their CI stays green when they
add an environment or bump the chart, because the tests work on their own project
(tests/support/fixture_project.py) and `check`, the last step of scripts/test, proves the rest.
It is checked statically, on every test source, so that it holds for tests not written yet.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.paths import CHECKOUT, TESTS

PACKAGE = CHECKOUT / "generator"
NOT_MIRRORS = ("e2e", "repo", "support", "data", "fixtures")  # folders of tests/ that mirror no package
# The checkout's folders that belong to the operator, and the generator's names for them.
OPERATORS = ("environments", "chart", "argocd")
OPERATOR_NAMES = ("ENV_DIR", "CHART_DIR", "ARGOCD_DIR")
# The one module allowed to reach into the checkout's chart/: for chart/templates/ (our code) and
# the git-ignored archive in chart/charts/.
ALLOWED = TESTS / "support" / "fixture_project.py"
# Modules merged (branch plan) with their tests in feature suites (tests/plan/test_rules.py, tests/e2e/
# test_plan.py, tests/e2e/test_check_base.py) and no test file of their own yet. The list may only
# shrink: test_the_modules_awaiting_their_test_file_have_none fails once a file exists.
AWAITING_SPLIT = {f"generator/plan/{m}.py" for m in (
    "classify", "compare", "data", "gitref", "make", "model", "objects", "outputs", "report", "restart",
    "runbooks", "sarif", "sides", "rules/base", "rules/config", "rules/job", "rules/service", "rules/storage",
    "rules/workloads")} | {"generator/commands/plan.py", "generator/render/stage.py"}


def _sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def _modules_with_logic() -> list[Path]:
    """Every module of generator/ that defines a function or a class (packages' __init__.py and
    __main__.py hold re-exports, constants and one-line helpers only)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body):
            found.append(path)
    return found


def _mirror(module: Path) -> Path:
    rel = module.relative_to(PACKAGE)
    return TESTS.joinpath(*rel.parts[:-1], f"test_{rel.stem}.py")


def _has_tests(path: Path) -> bool:
    return path.exists() and any(name.startswith("test_") for n in ast.parse(path.read_text(encoding="utf-8")).body
                                 for name in _bound_names(n))


def _bound_names(node: ast.stmt) -> list[str]:
    """Test functions a module defines, or binds from a shared suite (`test_a, test_b = suite(...)`)."""
    if isinstance(node, ast.FunctionDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        targets = [e for t in node.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
        return [t.id for t in targets if isinstance(t, ast.Name)]
    return []


def test_every_module_with_logic_has_a_test_file() -> None:
    missing = [str(_mirror(m).relative_to(CHECKOUT)) for m in _modules_with_logic()
               if not _has_tests(_mirror(m)) and str(m.relative_to(CHECKOUT)) not in AWAITING_SPLIT]
    assert not missing, "modules without a test file holding tests: " + ", ".join(missing)


def test_the_modules_awaiting_their_test_file_have_none() -> None:
    modules = {str(m.relative_to(CHECKOUT)): m for m in _modules_with_logic()}
    stale = sorted(name for name in AWAITING_SPLIT if name not in modules or _has_tests(_mirror(modules[name])))
    assert not stale, "remove from AWAITING_SPLIT (gone, or tested in its own file now): " + ", ".join(stale)


def test_every_test_file_outside_e2e_mirrors_a_module() -> None:
    """tests/<package>/test_<module>.py (or test_<module>_<aspect>.py) names a module of
    generator/<package>/; end-to-end suites live in tests/e2e/, the repository's shape in tests/repo/."""
    orphans = []
    for path in sorted(TESTS.rglob("test_*.py")):
        rel = path.relative_to(TESTS)
        if rel.parts[0] in NOT_MIRRORS:
            continue
        package = PACKAGE.joinpath(*rel.parts[:-1])
        # A module, or a subpackage tested as a whole (tests/plan/test_rules.py for generator/plan/rules/).
        modules: set[str] = set()
        if package.is_dir():
            modules = {p.stem for p in package.glob("*.py")}
            modules |= {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
        name = path.stem.removeprefix("test_")
        if not any(name == m or name.startswith(m + "_") for m in modules):
            orphans.append(str(rel))
    assert not orphans, "test files that mirror no module of generator/: " + ", ".join(orphans)


def test_support_holds_no_tests() -> None:
    support = TESTS / "support"
    tests = [f"{p.name}:{n.name}" for p in support.glob("*.py")
             for n in ast.parse(p.read_text(encoding="utf-8")).body
             if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert not list(support.glob("test_*.py")) and not tests, tests


def test_no_test_module_imports_conftest() -> None:
    """Fixtures reach tests by name; code is imported from tests/support/."""
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            if any(n == "conftest" or n.endswith(".conftest") for n in names):
                found.append(str(path.relative_to(TESTS)))
    assert not found, "import from conftest: " + ", ".join(sorted(set(found)))


def _is_fixture(node: ast.FunctionDef) -> bool:
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            return True
    return False


def test_conftest_files_hold_fixtures_only() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("conftest.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.ClassDef, ast.AsyncFunctionDef)) or (
                    isinstance(node, ast.FunctionDef) and not (_is_fixture(node) or node.name.startswith("pytest_"))):
                offenders.append(f"{path.relative_to(TESTS)}: {node.name}")
    assert not offenders, "conftest.py holds code that belongs in tests/support/: " + ", ".join(offenders)


# (what, a pattern only its one definition matches)
DEFINED_ONCE = [
    ("free_port", r"def free_port\("),
    ("the moto server", r"ThreadedMotoServer\(|moto\.server"),
    ("clearing the password variables", r"for \w+ in (passwords\.)?PASSWORD_VARIABLES"),
    ("the project's files as bytes", r"def tree\("),
    ("the stand-in Bitnami archive", r"def make_archive\("),
    ("the ACL start-script runner", r"def run_start_script\("),
]


@pytest.mark.parametrize(("helper", "pattern"), DEFINED_ONCE, ids=[h for h, _ in DEFINED_ONCE])
def test_a_shared_helper_is_defined_once(helper: str, pattern: str) -> None:
    found = [str(p.relative_to(TESTS)) for p in _sources()
             if p != Path(__file__) and re.search(pattern, p.read_text(encoding="utf-8"))]
    assert len(found) == 1 and found[0].startswith("support/"), f"{helper}: defined in {found}"


# --- no test reads the operator's files of the checkout ---------------------------------------


def _first_segment(node: ast.expr) -> str | None:
    """The folder a path operand starts with: 'chart' for "chart/values.yaml" or CHART_DIR."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip("/").split("/")[0]
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    if name in OPERATOR_NAMES:
        return OPERATORS[OPERATOR_NAMES.index(name)]
    return None


def _is_checkout(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "CHECKOUT") or (
        isinstance(node, ast.Attribute) and node.attr == "CHECKOUT")


def checkout_reads(source: str) -> list[str]:
    """Where a test source reaches the operator's files of the checkout, as 'line: what'.

    Allowed: `CHECKOUT / <anything but environments, chart, argocd>`, `cwd=CHECKOUT` and
    `x.relative_to(CHECKOUT)`. Anything else done with CHECKOUT (passing it as a project root,
    `--root`, an alias) could read them, and so could a path computed from `__file__`: both are
    refused (tests/support/paths.py is the one place that computes the checkout)."""
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr):
            continue
        if isinstance(node, ast.Name) and node.id == "__file__":
            found.append(f"{node.lineno}: a path from __file__ (use tests.support.paths)")
        if not _is_checkout(node):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Div) and parent.left is node:
            if _first_segment(parent.right) in OPERATORS:
                found.append(f"{node.lineno}: CHECKOUT / {_first_segment(parent.right)}")
            continue
        if isinstance(parent, ast.Attribute) and parent.attr == "joinpath":
            call = parents.get(parent)
            args = call.args if isinstance(call, ast.Call) else []
            if args and _first_segment(args[0]) in OPERATORS:
                found.append(f"{node.lineno}: CHECKOUT.joinpath({_first_segment(args[0])!r})")
            continue
        if isinstance(parent, ast.keyword) and parent.arg == "cwd":
            continue
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and \
                parent.func.attr in ("relative_to", "is_relative_to") and node in parent.args:
            continue
        if isinstance(parent, (ast.alias, ast.Attribute)):
            continue
        found.append(f"{node.lineno}: CHECKOUT used as a value (a project root, --root, an alias?)")
    return found


def test_tests_never_read_the_operators_environments_chart_or_argocd() -> None:
    offenders = []
    for path in _sources():
        if path in (ALLOWED, Path(__file__), TESTS / "support" / "paths.py"):
            continue
        offenders += [f"{path.relative_to(TESTS)}:{hit}" for hit in checkout_reads(path.read_text(encoding="utf-8"))]
    assert not offenders, ("tests must use their own project (tests/support/fixture_project.py), never the "
                           "checkout's environments/, chart/ or argocd/:\n  " + "\n  ".join(offenders))


@pytest.mark.parametrize(("snippet", "flagged"), [
    ('x = (CHECKOUT / "environments" / "dev.yaml").read_text()', "CHECKOUT / environments"),
    ('shutil.copytree(CHECKOUT / "chart", root)', "CHECKOUT / chart"),
    ('p = CHECKOUT / "chart/values.yaml"', "CHECKOUT / chart"),
    ("p = CHECKOUT / paths.ARGOCD_DIR", "CHECKOUT / argocd"),
    ('p = CHECKOUT.joinpath("argocd", "dev.yaml")', "CHECKOUT.joinpath('argocd')"),
    ('main(["--root", str(CHECKOUT), "outputs", "dev"])', "CHECKOUT used as a value"),
    ('pipeline.prepare(CHECKOUT, "dev")', "CHECKOUT used as a value"),
    ("ROOT = CHECKOUT", "CHECKOUT used as a value"),
    ("ROOT = Path(__file__).resolve().parent.parent", "a path from __file__"),
    ('p = CHECKOUT / "README.md"', None),
    ('p = CHECKOUT / ".tools" / "bin" / "helm"', None),
    ("subprocess.run(args, cwd=CHECKOUT)", None),
    ("rel = path.relative_to(CHECKOUT)", None),
])
def test_the_checkout_guard_sees_each_way_in(snippet: str, flagged: str | None) -> None:
    hits = checkout_reads(snippet)
    if flagged is None:
        assert hits == []
    else:
        assert len(hits) == 1 and flagged in hits[0], hits
