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
