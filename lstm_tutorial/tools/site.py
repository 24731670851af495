"""The course as a static website: ``bash run.sh site`` → ``runs/site/html``.

Sphinx + myst-nb render the committed notebooks' stored outputs: nothing is executed, nothing
loaded from the network. No TensorFlow or Keras here: it runs in ``.venv-site``, which has neither.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Sequence

import nbformat

from . import colab
from ..io.errors import UsageError
from ..io.paths import atomic_folder, output_dir, project_root
from .runner import RUN_TIMES_FILE, find_notebooks, notebooks_dir, read_run_times, refresh_run_times, save_notebook

#: Heading of a notebook's article-map section (``## Map to the articles`` or ``## Article map``).
ARTICLE_MAP_HEADING = re.compile(r"^(#{1,6})\s*(?:map to the articles|article map)\b.*$", re.IGNORECASE | re.MULTILINE)
#: The badge image in the notebooks' first cell (an address outside the site).
_REMOTE_BADGE = re.compile(r"\[!\[([^\]]*)\]\(https?://[^)\s]*colab-badge\.svg\)\]\(([^)\s]*)\)")
#: Stored output of an interactive widget (ipywidgets): the static site cannot run it.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("*An interactive widget (a slider or a control) is here when the notebook runs in Jupyter "
               "or Colab; a static page cannot run it. Use the notebook's launch-in-Colab link to try it.*")
#: Where the badge lives in the staged source (copied from site/_static).
LOCAL_BADGE = "_static/colab-badge.svg"
#: The parts of MathJax's es5 build the site needs (bundle, fonts, what it loads on demand).
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y")
#: Each page's "last updated" date, read by site/conf.py.
PAGE_DATES_FILE = "_page_dates.json"
#: Printed output of at least this many writes is a log (training loop, sweep, progress bar).
LOG_WRITES = 8
#: Printed output longer than this many lines scrolls in a box of its own.
LONG_OUTPUT_LINES = 25
#: The tag (course.css) that scrolls a cell's printed output in a box, its figures left in the page.
LOG_TAG = "log-output"
#: Where a notebook's map to the articles stood, in the site's copy (the map itself moves to the end).
MAP_POINTER = ("*Read alongside articles on LSTMs? The map from their sections to this notebook's is at "
               "[the end of the page](#{anchor}).*")
#: Under each map: where the articles can be read (a section of the article-map page).
MAP_SOURCES = "*Where to read each article: [the articles](article_map.md#the-articles).*"
#: The article list of the article-map page (names and where they are published; no article text).
ARTICLES_FILE = "articles.md"
#: A figure in a built page: an ``<img>`` of the site's ``_images/`` folder.
_IMG_TAG = re.compile(r'<img\b[^>]*\bsrc="(_images/[^"]+)"[^>]*>')


@dataclass
class Notebook:
    """One staged notebook: its file name, title and article-map section."""

    path: Path
    title: str
    article_map: str | None
    source: Path | None = None  # the committed notebook (what the download button offers)


def _site_dir() -> Path:
    """``site/`` in the checkout: conf.py, the landing page, CSS, script, favicon, badge."""
    root = project_root()
    if root is None or not (root / "site" / "conf.py").is_file():
        raise UsageError("building the site needs a checkout of lstm-tutorial with its site/ folder; "
                         "clone the repository and run `bash run.sh site` there")
    return root / "site"


def notebook_title(nb, fallback: str) -> str:
    """The text of the notebook's first level-1 heading (``# 02 · ...``), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+?)\s*$", cell.source, re.MULTILINE)
            if match:
                return match.group(1)
    return fallback


def _map_section(nb):
    """``(cell, heading match, end)`` of the *Map to the articles* section (up to the next heading of
    its level or a higher one), or None."""
    for cell in nb.cells:
        match = ARTICLE_MAP_HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if match:
            after = re.compile(rf"^#{{1,{len(match.group(1))}}}\s", re.MULTILINE).search(cell.source, match.end())
            return cell, match, after.start() if after else len(cell.source)
    return None


def article_map(nb) -> str | None:
    """The body of the *Map to the articles* section, or None."""
    found = _map_section(nb)
    if found is None:
        return None
    cell, match, end = found
    return cell.source[match.end():end].strip() or None


def move_article_map_to_end(nb) -> bool:
    """Move the *Map to the articles* section to the end of the site's copy; returns whether there was one.

    The maps are long tables (5,400 px on a phone before notebook 01's first section): a reader comes
    for the lesson, and one coming from an article follows the pointer left where the map stood.
    """
    found = _map_section(nb)
    if found is None:
        return False
    cell, match, end = found
    section = cell.source[match.start():end].rstrip()
    title = re.sub(r"^#+\s*", "", match.group(0)).strip()
    anchor = re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", title.lower()))  # the id MyST gives the heading
    cell.source = "\n\n".join(part for part in (cell.source[:match.start()].rstrip(), MAP_POINTER.format(anchor=anchor),
                                                 cell.source[end:].strip()) if part)
    nb.cells.append(nbformat.v4.new_markdown_cell(f"{section}\n\n{MAP_SOURCES}"))
    return True


def run_time_cell(times: dict, stem: str, mode: str) -> str:
    """``"2.1 min (CPU, 2 cores)"`` for a recorded run, ``"not recorded"`` otherwise."""
    run = times.get(stem, {}).get(mode)
    if not run:
        return "not recorded"
    where = run.get("device", "CPU")
    if run.get("cpus"):
        where += f", {run['cpus']} cores"
    return f"{run['seconds'] / 60:.1f} min ({where})"


def run_time_table(notebooks: Sequence[Notebook], times: dict) -> str:
    """The landing page's table of notebooks, run times and Colab links (course.css: cards on a phone)."""
    rows = ["| notebook | full run | fast run | Colab |", "| --- | ---: | ---: | --- |"]
    for nb in notebooks:
        title = nb.title.replace("|", r"\|")
        rows.append(f"| [{title}]({nb.path.name}) | {run_time_cell(times, nb.path.stem, 'full')} "
                    f"| {run_time_cell(times, nb.path.stem, 'fast')} | [launch in Colab]({colab.colab_url(nb.path)}) |")
    return "```{table}\n:class: course-notebooks\n\n" + "\n".join(rows) + "\n```"


def landing_page(notebooks: Sequence[Notebook], times: dict) -> str:
    """The site's index page: ``site/landing_page.md`` with the notebooks and run times filled in."""
    dates = sorted({run["date"] for entry in times.values() for run in entry.values() if "date" in run})
    span = f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else "".join(dates)
    recorded = f"Run times are the last recorded runs ({span}), " if dates else "No run times are recorded yet; "
    return (_site_dir() / "landing_page.md").read_text(encoding="utf-8").format(
        repo_url=colab.REPO_URL, table=run_time_table(notebooks, times), recorded=recorded,
        toc="\n".join(nb.path.name for nb in notebooks))


def article_map_page(notebooks: Sequence[Notebook]) -> str:
    """The page that collects every notebook's map to the articles."""
    parts = ["# Map to the articles", "",
             "Each notebook ends with a map from the sections of the articles this course is read "
             "alongside to the cells that show, measure or correct them. Here are all of them, "
             "notebook by notebook.", ""]
    articles = _site_dir() / ARTICLES_FILE
    if articles.is_file():
        parts += [articles.read_text(encoding="utf-8").strip(), ""]
    for nb in notebooks:
        parts += [f"## {nb.title}", "", f"[Open the notebook]({nb.path.name}) · "
                  f"[launch in Colab]({colab.colab_url(nb.path)})", ""]
        body = (re.sub(r"\]\(#", f"]({nb.path.name}#", nb.article_map)  # in-notebook anchors, from this page
                if nb.article_map else "_This notebook has no map to the articles yet._")
        parts += [body, ""]
    return "\n".join(parts)


def stage_notebook(source: Path, dest_dir: Path, times: dict | None = None) -> Notebook:
    """Copy one notebook for the site: local Colab badge, widgets noted, logs folded, run times from ``times``."""
    nb = nbformat.read(source, as_version=4)
    badge = (f"[![Launch in Colab]({LOCAL_BADGE})]({colab.colab_url(source)}) · "
             f"[the notebook on GitHub]({colab.REPO_URL}/blob/{colab.PINNED_REF}/notebooks/{source.name})")
    has_badge = False
    for cell in (c for c in nb.cells if c.cell_type == "markdown"):
        cell.source, count = _REMOTE_BADGE.subn(badge, cell.source)
        has_badge = has_badge or count > 0
    _replace_widgets(nb)
    fold_long_outputs(nb)
    move_article_map_to_end(nb)
    refresh_run_times(nb, times if times is not None else read_run_times(source.parent))
    if not has_badge:  # every page gets its link: under the title, or as a first cell
        first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
        heading = re.search(r"^#\s+.+$", first.source, re.MULTILINE) if first is not None else None
        if heading:
            first.source = first.source[:heading.end()] + f"\n\n{badge}\n" + first.source[heading.end():]
        else:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(badge))
    save_notebook(nb, dest_dir / source.name)
    return Notebook(path=dest_dir / source.name, title=notebook_title(nb, source.stem),
                    article_map=article_map(nb), source=source)


def fold_long_outputs(nb) -> None:
    """Merge consecutive writes to a stream into what a terminal shows, then tag long output.

    A log alone is folded away (``hide-output``); a log beside figures, or a long block, scrolls in
    a box (:data:`LOG_TAG`, or ``scroll-output`` for text only). A cell already tagged so is left as it is.
    """
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.get("outputs"):
            continue
        writes = sum(output.output_type == "stream" for output in cell.outputs)
        merged = []
        for stream, group in groupby(cell.outputs, key=lambda o: o.output_type == "stream" and o.name):
            group = list(group)
            if stream:  # one block, as a terminal shows it: a carriage return rewinds its line
                lines = "".join(o.text for o in group).split("\n")
                group[0].text = "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)
                group = group[:1]
            merged += group
        cell.outputs = merged
        tags = cell.metadata.setdefault("tags", [])
        if set(tags) & {"hide-output", "remove-output", "scroll-output", LOG_TAG}:
            continue
        lines = max((o.text.count("\n") for o in merged if o.output_type == "stream"), default=0)
        text_only = all(o.output_type == "stream" for o in merged)
        log = writes >= LOG_WRITES and lines > LOG_WRITES  # a progress bar alone ends as one line
        if log and text_only:
            tags.append("hide-output")
        elif log or lines > LONG_OUTPUT_LINES:
            tags.append("scroll-output" if text_only else LOG_TAG)
        if not tags:
            del cell.metadata["tags"]


def _replace_widgets(nb) -> None:
    """A note where an output is a widget: myst-nb would load its JavaScript from a CDN (offline site)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/markdown": WIDGET_NOTE}
                output.get("metadata", {}).pop(WIDGET_MIME, None)
    nb.metadata.pop("widgets", None)


def last_changed(path: Path) -> str:
    """``YYYY-MM-DD`` of the last commit that changed ``path``; its modification date when git
    cannot tell (no git, not committed yet, or changed since its last commit)."""
    path = Path(path)
    try:
        changed = subprocess.run(["git", "status", "--porcelain", "--", path.name], cwd=path.parent,
                                 capture_output=True, text=True, timeout=30)
        logged = subprocess.run(["git", "log", "-1", "--format=%cs", "--", path.name], cwd=path.parent,
                                capture_output=True, text=True, timeout=30)
        if changed.returncode == 0 and not changed.stdout.strip() and logged.stdout.strip():
            return logged.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return time.strftime("%Y-%m-%d", time.localtime(path.stat().st_mtime))


def page_dates(notebooks: Sequence[Notebook], run_times_file: Path | None = None) -> dict[str, str]:
    """Each page's "last updated" date: a notebook's :func:`last_changed`; the landing page and
    the article map, made from all of them, the latest of those and of run_times.json."""
    dates = {nb.path.stem: last_changed(nb.source or nb.path) for nb in notebooks}
    inputs = [*dates.values(), *([last_changed(run_times_file)] if run_times_file and run_times_file.is_file() else [])]
    if inputs:
        dates["index"] = dates["article_map"] = max(inputs)
    return dates


def _copy_static(dest: Path) -> None:
    """Copy ``site/`` (conf.py, CSS, script, favicon, badge) and MathJax into the staging folder."""
    site, spec = _site_dir(), importlib.util.find_spec("mathjax")
    shutil.copy2(site / "conf.py", dest / "conf.py")
    shutil.copytree(site / "_static", dest / "_static", dirs_exist_ok=True)
    mathjax = Path(spec.origin).parent / "static" / "mathjax" / "es5" if spec and spec.origin else None
    if mathjax is None or not (mathjax / "tex-chtml.js").is_file():  # MathJax 3 from django-static-mathjax
        raise UsageError("MathJax is missing: the site serves it locally from the django-static-mathjax "
                         "package; install requirements.txt (bash run.sh does) and build again")
    for part in MATHJAX_PARTS:
        src, out = mathjax / part, dest / "_static" / "mathjax" / part
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, out, dirs_exist_ok=True)
        else:
            shutil.copy2(src, out)


def stage(dest: Path) -> list[Notebook]:
    """Fill ``dest`` with everything Sphinx needs; returns the staged notebooks."""
    dest.mkdir(parents=True, exist_ok=True)
    sources = find_notebooks()
    if not sources:
        raise UsageError("no notebooks to build the site from (notebooks/*.ipynb)")
    times = read_run_times(notebooks_dir())
    _copy_static(dest)
    staged = [stage_notebook(path, dest, times) for path in sources]
    dates = page_dates(staged, notebooks_dir() / RUN_TIMES_FILE)
    for name, text in (("index.md", landing_page(staged, times)), ("article_map.md", article_map_page(staged)),
                       (PAGE_DATES_FILE, json.dumps(dates, indent=1, sort_keys=True))):
        (dest / name).write_text(text, encoding="utf-8")
    return staged


# --------------------------------------------------------------------------- build
def png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of a PNG file from its header; None for anything else."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def lazy_figures(html: str, html_dir: Path) -> tuple[str, int]:
    """Mark a built page's figures ``loading="lazy"`` (a page holds up to nine of 100-200 kB; a phone
    fetches those it scrolls to), sized so the page keeps its layout; returns the page and how many."""
    count = 0

    def mark(match):
        nonlocal count
        tag = match.group(0)
        if re.search(r"\sloading=", tag):
            return tag
        extra = ' loading="lazy" decoding="async"'
        size = png_size(html_dir / match.group(1))
        if size and not re.search(r"\s(width|height)=", tag):
            extra += f' width="{size[0]}" height="{size[1]}"'
        count += 1
        return tag[:4] + extra + tag[4:]

    return _IMG_TAG.sub(mark, html), count


def build(out_dir: Path | None = None, log=print) -> Path:
    """Build the site into ``out_dir`` (default ``runs/site/html``); returns its index.html.

    The result replaces ``out_dir`` only when Sphinx succeeded; a failure raises with its last lines.
    """
    out_dir = Path(out_dir) if out_dir is not None else output_dir("runs") / "site" / "html"
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lstm-site-") as tmp:
        source, doctrees = Path(tmp) / "source", Path(tmp) / "doctrees"
        staged = stage(source)
        log(f"site: {len(staged)} notebook(s) staged; building with Sphinx")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(project_root()),
                                                                        os.environ.get("PYTHONPATH")]))}
        with atomic_folder(out_dir) as html:
            proc = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", "-d", str(doctrees),
                                   str(source), str(html)], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
                raise UsageError(f"Sphinx could not build the site (exit status {proc.returncode}):\n{tail}")
            for line in filter(str.strip, proc.stderr.splitlines()):
                log(f"site: {line}")
            for page in Path(html).glob("*.html"):  # what Sphinx cannot be told: lazy figures with their size
                text, count = lazy_figures(page.read_text(encoding="utf-8"), Path(html))
                if count:
                    page.write_text(text, encoding="utf-8")
            for nb in staged:  # the download button offers the committed notebook (its badge is Colab's)
                target = Path(html) / "_sources" / nb.path.name
                if nb.source is not None and target.is_file():
                    shutil.copy2(nb.source, target)
    log(f"site: {out_dir / 'index.html'}")
    return out_dir / "index.html"
