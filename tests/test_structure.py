"""One home per concept: a student looking for a function finds it in one, obvious module."""
from __future__ import annotations

import ast
import collections
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lstm_tutorial"


def top_level_names(path: Path) -> dict[str, ast.AST]:
    """The public functions and classes a module defines."""
    return {node.name: node for node in ast.parse(path.read_text()).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")}


def public_constants(path: Path) -> set[str]:
    """The public names a module assigns at the top (constants, settings tables)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")}
    return names


def second_homes(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Every public function, class or constant defined in more than one module of the package."""
    homes = collections.defaultdict(list)
    for path in sorted(package.rglob("*.py")):
        for name in set(top_level_names(path)) | public_constants(path):
            homes[name].append(str(path.relative_to(package).with_suffix("")))
    return {name: mods for name, mods in homes.items() if len(mods) > 1}


def test_no_public_name_is_defined_in_two_modules():
    assert second_homes() == {}


def test_a_second_home_of_a_constant_is_seen(tmp_path):
    (tmp_path / "lab").mkdir()
    (tmp_path / "training.py").write_text("LR_SCHEDULES = ('cosine', 'constant')\n")
    (tmp_path / "lab" / "lm.py").write_text("LR_SCHEDULES: tuple = ('constant', 'cosine')\n_PRIVATE = 1\n")
    assert second_homes(tmp_path) == {"LR_SCHEDULES": ["lab/lm", "training"]}


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


def test_gate_traces_live_in_the_recall_harness():
    """Re-running a layer to read its gates (trace_lstm, trace_gru) is notebook 01's harness's job."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() == "lab/recall.py":
            continue
        names = set(top_level_names(path))
        assert not {n for n in names if n.startswith("trace")}, \
            f"{path.stem} defines a gate trace: its home is lab/recall.py"


# ------------------------------------------------------------------- the shelves
#: The taught core in reading order: a core module imports only core modules before it
#: (statistics know nothing of training, the gate layer nothing of the gradient probes).
CORE_ORDER = ("stats", "numpy_lstm", "layers", "gradients", "text", "embeddings",
              "models", "training")


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Core imports of a module later in :data:`CORE_ORDER` (a core module missing from it counts)."""
    rank = {f"lstm_tutorial.{m}": i for i, m in enumerate(CORE_ORDER)}
    core = [m for m in graph if shelf(m) == "core"]
    return sorted((m, d) for m in core for d in graph[m]
                  if shelf(d) == "core" and rank.get(d, len(rank)) >= rank.get(m, -1))


def test_the_core_reads_in_order_without_upward_imports():
    assert upward_imports(import_graph()) == []
    assert {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"} == set(CORE_ORDER)


def test_the_order_check_sees_an_upward_import():
    graph = {"lstm_tutorial.stats": {"lstm_tutorial.training", "lstm_tutorial.io.errors"},
             "lstm_tutorial.training": {"lstm_tutorial.stats"}, "lstm_tutorial.io.errors": set()}
    assert upward_imports(graph) == [("lstm_tutorial.stats", "lstm_tutorial.training")]



#: Which shelf may import which. The taught core (lstm_tutorial/*.py) stands on input/output
#: (io/); the notebook harnesses (lab/) use the core; the tooling (tools/: command line,
#: runner, site) may use everything. io/errors.py, the errors meant for the user, serves every shelf.
SHELF_MAY_IMPORT = {
    "io": {"io"},
    "core": {"core", "io"},
    "lab": {"lab", "core", "io"},
    "tools": {"tools", "lab", "core", "io", "init"},
}


def shelf(module: str) -> str:
    parts = module.split(".")
    if module in ("lstm_tutorial", "lstm_tutorial.__main__"):
        return "init"
    return parts[1] if len(parts) > 2 and parts[1] in ("io", "lab", "tools") else "core"


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


def test_each_shelf_imports_only_what_stands_below_it():
    graph = import_graph()
    wrong = {m: sorted(d for d in deps if shelf(d) not in SHELF_MAY_IMPORT.get(shelf(m), {shelf(d)}))
             for m, deps in graph.items() if shelf(m) != "init"}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_the_shelf_check_sees_an_upward_import(tmp_path):
    pkg = tmp_path / "lstm_tutorial"
    for folder in ("io", "lab"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "text.py").write_text("def f():\n    from .lab import plots\n")
    (pkg / "lab" / "plots.py").write_text("from ..io import paths\n")
    (pkg / "io" / "paths.py").write_text("")
    graph = import_graph(pkg)
    assert graph["lstm_tutorial.text"] == {"lstm_tutorial.lab.plots"}
    assert shelf("lstm_tutorial.text") == "core" and shelf("lstm_tutorial.lab.plots") == "lab"
    assert "lab" not in SHELF_MAY_IMPORT["core"]


def test_the_runtime_keeps_only_what_a_notebook_calls():
    from lstm_tutorial.tools import runtime

    assert set(runtime.__all__) <= {"setup", "pick", "record", "report", "say", "is_fast", "mode",
                                    "run_times", "key_figures"}
