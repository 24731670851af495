"""The headless notebook runner behind ``python -m lstm_tutorial notebooks``.

Every committed output is cleared before a run, so a run shows only what it computed. Only
``write_back=True`` (the maintainers' full runs) changes the clone: the notebooks and
``notebooks/run_times.json``; everything else goes to ``runs/<mode>/``.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import nbformat

from ..io.errors import UsageError
from ..io.paths import FAST_ENV, atomic_write, output_dir, project_root

#: Each notebook's last run time per mode (committed: the notebooks show it at their top).
RUN_TIMES_FILE = "run_times.json"
#: A notebook's run-time cell, ``lt.run_times("01")``.
_RUN_TIMES_CALL = re.compile(r"""\blt\.run_times\(\s*["']([\w.-]+)["']\s*\)""")


@dataclass
class NotebookResult:
    """The outcome of running one notebook."""

    name: str
    status: str  # "ok", "error" or "timeout"
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)
    error: str = ""  # "code cell 12/17: NameError: ..." (where it stopped, then why)
    output_path: str = ""


@dataclass
class RunSummary:
    mode: str
    results: list[NotebookResult]

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
    available = sorted(p for p in (folder or notebooks_dir()).glob("*.ipynb") if not p.name.startswith("."))
    chosen: list[Path] = []
    for name in names or []:
        stem = Path(name).name.removesuffix(".ipynb")
        matches = [p for p in available if p.stem == stem] or [p for p in available if p.stem.startswith(stem)]
        if len(matches) != 1:
            what = "no notebook" if not matches else "more than one notebook"
            raise UsageError(f"{what} matches '{name}'; available: {', '.join(p.stem for p in available) or 'none'}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen if names else available


def key_figures_from(nb) -> dict[str, Any]:
    """The JSON object printed by ``lstm_tutorial.report()``: the last one in the notebook."""
    for cell in reversed([c for c in nb.cells if c.cell_type == "code"]):
        for output in reversed(cell.get("outputs", [])):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                for line in reversed(output.get("text", "").split("\n")):
                    try:
                        value = json.loads(line) if line.strip().startswith("{") else None
                    except json.JSONDecodeError:
                        continue
                    if isinstance(value, dict):
                        return value
    return {}


def notebook_text(nb) -> str:
    """The file text ``nbformat.write`` gives ``nb`` (it ends with a newline)."""
    return nbformat.writes(nb).rstrip("\n") + "\n"


def save_notebook(nb, path: Path) -> None:
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(notebook_text(nb))


def clear_outputs(nb) -> None:
    """Remove every code cell's outputs and execution count (the committed run's)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)


def _stopped_at(nb, done: int, total: int) -> str:
    """Where a failed run stopped, counted in code cells like the progress lines."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for k, cell in enumerate(code, start=1):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                return f"code cell {k}/{total}: {o.get('ename')}: {o.get('evalue')}"
    return f"code cell {min(done + 1, total)}/{total}"


def run_notebook(path: Path, fast: bool, out_dir: Path, timeout: int, log=print) -> NotebookResult:
    """Execute one notebook in a fresh kernel, outputs cleared first, and save the executed copy in ``out_dir``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    clear_outputs(nb)
    total, done, start = sum(c.cell_type == "code" for c in nb.cells), [0], time.perf_counter()

    def on_cell_executed(cell, **_):
        if cell.cell_type == "code":
            done[0] += 1
            log(f"    code cell {done[0]}/{total} done at {time.perf_counter() - start:6.1f} s")

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", on_cell_executed=on_cell_executed,
                            resources={"metadata": {"path": str(path.parent)}})
    status, error = "ok", ""
    try:
        client.execute(env={**os.environ, FAST_ENV: "1" if fast else "0"})  # the kernel's environment
    except CellTimeoutError as exc:
        why = str(exc).strip().splitlines()[-1]
        status, error = "timeout", f"code cell {done[0] + 1}/{total}: {why}"
    except CellExecutionError:
        status, error = "error", _stopped_at(nb, done[0], total)
    except DeadKernelError as exc:
        status, error = "error", f"{_stopped_at(nb, done[0], total)}: the kernel died ({exc})"
    except RuntimeError as exc:  # e.g. the kernel did not start
        status, error = "error", f"kernel problem: {exc}"
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    save_notebook(nb, out_dir / path.name)
    figures = key_figures_from(nb) if status == "ok" else {}  # lt.report() is the last cell
    return NotebookResult(path.stem, status, seconds, figures, error[:500], str(out_dir / path.name))


def read_run_times(folder: Path | None = None) -> dict:
    """``{notebook stem: {"full"|"fast": {"seconds", "device", "cpus", "date"}}}``."""
    path = (folder or notebooks_dir()) / RUN_TIMES_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON ({exc}); delete it and re-run the notebooks") from exc


def record_run_time(result: NotebookResult, mode: str, folder: Path | None = None) -> None:
    """Store a successful run's time in ``folder/run_times.json`` (default: ``notebooks/``)."""
    if result.status != "ok":
        return
    times = read_run_times(folder)
    times.setdefault(result.name, {})[mode] = {"seconds": round(result.seconds, 1), "cpus": os.cpu_count(),
                                               "device": result.figures.get("device", "CPU"),
                                               "date": time.strftime("%Y-%m-%d")}
    with atomic_write((folder or notebooks_dir()) / RUN_TIMES_FILE, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(times, indent=2, sort_keys=True) + "\n")


def run_times_markdown(name: str, folder: Path | None = None, times: dict | None = None) -> str:
    """A Markdown table of the last full and fast run of notebook ``name`` ("01")."""
    times = read_run_times(folder) if times is None else times
    matches = [stem for stem in times if stem.startswith(name)]
    if not matches:
        return f"_No recorded run of notebook {name} yet: run `python -m lstm_tutorial notebooks {name}`._"
    rows = ["| mode | last run time | where |", "| --- | ---: | --- |"]
    rows += [f"| {mode} | {run['seconds'] / 60:.1f} min | {run['device']}, {run['cpus']} CPU cores ({run['date']}) |"
             for mode, run in ((m, times[matches[0]].get(m)) for m in ("full", "fast")) if run]
    return "\n".join(rows)


def refresh_run_times(nb, times: dict) -> int:
    """Redraw a notebook's ``lt.run_times("NN")`` output from ``times``; returns how many cells.

    A stored table predates its own run: write-back and the site redraw it so both show the same times.
    """
    count = 0
    for cell in nb.cells:
        match = _RUN_TIMES_CALL.search(cell.source) if cell.cell_type == "code" else None
        if match:
            cell.outputs = [nbformat.v4.new_output("display_data", data={
                "text/markdown": run_times_markdown(match.group(1), times=times),
                "text/plain": "<IPython.core.display.Markdown object>"})]
            count += 1
    return count


#: Headline figures shown per notebook in ``summary.md`` (all of them are in ``summary.json``).
HEADLINE_FIGURES = 4
#: Key figures that describe the run, not its results: shown in the page's header, not per notebook.
_RUN_FIGURES = {"mode", "device", "seed"}


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


#: Parts of a figure's name that mark a result (accuracy, bits per character, error, verdict):
#: shown first; ``lt.report()`` sorts the names, so the order alone would pick at random.
_HEADLINE_MARKS = ("test_acc", "accuracy", "bits_per_char", "test_mae", "verdict")


def headline_figures(figures: dict[str, Any], limit: int = HEADLINE_FIGURES) -> list[str]:
    """A few single-number (or short text) figures as ``name = value``: results first."""
    shown = []
    def is_result(name: str) -> bool:
        return name.endswith("_reviews") or any(mark in name for mark in _HEADLINE_MARKS)

    ranked = sorted(figures, key=lambda name: not is_result(name))
    for key, value in ((k, figures[k]) for k in ranked):
        if key in _RUN_FIGURES or isinstance(value, bool):
            continue
        if isinstance(value, float):
            shown.append(f"{key} = {value:.4g}")
        elif isinstance(value, int) or (isinstance(value, str) and len(value) <= 40):
            shown.append(f"{key} = {value:,}" if isinstance(value, int) else f"{key} = {value}")
        if len(shown) == limit:
            break
    return shown


def summary_markdown(summary: RunSummary) -> str:
    """The one-page summary: status, run time and a few headline figures of each notebook,
    linked to its executed copy beside it; a notebook that failed says where it stopped and why."""
    devices = sorted({str(r.figures["device"]) for r in summary.results if "device" in r.figures})
    total = sum(r.seconds for r in summary.results)
    passed = sum(r.status == "ok" for r in summary.results)
    lines = [f"# Notebook run ({summary.mode} mode)", "",
             f"{passed} of {len(summary.results)} notebooks ran to the end in {_minutes(total)}"
             + (f" on {', '.join(devices)}" if devices else "") + ". Every key figure is in "
             "`summary.json`; the executed notebooks are linked below.", "",
             "| notebook | status | run time | headline figures (or where it stopped) |",
             "| --- | --- | ---: | --- |"]
    for r in summary.results:
        name = f"[{r.name}]({Path(r.output_path).name})" if r.output_path else r.name
        detail = (f"stopped at {r.error}" if r.status != "ok"
                  else "; ".join(headline_figures(r.figures)) or "(no key figures reported)")
        detail = detail.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {name} | {r.status} | {_minutes(r.seconds)} | {detail} |")
    return "\n".join(lines) + "\n"


def check_data_up_front(paths: Sequence[Path]) -> None:
    """Fail before the first cell, not in the middle of a notebook, when NLTK's stopwords
    (which a notebook's code asks for) are neither installed nor downloadable."""
    needing = [p.stem[:2] for p in paths
               if any("stopwords" in c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code")]
    if needing:
        from .. import text
        from ..io.errors import DataUnavailableError

        try:
            text.english_stopwords(raw=True)  # one download attempt; else says how to provide them
        except DataUnavailableError as exc:
            raise DataUnavailableError(f"notebook(s) {', '.join(needing)} need NLTK's stopwords, "
                                       f"so nothing was run. {exc}") from None


def run_notebooks(names: Sequence[str] | None = None, fast: bool = False, out_dir=None, write_back: bool = False,
                  timeout: int | None = None, log=print) -> RunSummary:
    """Run notebooks headlessly; write executed copies, ``summary.md``/``.json`` and run times."""
    if fast and write_back:
        raise UsageError("--write-back saves the committed outputs, which must come from a full run; "
                         "drop --fast or --write-back")
    mode = "fast" if fast else "full"
    paths = find_notebooks(names)
    if not paths:
        raise UsageError("no notebooks found in notebooks/")
    out = Path(out_dir) if out_dir else output_dir("runs") / mode
    check_data_up_front(paths)
    summary = RunSummary(mode, [])
    for path in paths:
        log(f"running {path.name} ({mode} mode)")
        result = run_notebook(path, fast, out, timeout or (900 if fast else 3600), log=log)
        summary.results.append(result)
        log(f"  {result.status} in {result.seconds:.1f} s" + (f": {result.error}" if result.error else ""))
        record_run_time(result, mode, path.parent if write_back else out)
        if write_back and result.status == "ok":
            executed = nbformat.read(result.output_path, as_version=4)
            refresh_run_times(executed, read_run_times(path.parent))  # with this run's time
            save_notebook(executed, path)
            log(f"  outputs written back to {path}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
    notebooks = [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 1), "error": r.error,
                  "executed": r.output_path, "figures": r.figures} for r in summary.results]
    (out / "summary.json").write_text(json.dumps({"mode": mode, "notebooks": notebooks}, indent=2) + "\n",
                                      encoding="utf-8")
    log(f"summary: {out / 'summary.md'}")
    return summary
