"""Issue 18's size budgets for the package, checked so they stay met."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lstm_tutorial"

#: Functions a notebook shows as one unit may run longer; each with the reason.
LONG_ON_PURPOSE: dict[str, str] = {}

MAX_FUNCTION_LINES = 60


def long_functions(package: Path = PACKAGE) -> dict[str, int]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[f"{path.relative_to(package.parent)}:{node.name}"] = length
    return found


def test_no_function_is_over_sixty_lines():
    assert {name: n for name, n in long_functions().items() if name not in LONG_ON_PURPOSE} == {}


def test_the_length_check_finds_a_long_function(tmp_path):
    pkg = tmp_path / "lstm_tutorial"
    pkg.mkdir()
    (pkg / "long.py").write_text("def f():\n" + "    x = 1\n" * 61)
    assert long_functions(pkg) == {"lstm_tutorial/long.py:f": 62}


def core_size(package: Path = PACKAGE) -> dict:
    """The taught core (the package's top level): its modules, all their lines, its public functions
    and classes (constants not counted), and which modules lack ``__all__``."""
    files = sorted(package.glob("*.py"))
    modules = [p for p in files if p.stem not in ("__init__", "__main__")]
    trees = {p.stem: ast.parse(p.read_text()).body for p in modules}
    without_all = [m for m, body in trees.items()
                   if not any(isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in n.targets)
                              for n in body)]
    public = [f"{m}.{n.name}" for m, body in trees.items() for n in body
              if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    return {"modules": len(modules), "lines": sum(len(p.read_text().splitlines()) for p in files),
            "public": len(public), "without_all": without_all}


def test_the_taught_core_fits_issue_26s_budget():
    """At most 9 modules, 2,500 lines (the package's __init__ and __main__ counted too) and 60 public
    functions and classes, each module with __all__."""
    size = core_size()
    assert size["modules"] <= 9 and size["lines"] <= 2_500 and size["public"] <= 60 and size["without_all"] == [], size


def test_the_core_budget_check_sees_a_module_too_many(tmp_path):
    for k in range(10):
        (tmp_path / f"m{k}.py").write_text("__all__ = []\n")
    (tmp_path / "extra.py").write_text("X = 1\n\n\ndef f():\n    pass\n\n\nclass C:\n    pass\n\n\ndef _g():\n    pass\n")
    size = core_size(tmp_path)
    assert size["modules"] == 11 and size["without_all"] == ["extra"] and size["public"] == 2
