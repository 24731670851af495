"""One home per concept: a student looking for a function finds it in one, obvious module."""
from __future__ import annotations

import ast
import collections
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lstm_tutorial"

#: Duplicates not resolved yet, with the module that should give its name up. Keep empty.
KNOWN: dict = {}


def top_level_names(path: Path) -> dict[str, ast.AST]:
    return {node.name: node for node in ast.parse(path.read_text()).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")}


def test_no_public_name_is_defined_in_two_modules():
    homes = collections.defaultdict(list)
    for path in sorted(PACKAGE.glob("*.py")):
        for name in top_level_names(path):
            homes[name].append(path.stem)
    assert {name: mods for name, mods in homes.items() if len(mods) > 1} == KNOWN


def test_command_line_handlers_live_in_cli():
    """training.py trains; reading argv, stdin and printing command output is cli.py's job."""
    training = (PACKAGE / "training.py").read_text()
    assert not [name for name in top_level_names(PACKAGE / "training.py") if name.endswith("_command")]
    assert "args." not in training and "sys.stdin" not in training


def test_text_classifier_builders_live_in_models():
    """Every function that builds a classifier on token ids (an Embedding feeding a
    Keras model) is in models.py, the obvious place to look for one."""
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem == "models":
            continue
        source = path.read_text()
        for name, node in top_level_names(path).items():
            src = ast.get_source_segment(source, node) or ""
            builds = "Embedding(" in src and ("keras.Sequential(" in src or "keras.Model(" in src)
            assert not (builds and isinstance(node, ast.FunctionDef)), \
                f"{path.stem}.{name} builds a text classifier: its home is models.py"


def test_gate_traces_live_in_layers():
    """Re-running a layer to read its gates is layers.py's job (trace_lstm, trace_gru)."""
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem == "layers":
            continue
        names = set(top_level_names(path))
        assert not {n for n in names if n.endswith("_gates") or n.startswith("trace")}, \
            f"{path.stem} defines a gate trace: its home is layers.py"


# ------------------------------------------------------------------- the two parts
#: The one module of the tools part the course part (lstm_tutorial/*.py) imports; what it may
#: use from it is listed in runtime.COURSE_SERVICES (set-up, fast mode, the datasets, where files go).
#: The runner, the site, the Colab cell and the command line are never imported by course code.
COURSE_MAY_IMPORT = {"lstm_tutorial.tools.runtime"}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at the top or inside a function."""
    def name_of(p: Path) -> str:
        parts = list(p.relative_to(package.parent).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name_of(p): p for p in package.rglob("*.py")}
    graph = {}
    for mod, path in modules.items():
        here = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    deps.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[mod] = {d for d in deps if d in modules and d != mod}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_no_module_imports_itself_in_a_circle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle(tmp_path):
    pkg = tmp_path / "lstm_tutorial"
    (pkg / "tools").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "tools" / "__init__.py").write_text("")
    (pkg / "tools" / "runtime.py").write_text("def f():\n    from .runner import g\n")
    (pkg / "tools" / "runner.py").write_text("from .runtime import f\n")
    assert cycles(import_graph(pkg)) == [["lstm_tutorial.tools.runner", "lstm_tutorial.tools.runtime",
                                          "lstm_tutorial.tools.runner"]]


def test_course_code_uses_only_the_tools_it_needs():
    graph = import_graph()
    course = {m for m in graph if not m.startswith("lstm_tutorial.tools") and m != "lstm_tutorial.__main__"}
    wrong = {m: sorted(d for d in graph[m] if d.startswith("lstm_tutorial.tools") and d not in COURSE_MAY_IMPORT)
             for m in course}
    assert {m: d for m, d in wrong.items() if d} == {}
    tools_in_course = [p.name for p in PACKAGE.glob("*.py")
                       if p.stem in {"cli", "site", "colab", "runner", "notebooks", "data", "paths", "runtime"}]
    assert tools_in_course == []


def runtime_names_used(path: Path) -> set[str]:
    """Names a course module takes from tools.runtime: ``runtime.X`` or ``from .tools.runtime import X``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "runtime":
            names.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("tools.runtime"):
            names.update(alias.name for alias in node.names)
    return names


def test_course_code_goes_through_the_one_door():
    from lstm_tutorial.tools import runtime

    course = [p for p in PACKAGE.glob("*.py") if p.stem not in {"__main__"}]
    outside = {p.stem: sorted(runtime_names_used(p) - runtime.COURSE_SERVICES) for p in course}
    assert {m: names for m, names in outside.items() if names} == {}
    assert all(hasattr(runtime, name) for name in runtime.COURSE_SERVICES)


def test_the_door_check_sees_a_private_name(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from .tools import runtime\nruntime._secret()\nfrom .tools.runtime import setup\n")
    assert runtime_names_used(module) == {"_secret", "setup"}
