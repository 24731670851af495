"""The course website: its pieces (unit tests), then the built site in a real browser.

The browser tests build the site once (``python -m lstm_tutorial site`` into runs/site/html,
in a child process that cannot import TensorFlow or Keras), serve it on 127.0.0.1 and open
every page in headless Chromium (Debian's ``chromium``, driven through Playwright's Python
package; no browser is downloaded). Every request that leaves 127.0.0.1 is blocked and
recorded, so the site is tested as it would behave offline.

A reader's view is checked at 1280 px (a lecture hall's projector) and 390 px (a phone) by
``tests/site_reader_checks.js`` and by clicking the menu and contents buttons; notebook
pages are printed at A4 width (print media) and checked for cut code, tables and logs; a
search for "forget gate" must open its hit at the words, marked; a figure tapped on a phone
opens in a viewer at its natural size. Every check is shown to fail on pages broken on
purpose (a hidden article, an element wider than a phone, a menu without its script, a
shrunken or too wide figure, a table to scroll sideways, figures not lazy, tiny text, hidden or covering copy buttons,
no Colab link, a log without its box, two search boxes, code or tables cut in print, search
or figure viewer without the site's script). Screenshots of the landing page and notebooks
01, 03 and 05 at both widths, of a printed page and of the figure viewer go to
runs/site/screenshots/ (the committed ones are in site/screenshots/).
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import nbformat
import pytest

from lstm_tutorial.tools import colab, site
from lstm_tutorial.tools.runner import read_run_times, refresh_run_times

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "runs" / "site" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: The widths a reader sees the site at: a lecture hall's projector and a phone.
WIDTHS = {"1280": (1280, 800), "390": (390, 844)}
#: A figure narrower than this must open at full size when clicked.
MIN_FIGURE_PX = 480
READER_CHECKS = (Path(__file__).with_name("site_reader_checks.js")).read_text(encoding="utf-8")

# --------------------------------------------------------------------------- unit tests
def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c) if isinstance(c, str) else c for c in cells]
    return nb


def test_article_map_is_the_section_up_to_the_next_heading_of_its_level():
    nb = _nb("# 05 · Title\n\nIntro.",
             "## Map to the articles\n\nIntro line.\n\n| a | b |\n|---|---|\n| x | y |\n\n### detail\nkept\n\n"
             "## Next section\n\nnot part of the map",
             "## Map to the articles\n\na second one is ignored")
    body = site.article_map(nb)
    assert body.startswith("Intro line.") and "| x | y |" in body and "### detail\nkept" in body
    assert "Next section" not in body and "not part of the map" not in body and "Map to the articles" not in body


def test_article_map_missing_or_named_article_map():
    assert site.article_map(_nb("# T", "## Something else\ntext")) is None
    assert site.article_map(_nb("### Article map\nrow")) == "row"
    assert site.article_map(_nb(nbformat.v4.new_code_cell("# Map to the articles"))) is None


def test_article_map_page_collects_every_notebook_and_says_where_one_is_missing():
    nbs = [site.Notebook(Path("01_a.ipynb"), "01 · A", "| map of A |"),
           site.Notebook(Path("02_b.ipynb"), "02 · B", None)]
    page = site.article_map_page(nbs)
    assert page.index("## 01 · A") < page.index("| map of A |") < page.index("## 02 · B")
    assert "no map to the articles yet" in page.split("## 02 · B")[1]
    assert "[Open the notebook](02_b.ipynb)" in page
    linked = site.article_map_page([site.Notebook(Path("03_c.ipynb"), "03 · C", "see [section 5](#5-backward)")])
    assert "see [section 5](03_c.ipynb#5-backward)" in linked  # an in-notebook anchor still works from here


def test_article_map_page_says_where_to_read_the_articles():
    page = site.article_map_page([site.Notebook(Path("01_a.ipynb"), "01 · A", "| map |")])
    assert page.index("## The articles") < page.index("## 01 · A")
    for name in ("What is LSTM?", "Improving RNNs", "BiLSTM on IMDB", "complete LSTM tutorial", "NLP tutorials"):
        assert name in page, name
    assert not re.search(r"https?://", page.split("## 01 · A")[0])  # no address we could not verify


def test_the_article_map_moves_to_the_end_of_the_site_copy():
    nb = _nb("# 01 · Title\n\nIntro.", "## Map to the articles\n\n| a | b |\n|---|---|\n| x | y |",
             _code(source="x = 1"), "## 1. First section\n\ntext", "## Exercises\n\n1. one")
    assert site.move_article_map_to_end(nb)
    sources = [c.source for c in nb.cells]
    assert sources[1] == site.MAP_POINTER.format(anchor="map-to-the-articles")
    assert sources[3].startswith("## 1. First section") and sources[4].startswith("## Exercises")
    assert sources[-1].startswith("## Map to the articles\n\n| a | b |") and sources[-1].endswith(site.MAP_SOURCES)
    assert site.article_map(nb).startswith("| a | b |")  # the article-map page still finds it
    shared = _nb("# 02 · T\n\nIntro.\n\n## Article map\n\nrow\n\n## 1. Next\n\nkept here")
    assert site.move_article_map_to_end(shared)
    assert shared.cells[0].source.startswith("# 02 · T\n\nIntro.\n\n*Read alongside")
    assert shared.cells[0].source.endswith("## 1. Next\n\nkept here") and "row" not in shared.cells[0].source
    assert shared.cells[1].source.startswith("## Article map\n\nrow") and "(#article-map)" in shared.cells[0].source
    assert not site.move_article_map_to_end(_nb("# 03 · No map", "## 1. Only"))


def test_built_figures_are_lazy_with_their_size(tmp_path):
    (tmp_path / "_images").mkdir()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (1190).to_bytes(4, "big") + (590).to_bytes(4, "big") + b"\x08\x06"
    (tmp_path / "_images" / "fig.png").write_bytes(png)
    html = ('<img alt="x" src="_images/fig.png" /> <img src="_images/badge.svg"/> '
            '<img loading="eager" src="_images/fig.png"/> <img src="https://example.org/a.png"/>')
    out, count = site.lazy_figures(html, tmp_path)
    assert count == 2
    assert '<img loading="lazy" decoding="async" width="1190" height="590" alt="x" src="_images/fig.png" />' in out
    assert '<img loading="lazy" decoding="async" src="_images/badge.svg"/>' in out
    assert '<img loading="eager" src="_images/fig.png"/>' in out and '<img src="https://example.org/a.png"/>' in out
    assert site.png_size(tmp_path / "_images" / "fig.png") == (1190, 590)
    assert site.png_size(tmp_path / "missing.png") is None


def test_run_time_table_shows_recorded_minutes_and_says_not_recorded():
    times = {"01_a": {"full": {"seconds": 750.0, "device": "GPU", "cpus": 16, "date": "2026-11-30"},
                      "fast": {"seconds": 30.0, "device": "CPU", "cpus": 2, "date": "2026-11-30"}}}
    nbs = [site.Notebook(Path("01_a.ipynb"), "01 · A | pipe", None), site.Notebook(Path("02_b.ipynb"), "02 · B", None)]
    table = site.run_time_table(nbs, times)
    assert table.startswith("```{table}\n:class: course-notebooks\n") and table.endswith("\n```")
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) == 4
    assert "| 12.5 min (GPU, 16 cores) | 0.5 min (CPU, 2 cores) |" in rows[2]
    assert "[01 · A \\| pipe](01_a.ipynb)" in rows[2] and colab.colab_url("01_a.ipynb") in rows[2]
    assert rows[3].count("not recorded") == 2


def test_landing_page_lists_the_notebooks_in_its_toctree_and_links_the_article_map():
    nbs = [site.Notebook(Path("00_a.ipynb"), "00 · A", None), site.Notebook(Path("01_b.ipynb"), "01 · B", None)]
    page = site.landing_page(nbs, {})
    toctree = page.split("```{toctree}")[1]
    assert "00_a.ipynb\n01_b.ipynb" in toctree
    assert "(article_map.md)" in page and "No run times are recorded yet" in page


def test_staged_notebook_gets_a_local_badge(tmp_path):
    remote = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://example.org/x)"
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(_nb(f"# 07 · Seven\n\n{remote}\n\nSee the checks."), src / "07_seven.ipynb")
    nbformat.write(_nb("# 08 · No badge\n\nText."), src / "08_nobadge.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("07_seven.ipynb", "08_nobadge.ipynb"):
        staged = site.stage_notebook(src / name, out)
        text = nbformat.read(staged.path, as_version=4).cells[0].source
        assert f"[![Launch in Colab]({site.LOCAL_BADGE})]({colab.colab_url(name)})" in text
        assert f"({colab.REPO_URL}/blob/{colab.PINNED_REF}/notebooks/{name})" in text  # the notebook on GitHub
        assert "colab.research.google.com/assets" not in text
    assert nbformat.read(out / "08_nobadge.ipynb", as_version=4).cells[0].source.startswith("# 08 · No badge\n\n[![")


def test_stored_widgets_become_a_note_and_load_no_javascript(tmp_path):
    code = nbformat.v4.new_code_cell("slider")
    code.outputs = [nbformat.v4.new_output("display_data", data={
        site.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "IntSlider(value=3)"}),
        nbformat.v4.new_output("stream", text="kept\n")]
    nb = _nb("# 09 · Widgets", code)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    (tmp_path / "src").mkdir()
    nbformat.write(nb, tmp_path / "src" / "09_w.ipynb")
    staged = nbformat.read(site.stage_notebook(tmp_path / "src" / "09_w.ipynb", tmp_path).path, as_version=4)
    outputs = staged.cells[1].outputs
    assert outputs[0].data == {"text/markdown": site.WIDGET_NOTE} and outputs[1].text == "kept\n"
    assert "widgets" not in staged.metadata



def _stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _code(*outputs, source="x = 1", tags=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = list(outputs)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def test_long_outputs_are_merged_and_logs_folded_away():
    progress = _code(*[_stream(f"\rreading: {i * 10:3d}%") for i in range(11)], _stream("\nloaded 25,000 reviews\n"))
    log_and_prose = _code(*[_stream(f"epoch {i}: loss 0.{i}\n") for i in range(20)],
                          nbformat.v4.new_output("display_data", data={"text/markdown": "The LSTM learnt."}))
    listing = _code(_stream("".join(f"line {i}\n" for i in range(40))))
    short = _code(_stream("a\n"), _stream("b\n"), _stream("warning\n", name="stderr"))
    tagged = _code(*[_stream(f"{i}\n") for i in range(30)], tags=["remove-output"])
    log = _code(*[_stream(f"epoch {i}: loss 0.{i}\n") for i in range(12)])
    nb = _nb(progress, log_and_prose, listing, short, tagged, log)
    site.fold_long_outputs(nb)
    assert [o.text for o in progress.outputs] == ["reading: 100%\nloaded 25,000 reviews\n"]  # the last frame
    assert "tags" not in progress.metadata  # two lines once merged: shown as they are
    assert log.metadata["tags"] == ["hide-output"]  # a log and nothing else: folded away
    assert len(log_and_prose.outputs) == 2 and log_and_prose.metadata["tags"] == [site.LOG_TAG]
    assert listing.metadata["tags"] == ["scroll-output"]  # long, printed at once: scrolls in its box
    assert [o.text for o in short.outputs] == ["a\nb\n", "warning\n"] and "tags" not in short.metadata
    assert tagged.metadata["tags"] == ["remove-output"] and len(tagged.outputs) == 1


def test_run_times_come_from_run_times_json():
    times_cell = _code(nbformat.v4.new_output("display_data", data={"text/markdown": "| full | 1.0 min | old |"}),
                       source='lt.run_times("07")')
    nb = _nb(times_cell)
    times = {"07_seven": {"full": {"seconds": 90.0, "device": "CPU", "cpus": 2, "date": "2026-12-01"}}}
    assert refresh_run_times(nb, times) == 1
    shown = times_cell.outputs[0].data["text/markdown"]
    assert "| full | 1.5 min |" in shown and "old" not in shown
    assert site.run_time_cell(times, "07_seven", "full").startswith("1.5 min")  # the landing page agrees


def test_page_dates_come_from_git_or_the_file(tmp_path):
    committed = REPO / "notebooks" / NOTEBOOKS[0].name
    logged = subprocess.run(["git", "log", "-1", "--format=%cs", "--", committed.name], cwd=committed.parent,
                            capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "--", committed.name], cwd=committed.parent,
                             capture_output=True, text=True).stdout.strip()
    if logged and not changed:
        assert site.last_changed(committed) == logged
    loose = tmp_path / "09_new.ipynb"
    loose.write_text("{}")
    os.utime(loose, (0, 86400 * 365))  # 1971-01-01, not a git file
    assert site.last_changed(loose) == time.strftime("%Y-%m-%d", time.localtime(86400 * 365))
    dates = site.page_dates([site.Notebook(loose, "09", None, source=loose),
                             site.Notebook(committed, "00", None, source=committed)])
    assert dates["index"] == dates["article_map"] == max(dates["09_new"], dates[committed.stem])


# --------------------------------------------------------------------------- the built site
#: Sphinx warnings that do not break a page (a heading level skipped inside a notebook).
HARMLESS_WARNINGS = re.compile(r"\[myst\.header\]")
_BUILD_LOG: list[str] = []
#: Packages of requirements.txt (the course) that requirements-site.txt (the site) does not install,
#: by import name: a site build that imports one fails on a clean clone (`bash run.sh site`).
NOT_IN_SITE_VENV = ("tensorflow", "keras", "numpy", "scipy", "sklearn", "matplotlib", "nltk", "gensim",
                    "pmdarima", "statsmodels", "pandas")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The site built once from the committed notebooks into runs/site/html, the way
    ``bash run.sh site`` builds it, by a Python that cannot import what requirements-site.txt
    does not install (TensorFlow, Keras, NumPy, ...): `.venv-site` has none of them."""
    blocked = tmp_path_factory.mktemp("not-in-the-site-venv")
    for module in NOT_IN_SITE_VENV:
        (blocked / module).mkdir()
        (blocked / module / "__init__.py").write_text(
            f"raise ImportError('the site builder imported {module}, which requirements-site.txt does not install')\n")
    out = REPO / "runs" / "site" / "html"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocked), str(REPO)])}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lstm_tutorial", "site", "--out", str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    _BUILD_LOG.extend((proc.stdout + proc.stderr).splitlines())
    print(f"site built in {time.perf_counter() - start:.1f} s")
    return out


def test_sphinx_builds_without_warnings(built_site):
    """A warning here is usually content lost silently: a link target Sphinx did not find
    (the text stays, the link goes), an image it could not read, a formula it could not parse."""
    warnings = [line for line in _BUILD_LOG if "WARNING" in line or "ERROR" in line]
    assert not [w for w in warnings if not HARMLESS_WARNINGS.search(w)], "\n".join(warnings[:20])


def test_build_has_every_page_and_no_remote_scripts_styles_or_fonts(built_site):
    pages = {p.stem for p in built_site.glob("*.html")}
    assert {"index", "article_map", *(p.stem for p in NOTEBOOKS)} <= pages
    remote = []
    asset_tag = re.compile(r"<(script|link|img|iframe|source)\b[^>]*>", re.IGNORECASE)
    for page in built_site.rglob("*.html"):
        for tag in asset_tag.finditer(page.read_text(encoding="utf-8")):
            text = tag.group(0)
            is_link_to_page = text.lower().startswith("<link") and not re.search(
                r'rel="(stylesheet|preload|icon|shortcut icon|modulepreload|prefetch)"', text, re.IGNORECASE)
            if not is_link_to_page and re.search(r'(src|href)="(https?:)?//', text, re.IGNORECASE):
                remote.append(f"{page.name}: {text}")
    for sheet in built_site.rglob("*.css"):
        for match in re.finditer(r"(url\(\s*['\"]?|@import\s+['\"])(https?:)?//[^)'\"]+",
                                 sheet.read_text(encoding="utf-8", errors="replace")):
            remote.append(f"{sheet.relative_to(built_site)}: {match.group(0)}")
    assert not remote, "assets loaded from outside the site:\n" + "\n".join(remote[:20])
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()


def _article_text(built_site: Path, page: str) -> str:
    from bs4 import BeautifulSoup  # comes with the theme

    soup = BeautifulSoup(built_site.joinpath(page).read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article") or soup
    return " ".join(article.get_text(" ").split())


def test_landing_page_and_notebooks_show_the_same_run_times_and_article_map_collects_the_maps(built_site):
    index, article_map = _article_text(built_site, "index.html"), _article_text(built_site, "article_map.html")
    times = read_run_times(REPO / "notebooks")
    for path in NOTEBOOKS:
        page = _article_text(built_site, f"{path.stem}.html")
        for mode in ("full", "fast"):
            run = times.get(path.stem, {}).get(mode)
            if run is None:
                assert "not recorded" in index, (path.stem, mode)
                continue
            minutes = f"{run['seconds'] / 60:.1f} min"
            assert minutes in index, (path.stem, mode, minutes)
            assert f"{mode} {minutes}" in page, f"{path.stem}.html does not show its {mode} run time {minutes}"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        # Sphinx prints straight quotes as typographic ones ("..." -> “...”)
        typeset = article_map.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
        assert site.notebook_title(nb, path.stem).replace("`", "") in typeset
        body = site.article_map(nb)
        if body:  # words of the first table row of the notebook's map are on the page
            row = next((line for line in body.splitlines() if line.startswith("|") and "---" not in line), body)
            words = re.findall(r"[A-Za-z]{4,}", row)[:4]
            assert words and all(word in article_map for word in words), (path.name, words)


def test_the_download_is_the_committed_notebook(built_site):
    """The page's download button offers the .ipynb as committed: its Colab badge is Colab's
    image, not the site's _static/ copy that is missing outside the site."""
    for path in NOTEBOOKS:
        offered = built_site / "_sources" / path.name
        assert offered.read_bytes() == path.read_bytes(), offered
        assert "_static/" not in offered.read_text(encoding="utf-8")
        assert f'href="_sources/{path.name}"' in (built_site / f"{path.stem}.html").read_text(encoding="utf-8")


def test_copy_buttons_repository_link_and_last_updated_date(built_site):
    html = (built_site / f"{NOTEBOOKS[0].stem}.html").read_text(encoding="utf-8")
    assert "copybutton.js" in html and (built_site / "_static" / "copybutton.js").is_file()
    assert re.search(r'href="https://github\.com/[^"/]+/[^"/]+"', html), "no link to the repository"
    assert re.search(r'href="https://github\.com/[^"]+/blob/[^"]+/notebooks/' + re.escape(NOTEBOOKS[0].name), html)
    assert re.search(r"Last updated on \d{4}-\d{2}-\d{2}", html)


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)


COLAB_LINK = re.compile(r"^https://colab\.research\.google\.com/github/(?P<owner>[^/]+)/(?P<repo>[^/]+)/blob/"
                        r"(?P<tag>[^/]+)/notebooks/(?P<file>[^/?#]+\.ipynb)$")


def test_colab_links_open_a_notebook_at_a_ref_of_this_repository(built_site):
    """Every Colab link on the site, checked with git (not with the code that made it): the
    form .../github/<owner>/<repo>/blob/<ref>/notebooks/<file>, the ref is a tag or branch of
    this repository that holds that notebook, and <owner>/<repo> is the one of the GitHub remote
    ``origin`` (when there is one)."""
    if _git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout: the release tags cannot be checked")
    on_github = re.search(r"github\.com[:/]([^/]+/[^/]+?)(\.git)?/?$", _git("remote", "get-url", "origin").stdout.strip())
    remote = on_github.group(1) if on_github else None  # a clone of a local folder (CI) says nothing
    links: dict[str, set[str]] = {}
    for page in sorted(built_site.glob("*.html")):
        for href in re.findall(r'href="(https://colab\.research\.google\.com/[^"]*)"', page.read_text(encoding="utf-8")):
            links.setdefault(href.replace("&amp;", "&"), set()).add(page.name)
    for path in NOTEBOOKS:  # every notebook page has one, for its own notebook
        page_links = [h for h, pages in links.items() if f"{path.stem}.html" in pages]
        assert any(h.endswith(f"/notebooks/{path.name}") for h in page_links), f"{path.stem}.html has no Colab link"
    problems = []
    for href, pages in sorted(links.items()):
        where = f"{href} (on {', '.join(sorted(pages))})"
        match = COLAB_LINK.match(href)
        if not match:
            problems.append(f"not of the form .../github/<owner>/<repo>/blob/<tag>/notebooks/<file>: {where}")
            continue
        tag, file = match["tag"], match["file"]
        if remote and f"{match['owner']}/{match['repo']}".lower() != remote.lower():
            problems.append(f"{match['owner']}/{match['repo']} is not this repository ({remote}): {where}")
        ref = next((r for r in (f"refs/tags/{tag}", f"refs/heads/{tag}", f"refs/remotes/origin/{tag}")
                    if _git("rev-parse", "--verify", "--quiet", f"{r}^{{commit}}").returncode == 0), None)
        if ref is None:
            problems.append(f"no tag or branch {tag!r} in this repository (push the release tag, or change "
                            f"PINNED_REF in lstm_tutorial/tools/colab.py): {where}")
        elif _git("cat-file", "-e", f"{ref}:notebooks/{file}").returncode != 0:
            problems.append(f"{tag} has no notebooks/{file}: {where}")
    assert not problems, "\n".join(problems[:20])


# --------------------------------------------------------------------------- the browser
def _find_chromium() -> tuple[str | None, str]:
    """Debian's Chromium, installed with apt-get when absent; (path, "") or (None, why not)."""
    found = shutil.which("chromium") or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if found:
        return found, ""
    if not sys.platform.startswith("linux") or not shutil.which("apt-get"):
        return None, "Chromium is not installed and there is no apt-get to install it (install Debian's chromium)"
    if os.geteuid() != 0:
        return None, "Chromium is not installed and installing it needs root (apt-get install chromium)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]):
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return None, f"`{' '.join(cmd)}` took more than 10 minutes"
        if proc.returncode != 0:
            tail = " ".join((proc.stdout + proc.stderr).strip().splitlines()[-2:])
            return None, f"could not install Chromium: `{' '.join(cmd)}` failed: {tail}"
    return (CHROMIUM, "") if os.access(CHROMIUM, os.X_OK) else (None, "apt-get installed chromium, but not at /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -r requirements.txt)")
    path, why = _find_chromium()
    if path is None:
        pytest.skip(why)
    try:
        pw = sync_playwright().start()
    except Exception as exc:  # Playwright's bundled driver cannot run on this system
        pytest.skip(f"Playwright's driver does not start here: {str(exc).strip().splitlines()[0]}")
    try:
        chromium = pw.chromium.launch(executable_path=path, headless=True)
    except Exception as exc:  # a Chromium that cannot start here (missing libraries, ...)
        pw.stop()
        pytest.skip(f"Chromium at {path} does not start: {str(exc).strip().splitlines()[0]}")
    yield chromium
    chromium.close()
    pw.stop()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _open(context, server: str, name: str, visit: "Visit | None" = None, block: str | None = None,
          rewrite: tuple[str, str] | None = None, media: str | None = None):
    """Open page ``name`` of the site, blocking every request that leaves it (and ``block``,
    a file of the site, to break the page on purpose; ``rewrite`` = (old, new) changes the
    page's HTML as served); wait for MathJax and the figures. ``media="print"`` prints it."""
    page = context.new_page()
    if media:
        page.emulate_media(media=media)

    def route(r):
        url = r.request.url
        if block and urlparse(url).path.endswith(block):
            r.abort()
        elif rewrite and urlparse(url).path.endswith("/" + name):
            served = r.fetch()
            r.fulfill(response=served, body=served.text().replace(*rewrite))
        elif url.startswith(server) or url.startswith("data:"):
            r.continue_()
        else:
            if visit is not None:
                visit.outside.append(url)
            r.abort()

    page.route("**/*", route)
    if visit is not None:
        page.on("console", lambda m: m.type == "error" and visit.console_errors.append(f"{m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e: visit.console_errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: r.url.startswith(server) and visit.failed.append(f"{r.url}: {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and visit.failed.append(f"{r.url}: HTTP {r.status}"))
    page.goto(server + name, wait_until="load")
    if page.evaluate("() => !!document.querySelector('span.math, div.math')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    page.evaluate("""async () => {  // lazy images load once scrolled to (the attribute as built is kept)
        for (const img of document.images) { img.dataset.builtLoading = img.getAttribute('loading') || ''; img.loading = 'eager'; }
        await Promise.all([...document.images].map(img => img.complete ? null :
            new Promise(done => { img.onload = img.onerror = done; })));
    }""")
    return page


@dataclass
class Visit:
    """What one page did in the browser."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)        # requests that failed or got status >= 400
    outside: list[str] = field(default_factory=list)       # requests that left 127.0.0.1 (blocked)
    images: list[dict] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    links: list[str] = field(default_factory=list)


_PAGE_FACTS = """() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .MathJax, .highlight, .output.stream')
      .forEach(e => e.remove());
  const math = [...document.querySelectorAll('span.math, div.math')];
  return {
    images: [...document.images].map(img => ({src: img.currentSrc || img.src, complete: img.complete,
                                              width: img.naturalWidth})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    math: {elements: math.length,
           typeset: math.filter(e => e.querySelector('mjx-container')).length,
           containers: document.querySelectorAll('mjx-container').length,
           errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent).slice(0, 5),
           // what MyST would have read as math: $ and no space ... no space and $; or TeX delimiters
           raw: (copy.textContent.match(/\\$(?=\\S)[^$\\n]{0,200}\\S\\$(?!\\d)|\\$\\S\\$|\\\\\\(|\\\\\\[/g) || []).slice(0, 5)},
  };
}"""


@pytest.fixture(scope="module")
def visits(browser, server, built_site) -> dict[str, Visit]:
    """Every top-level page, loaded once at 1280 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    results: dict[str, Visit] = {}
    start = time.perf_counter()
    for html in sorted(built_site.glob("*.html")):
        visit = results[html.name] = Visit()
        page = _open(context, server, html.name, visit)
        facts = page.evaluate(_PAGE_FACTS)
        visit.images, visit.math, visit.links = facts["images"], facts["math"], facts["links"]
        page.close()
    context.close()
    print(f"{len(results)} pages visited in {time.perf_counter() - start:.1f} s")
    return results


def test_the_page_checks_can_fail(browser):
    """The checks below find raw TeX, a broken image and a typeset-less formula when they exist."""
    page = browser.new_page()
    page.set_content('<p>costs $5 and $10, fine; but $x_t + 1$ is raw, and so is \\(h_t\\)</p>'
                     '<pre>$in code$ is fine</pre><span class="math">\\(c_t\\)</span>'
                     '<img src="data:image/png;base64,AAAA"><a href="other.html#x">x</a>')
    facts = page.evaluate(_PAGE_FACTS)
    page.close()
    assert facts["math"]["raw"] == ["$x_t + 1$", "\\(", "\\("]
    assert facts["math"]["elements"] == 1 and facts["math"]["typeset"] == 0
    assert [i["width"] for i in facts["images"]] == [0]
    assert facts["links"][0].endswith("other.html#x")


def test_every_page_loads_without_console_errors_or_failed_requests(visits):
    problems = {name: v.console_errors + v.failed for name, v in visits.items() if v.console_errors or v.failed}
    assert not problems, json.dumps(problems, indent=1)[:3000]


def test_no_page_reaches_outside_the_site(visits):
    outside = {name: v.outside for name, v in visits.items() if v.outside}
    assert not outside, json.dumps(outside, indent=1)[:3000]


def test_every_image_loads(visits):
    assert sum(len(v.images) for v in visits.values()) > 10  # the notebooks' figures are there
    broken = {name: [i["src"][:120] for i in v.images if not (i["complete"] and i["width"] > 0)]
              for name, v in visits.items()}
    broken = {name: srcs for name, srcs in broken.items() if srcs}
    assert not broken, json.dumps(broken, indent=1)[:3000]


def test_math_is_rendered_and_no_raw_tex_is_left(visits):
    pages_with_math = {name: v.math for name, v in visits.items() if v.math["elements"]}
    assert any(name.startswith("02_") for name in pages_with_math), "notebook 02's equations are missing"
    for name, math in ((n, v.math) for n, v in visits.items()):
        assert math["typeset"] == math["elements"], f"{name}: {math['elements'] - math['typeset']} formulas not typeset"
        assert not math["errors"], f"{name}: MathJax errors {math['errors']}"
        assert not math["raw"], f"{name}: raw TeX left in the text: {math['raw']}"
    assert sum(m["containers"] for m in pages_with_math.values()) >= sum(m["elements"] for m in pages_with_math.values())


def test_every_internal_link_resolves(visits, server, built_site):
    ids: dict[Path, set[str]] = {}
    broken = []
    for name, visit in visits.items():
        for href in visit.links:
            if not href.startswith(server):
                continue
            url, fragment = urldefrag(href)
            target = built_site / unquote(urlparse(url).path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{name} -> {href} (no such file)")
                continue
            if fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
                if unquote(fragment) not in ids[target]:
                    broken.append(f"{name} -> {href} (no element with that id)")
    assert not broken, "\n".join(broken[:30])


SEARCH = "forget gate"
#: Text of the theme's buttons, which a search summary showed before the page's own text.
THEME_TEXT = re.compile(r"System Settings|Light Dark|Ctrl\s*\+\s*K")


def _search_problems(context, server: str, block: str | None = None) -> list[str]:
    """Search for "forget gate": the hits' summaries are the pages' text (not the theme's
    buttons), and the first hit opens scrolled to the words, marked."""
    page = _open(context, server, "search.html?q=" + SEARCH.replace(" ", "+"), block=block)
    page.wait_for_selector("ul.search li p.context", timeout=20_000)
    page.wait_for_timeout(500)
    hits = page.evaluate("() => [...document.querySelectorAll('ul.search li')].map(li => li.innerText)")
    problems = [f"search: a summary shows the theme's buttons: {h[:160]!r}" for h in hits if THEME_TEXT.search(h)][:2]
    page.click("ul.search li a")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # MathJax and the figures above the words settle
    landing = page.evaluate("""() => {
        const marks = [...document.querySelectorAll('article.bd-article span.highlighted')];
        const seen = marks.filter(m => { const r = m.getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; });
        return {page: location.pathname.split('/').pop(), marks: marks.length, seen: seen.length,
                text: seen.map(m => m.textContent.toLowerCase()), top: Math.round(scrollY)}; }""")
    page.close()
    if not landing["marks"]:
        problems.append(f"search: {landing['page']} opens with none of the searched words marked")
    elif not landing["seen"]:
        problems.append(f"search: {landing['page']} opens at {landing['top']} px, none of its "
                        f"{landing['marks']} marked words in view")
    elif not set(SEARCH.split()) & set(landing["text"]):
        problems.append(f"search: the words in view are {landing['text']}, not the searched ones")
    return problems


def test_search_works_offline_and_lands_on_the_words(browser, server):
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    page.goto(server + "search.html?q=forget+gate")
    page.wait_for_selector("ul.search li a", timeout=20_000)
    hits = page.evaluate("() => [...document.querySelectorAll('ul.search li a')].map(a => a.getAttribute('href'))")
    page.close()
    assert any(re.match(r"(.*/)?02_", hit) for hit in hits), hits
    context = _reader_context(browser, "1280")
    problems = _search_problems(context, server)
    context.close()
    assert not problems, problems


#: A4 at 96 dpi: the width a printed page lays out at.
A4_PX = (794, 1123)
_PRINT_CHECKS = """() => {
  const width = document.documentElement.clientWidth, problems = [];
  const shown = (e) => e.getBoundingClientRect().height > 0 && e.checkVisibility();
  const blocks = [...document.querySelectorAll('article.bd-article :is(div.highlight pre, .output pre, table)')].filter(shown);
  const cut = blocks.filter(b => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > width + 1);
  if (cut.length) problems.push(`print: ${cut.length} of ${blocks.length} code, output and table blocks are cut at the right ` +
                                `(first: ${cut[0].tagName.toLowerCase()} ${cut[0].scrollWidth} px in ${cut[0].clientWidth} px)`);
  const boxed = [...document.querySelectorAll('article.bd-article :is(.cell_output, .output, pre)')].filter(shown)
      .filter(b => b.scrollHeight > b.clientHeight + 2 && getComputedStyle(b).overflowY !== 'visible');
  if (boxed.length) problems.push(`print: ${boxed.length} outputs print only their box ` +
                                  `(${boxed[0].clientHeight} of ${boxed[0].scrollHeight} px)`);
  const nav = [...document.querySelectorAll('.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, ' +
                                            '.prev-next-area, button.copybtn, .search-button-field')].filter(shown);
  if (nav.length) problems.push(`print: the page's navigation is printed (${nav[0].className.slice(0, 60)})`);
  return problems;
}"""


def _print_context(browser):
    return browser.new_context(viewport={"width": A4_PX[0], "height": A4_PX[1]}, service_workers="block")


def test_printed_notebooks_cut_nothing(browser, server, built_site):
    """Each notebook printed at A4 width: code and output wrap, logs print in full, tables fit,
    no navigation."""
    context = _print_context(browser)
    problems = {}
    for name in (f"{path.stem}.html" for path in NOTEBOOKS):
        page = _open(context, server, name, media="print")
        found = page.evaluate(_PRINT_CHECKS)
        if found:
            problems[name] = found
        page.close()
    context.close()
    assert not problems, json.dumps(problems, indent=1)[:3000]


def _viewer_problems(page) -> list[str]:
    """A tap on a figure opens it in the viewer at its natural size (wider than the phone, so
    it pans), with a close button that closes it."""
    link = page.query_selector("article .cell_output a.figure-full-size img, article .cell_output img")
    if link is None:
        return ["viewer: no figure on the page"]
    link.scroll_into_view_if_needed()
    natural = link.evaluate("img => img.naturalWidth")
    before = page.url
    link.click()
    page.wait_for_timeout(400)
    if page.url != before:
        return [f"viewer: a tap leaves the page for {page.url.rsplit('/', 1)[-1]}"]
    shown = page.evaluate("""() => { const d = document.querySelector('dialog.figure-viewer[open]');
        if (!d) return null; const img = d.querySelector('img'), pane = img.parentElement;
        return {width: img.getBoundingClientRect().width, pans: pane.scrollWidth > pane.clientWidth + 1}; }""")
    if shown is None:
        return ["viewer: a tap on a figure opens no viewer"]
    problems = []
    if shown["width"] < natural - 1:
        problems.append(f"viewer: the figure shows {shown['width']:.0f} px wide, not its natural {natural} px")
    if natural > page.viewport_size["width"] and not shown["pans"]:
        problems.append("viewer: the figure is wider than the screen but does not pan")
    close = _visible_button(page, "dialog.figure-viewer .figure-viewer__close")
    if close is None:
        problems.append("viewer: no close button")
    else:
        close.click()
        page.wait_for_timeout(200)
        if page.evaluate("() => !!document.querySelector('dialog.figure-viewer[open]')"):
            problems.append("viewer: the close button leaves it open")
    return problems


def test_a_tapped_figure_opens_at_natural_size_on_a_phone(browser, server, built_site):
    context = _reader_context(browser, "390")
    name = next(f"{path.stem}.html" for path in NOTEBOOKS if path.name.startswith("01_"))
    page = _open(context, server, name)
    problems = _viewer_problems(page)
    page.close()
    context.close()
    assert not problems, problems


# --------------------------------------------------------------------------- a reader at 1280 and 390 px
_IN_VIEW = """const inView = (a) => { const r = a.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth &&
           a.checkVisibility({visibilityProperty: true, opacityProperty: true}); };"""
#: The pages that the site's navigation links to and a reader can see now (file names).
_NAV_LINKS = "() => { " + _IN_VIEW + """
  return [...document.querySelectorAll('#pst-primary-sidebar a[href], #pst-primary-sidebar-modal a[href]')]
      .filter(inView).map(a => new URL(a.href).pathname.split('/').pop()); }"""
#: How many links to sections of this page (its table of contents) a reader can see now.
_TOC_LINKS = "() => { " + _IN_VIEW + """
  return [...document.querySelectorAll('#pst-secondary-sidebar a[href^="#"], #pst-secondary-sidebar-modal a[href^="#"]')]
      .filter(inView).length; }"""


def _visible_button(page, selector: str):
    return next((b for b in page.query_selector_all(selector) if b.is_visible()), None)


def _menu_problems(page, wanted: set[str]) -> list[str]:
    """Clicking the menu button opens navigation that links to every notebook. Where the
    navigation is open already (a wide window), the click must fold it away and a second
    click bring it back."""
    button = _visible_button(page, ".primary-toggle")
    if button is None:
        return ["menu: no menu button a reader can see"]
    before = set(page.evaluate(_NAV_LINKS))
    button.click()
    page.wait_for_timeout(300)
    after = set(page.evaluate(_NAV_LINKS))
    problems = []
    if wanted <= before:
        if after == before:
            problems.append("menu: clicking the menu button changed nothing")
        problems += [p for p in page.evaluate(READER_CHECKS, MIN_FIGURE_PX) if p.startswith("search:")]
        button.click()
        page.wait_for_timeout(300)
        after = set(page.evaluate(_NAV_LINKS))
    if not wanted <= after:
        problems.append(f"menu: after a click the navigation has no visible link to {sorted(wanted - after)}")
    page.keyboard.press("Escape")
    page.wait_for_timeout(100)
    return problems


def _contents_problems(page) -> list[str]:
    """The page's table of contents is in view, or the contents button shows it."""
    if page.evaluate(_TOC_LINKS):
        return []
    button = _visible_button(page, ".secondary-toggle")
    if button is None:
        has_toc = page.evaluate("() => !!document.querySelector('#pst-secondary-sidebar a[href^=\"#\"]')")
        return ["contents: the page has a table of contents, but it is hidden and no button shows it"] if has_toc else []
    button.click()
    page.wait_for_timeout(300)
    shown = page.evaluate(_TOC_LINKS)
    page.keyboard.press("Escape")
    page.wait_for_timeout(100)
    return [] if shown else ["contents: clicking the contents button shows no table of contents"]


def _reader_problems(page) -> list[str]:
    wanted = {f"{path.stem}.html" for path in NOTEBOOKS}
    return page.evaluate(READER_CHECKS, MIN_FIGURE_PX) + _menu_problems(page, wanted) + _contents_problems(page)


def _reader_context(browser, width: str):
    w, h = WIDTHS[width]
    return browser.new_context(viewport={"width": w, "height": h}, service_workers="block")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reader_can_read_and_navigate_every_page(browser, server, built_site, width):
    """At each width, on the landing page, the article map and every notebook: the text is
    visible, nothing sticks out of the window or is cut off, figures are readable, and the
    menu and contents buttons work (see tests/site_reader_checks.js)."""
    context = _reader_context(browser, width)
    problems = {}
    for name in ["index.html", "article_map.html", *(f"{path.stem}.html" for path in NOTEBOOKS)]:
        page = _open(context, server, name)
        found = _reader_problems(page)
        if found:
            problems[name] = found
        page.close()
    context.close()
    assert not problems, json.dumps(problems, indent=1)[:4000]


_UNWRAP_FIGURES = "() => document.querySelectorAll('a.figure-full-size').forEach(a => a.replaceWith(...a.childNodes))"
#: Pages broken on purpose: (width, check, how, what the check must then report). A "style" is
#: CSS added to the page, a "script" runs in it, a "block" is a file of the site not served, a
#: "rewrite" = (old, new) changes the page's HTML. The checks: "reader" (site_reader_checks.js
#: and the buttons), "print" (the page printed at A4 width), "search" (a search for "forget
#: gate" and its first hit), "viewer" (a figure tapped on a phone).
MUTATIONS = {
    "hidden-article-1280": ("1280", "reader", {"style": "article.bd-article{visibility:hidden}"}, "text:"),
    "hidden-article-390": ("390", "reader", {"style": "article.bd-article{visibility:hidden}"}, "text:"),
    "phone-overflow-390": ("390", "reader", {"script": "() => document.querySelector('article.bd-article section p')"
                                                       ".insertAdjacentHTML('afterend', '<div style=\"width: 600px\">a box "
                                                       "wider than a phone</div>')"}, "overflow:"),
    "menu-without-its-script-390": ("390", "reader", {"block": "_static/course.js"}, "menu:"),
    "menu-without-its-script-1280": ("1280", "reader", {"block": "_static/course.js"}, "menu:"),
    "shrunken-figure-390": ("390", "reader", {"style": ".cell_output img{min-width:0 !important;width:200px !important}",
                                              "script": _UNWRAP_FIGURES}, "figure:"),
    "figure-wider-than-a-phone-390": ("390", "reader", {"style": ".bd-article .cell_output img{max-width:none !important}"},
                                      "wide figure:"),
    "tables-without-the-site-script-390": ("390", "reader", {"block": "_static/course.js"}, "table:"),
    "table-cells-unwrapped-1280": ("1280", "reader", {"style": ".bd-article table :is(td,th){white-space:nowrap !important}"},
                                   "table:"),
    "figures-not-lazy-390": ("390", "reader", {"rewrite": (' loading="lazy"', "")}, "lazy:"),
    "tiny-text-390": ("390", "reader", {"style": "article.bd-article :is(p, li){font-size:12px !important}"}, "text size:"),
    "copy-buttons-on-hover-only-390": ("390", "reader", {"style": ".bd-article button.copybtn{opacity:0 !important}"}, "copy:"),
    # the button over the start of the first line: since the code fits its column (88
    # characters), no first line reaches the button's own place at the right edge
    "copy-buttons-over-the-code-1280": ("1280", "reader", {"style": ".bd-article div.highlight pre{padding-top:0.3em !important}"
                                                                    ".bd-article button.copybtn{right:auto !important;"
                                                                    "left:0.25rem !important}"}, "copy:"),
    "no-colab-link-1280": ("1280", "reader", {"script": "() => document.querySelectorAll('a[href*=\"colab.research\"]')"
                                                        ".forEach(a => a.remove())"}, "colab:"),
    "log-without-its-box-1280": ("1280", "reader", {"style": ".bd-article .cell_output, .bd-article .output.stream"
                                                             "{max-height:none !important}"}, "wall:"),
    "two-search-boxes-1280": ("1280", "reader", {"style": ".bd-header{display:block !important}"}, "search:"),
    "print-code-unwrapped": ("print", "print", {"style": "@media print{html body .bd-article :is(.highlight, .output) pre"
                                                         "{white-space:pre !important;overflow-x:auto !important}}"}, "print:"),
    "print-log-in-its-box": ("print", "print", {"style": "@media print{.bd-article .cell_output, .bd-article "
                                                         ".output.stream{max-height:12em !important;overflow-y:auto !important}}"},
                             "print:"),
    "print-wide-table-cells": ("print", "print", {"style": "@media print{.bd-article table :is(td,th){min-width:14em !important;"
                                                           "white-space:nowrap !important}}"}, "print:"),
    "search-without-the-site-script": ("1280", "search", {"block": "_static/course.js"}, "search:"),
    "figure-viewer-without-the-site-script": ("390", "viewer", {"block": "_static/course.js"}, "viewer:"),
}
#: (width, check) -> what the check reports on notebook 01 as built (computed once).
_CLEAN: dict[tuple[str, str], list[str]] = {}


def _check(browser, server, width: str, kind: str, change: dict) -> list[str]:
    """Run check ``kind`` on notebook 01's page at ``width``, broken by ``change``."""
    name = next(f"{path.stem}.html" for path in NOTEBOOKS if path.name.startswith("01_"))
    context = _print_context(browser) if kind == "print" else _reader_context(browser, width)
    try:
        if kind == "search":
            return _search_problems(context, server, block=change.get("block"))
        page = _open(context, server, name, block=change.get("block"), rewrite=change.get("rewrite"),
                     media="print" if kind == "print" else None)
        if "style" in change:
            page.add_style_tag(content=change["style"])
        if "script" in change:
            page.evaluate(change["script"])
        found = {"reader": _reader_problems, "viewer": _viewer_problems,
                 "print": lambda pg: pg.evaluate(_PRINT_CHECKS)}[kind](page)
        page.close()
        return found
    finally:
        context.close()


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_the_reader_checks_fail_on_a_broken_page(browser, server, built_site, mutation):
    """Each mutation breaks notebook 01's page one way; the check passes on the page as built
    and reports that kind of problem on the broken one."""
    width, kind, change, expected = MUTATIONS[mutation]
    if (width, kind) not in _CLEAN:
        _CLEAN[width, kind] = _check(browser, server, width, kind, {})
    clean = [p for p in _CLEAN[width, kind] if p.startswith(expected)]
    broken = _check(browser, server, width, kind, change)
    assert clean == [], clean
    assert any(p.startswith(expected) for p in broken), f"the checks missed the {mutation} mutation: {broken}"


#: Screenshot name -> page. Notebook pages are shot from their first figure's code cell.
SHOTS = {"landing": "index.html", "nb01": "01_", "nb03": "03_", "nb05": "05_"}
_TO_FIRST_FIGURE = """() => {  // the code cell of the first figure, under the header bar
    const img = document.querySelector('.cell_output img');
    const cell = img && img.closest('.cell');
    if (cell && !location.pathname.endsWith('index.html')) {
        window.scrollTo(0, cell.getBoundingClientRect().top + window.scrollY - 70);
    }
}"""


def _page_named(prefix: str) -> str:
    return prefix if prefix.endswith(".html") else next(f"{p.stem}.html" for p in NOTEBOOKS if p.name.startswith(prefix))


def test_screenshots_at_both_widths_in_print_and_of_the_figure_viewer(browser, server, built_site):
    """Saved to runs/site/screenshots/ (the committed copies are in site/screenshots/): the
    landing page and notebooks 01, 03 and 05 at both widths, notebook 01's menu opened and a
    figure opened in the viewer on a phone, and an A4 page of notebook 01 printed (print media)
    where a long log prints in full."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for width in WIDTHS:
        context = _reader_context(browser, width)
        for shot, prefix in SHOTS.items():
            page = _open(context, server, _page_named(prefix))
            page.evaluate(_TO_FIRST_FIGURE)
            page.wait_for_timeout(200)
            saved.append(SCREENSHOTS / f"{shot}_{width}.png")
            page.screenshot(path=str(saved[-1]))
            if shot == "nb01" and width == "390":
                page.click("article .cell_output img")
                page.wait_for_timeout(400)
                saved.append(SCREENSHOTS / "nb01_390_figure.png")
                page.screenshot(path=str(saved[-1]))
                page.keyboard.press("Escape")
                page.evaluate("() => window.scrollTo(0, 0)")
                _visible_button(page, ".primary-toggle").click()
                page.wait_for_timeout(400)
                saved.append(SCREENSHOTS / "nb01_390_menu.png")
                page.screenshot(path=str(saved[-1]))
            page.close()
        context.close()
    context = _print_context(browser)
    page = _open(context, server, _page_named("01_"), media="print")
    top = page.evaluate("""() => { const log = document.querySelector('.cell.tag_log-output, .cell.tag_scroll-output') ||
                                             document.querySelector('.cell_output');
                                   return Math.max(0, log.getBoundingClientRect().top + scrollY - 300); }""")
    saved.append(SCREENSHOTS / "nb01_print_a4.png")
    page.screenshot(path=str(saved[-1]), full_page=True, clip={"x": 0, "y": top, "width": A4_PX[0], "height": A4_PX[1]})
    page.close()
    context.close()
    for shot in saved:
        assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
