"""The headless notebook runner behind ``python -m lstm_tutorial notebooks``.

Each notebook runs top to bottom in a fresh Jupyter kernel, in the ``notebooks/``
folder, in full mode or (with ``fast=True``) with ``LSTM_TUTORIAL_FAST=1``. The executed
copies and a one-page summary (status, run time and the key figures each notebook
printed with ``lstm_tutorial.report()``) are written to ``runs/<mode>/``, which git
ignores. ``write_back=True`` also saves successful full-mode runs over the notebooks
themselves: that is how the outputs committed to git are produced.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import UsageError
from .paths import FAST_ENV, atomic_write, output_dir, project_root


@dataclass
class NotebookResult:
    """The outcome of running one notebook."""

    name: str
    status: str  # "ok", "error" or "timeout"
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    output_path: str = ""


@dataclass
class RunSummary:
    """All results of one runner invocation."""

    mode: str
    results: list[NotebookResult]
    summary_path: str = ""

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.results)


def notebooks_dir() -> Path:
    root = project_root()
    if root is None:
        raise UsageError("the notebook runner needs a checkout of lstm-tutorial (notebooks/ was not found); "
                         "clone the repository and run it from there")
    return root / "notebooks"


def find_notebooks(names: Sequence[str] | None = None, folder: Path | None = None) -> list[Path]:
    """The notebooks to run: all of them in order, or those matching each name or prefix."""
    folder = folder or notebooks_dir()
    available = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not names:
        return available
    chosen: list[Path] = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        matches = [p for p in available if p.stem == stem] or [p for p in available if p.stem.startswith(stem)]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in available) or "none"
            what = "no notebook" if not matches else "more than one notebook"
            raise UsageError(f"{what} matches '{name}'; available: {known}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def key_figures_from(nb) -> dict[str, Any]:
    """The JSON object printed by ``lstm_tutorial.report()``: the last one in the notebook."""
    for cell in reversed(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in reversed(cell.get("outputs", [])):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            for line in reversed(output.get("text", "").strip().splitlines()):
                line = line.strip()
                if line.startswith("{") and line.endswith("}"):
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(value, dict):
                        return value
    return {}


def _first_error(nb) -> str:
    """A short description of the first failing cell, for the summary."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output.get('ename')}: {output.get('evalue')}"[:500]
    return ""


def run_notebook(path: Path, fast: bool, out_dir: Path, timeout: int, log=print) -> NotebookResult:
    """Execute one notebook in a fresh kernel and save the executed copy in ``out_dir``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    start = time.perf_counter()
    done = {"n": 0}

    def on_cell_executed(cell, cell_index, execute_reply, **_):
        if cell.cell_type == "code":
            done["n"] += 1
            log(f"    cell {done['n']}/{code_cells} done at {time.perf_counter() - start:6.1f} s")

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=on_cell_executed,
    )
    status, error = "ok", ""
    previous = os.environ.get(FAST_ENV)
    os.environ[FAST_ENV] = "1" if fast else "0"
    try:
        client.execute()
    except CellTimeoutError as exc:
        status, error = "timeout", str(exc).strip().splitlines()[-1][:500]
    except (CellExecutionError, DeadKernelError) as exc:
        status, error = "error", _first_error(nb) or str(exc).strip().splitlines()[-1][:500]
    except RuntimeError as exc:  # e.g. the kernel did not start
        status, error = "error", f"kernel problem: {exc}"[:500]
    finally:
        if previous is None:
            os.environ.pop(FAST_ENV, None)
        else:
            os.environ[FAST_ENV] = previous
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / path.name
    _write_atomically(nb, out_path)
    return NotebookResult(path.stem, status, seconds, key_figures_from(nb), error, str(out_path))


def _write_atomically(nb, path: Path) -> None:
    import nbformat

    with atomic_write(path, "w", encoding="utf-8") as fh:
        nbformat.write(nb, fh)


def _format_figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = json.dumps(value)
    return text if len(text) <= 120 else text[:117] + "..."


#: Where the runner keeps each notebook's last run time per mode (committed, so that a
#: notebook can state its run times at the top without a hand-written number).
RUN_TIMES_FILE = "run_times.json"


def _run_times_path(folder: Path | None = None) -> Path:
    return (folder or notebooks_dir()) / RUN_TIMES_FILE


def read_run_times(folder: Path | None = None) -> dict:
    """``{notebook stem: {"full"|"fast": {"seconds", "device", "cpus", "date"}}}``."""
    path = _run_times_path(folder)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON ({exc}); delete it and re-run the notebooks") from exc


def record_run_time(result: NotebookResult, mode: str, folder: Path | None = None) -> None:
    """Store a successful run's time in ``notebooks/run_times.json`` (written atomically)."""
    if result.status != "ok":
        return
    times = read_run_times(folder)
    times.setdefault(result.name, {})[mode] = {
        "seconds": round(result.seconds, 1),
        "device": result.figures.get("device", "CPU"),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }
    with atomic_write(_run_times_path(folder), "w", encoding="utf-8") as fh:
        json.dump(times, fh, indent=2, sort_keys=True)
        fh.write("\n")


def run_times_markdown(name: str, folder: Path | None = None, times: dict | None = None) -> str:
    """A short Markdown table of the last full and fast run of notebook ``name`` ("01").

    The times come from ``notebooks/run_times.json`` (in ``folder``), or from ``times``.
    """
    times = read_run_times(folder) if times is None else times
    matches = [stem for stem in times if stem.startswith(name)]
    if not matches:
        return f"_No recorded run of notebook {name} yet: run `python -m lstm_tutorial notebooks {name}`._"
    entry = times[matches[0]]
    rows = ["| mode | last run time | where |", "| --- | ---: | --- |"]
    for mode in ("full", "fast"):
        if mode in entry:
            run = entry[mode]
            minutes = run["seconds"] / 60
            rows.append(f"| {mode} | {minutes:.1f} min | {run['device']}, {run['cpus']} CPU cores ({run['date']}) |")
    return "\n".join(rows)


#: A notebook's run-time cell, ``lt.run_times("01")``.
_RUN_TIMES_CALL = re.compile(r"""\blt\.run_times\(\s*["']([\w.-]+)["']\s*\)""")


def refresh_run_times(nb, times: dict) -> int:
    """Give a notebook's ``lt.run_times("NN")`` cell the times in run_times.json; returns how many.

    A notebook's stored table is from before its own run was timed: the runner calls this when
    it writes a notebook back, and the site when it stages one, so that the notebook, the
    site's notebook page and its landing page show the same times.
    """
    count = 0
    for cell in nb.cells:
        match = _RUN_TIMES_CALL.search(cell.source) if cell.cell_type == "code" else None
        if match:
            import nbformat

            cell.outputs = [nbformat.v4.new_output("display_data", data={
                "text/markdown": run_times_markdown(match.group(1), times=times),
                "text/plain": "<IPython.core.display.Markdown object>"})]
            count += 1
    return count


def summary_markdown(summary: RunSummary) -> str:
    """The one-page summary: a table of notebooks, then each notebook's key figures."""
    lines = [f"# Notebook run ({summary.mode} mode)", "",
             "| notebook | status | run time (s) |", "| --- | --- | ---: |"]
    lines += [f"| {r.name} | {r.status} | {r.seconds:.1f} |" for r in summary.results]
    for r in summary.results:
        lines += ["", f"## {r.name}", ""]
        if r.error:
            lines += [f"**{r.status}**: {r.error}", ""]
        if r.figures:
            lines += [f"- {k}: {_format_figure(v)}" for k, v in r.figures.items()]
        else:
            lines.append("(no key figures reported)")
    return "\n".join(lines) + "\n"


def run_notebooks(names: Sequence[str] | None = None, fast: bool = False, out_dir=None,
                  write_back: bool = False, timeout: int | None = None, log=print,
                  record_times: bool = True) -> RunSummary:
    """Run notebooks headlessly; write executed copies and ``summary.md``/``summary.json``.

    With ``record_times`` (the default), each successful run's time is also stored in
    ``notebooks/run_times.json``, which the notebooks show at their top.
    """
    if fast and write_back:
        raise UsageError("--write-back saves the committed outputs, which must come from a full run; "
                         "drop --fast or --write-back")
    mode = "fast" if fast else "full"
    paths = find_notebooks(names)
    if not paths:
        raise UsageError("no notebooks found in notebooks/")
    out = Path(out_dir) if out_dir else output_dir("runs") / mode
    timeout = timeout or (900 if fast else 3600)
    results = []
    for path in paths:
        log(f"running {path.name} ({mode} mode)")
        result = run_notebook(path, fast, out, timeout, log=log)
        results.append(result)
        log(f"  {result.status} in {result.seconds:.1f} s" + (f": {result.error}" if result.error else ""))
        if record_times:
            record_run_time(result, mode, path.parent)
        if write_back and result.status == "ok":
            executed = __import__("nbformat").read(result.output_path, as_version=4)
            refresh_run_times(executed, read_run_times(path.parent))  # with this run's time
            _write_atomically(executed, path)
            log(f"  outputs written back to {path}")
    summary = RunSummary(mode, results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(summary_markdown(summary))
    (out / "summary.json").write_text(json.dumps(
        [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 1), "figures": r.figures,
          "error": r.error} for r in results], indent=2))
    summary.summary_path = str(out / "summary.md")
    log(f"summary: {summary.summary_path}")
    return summary
