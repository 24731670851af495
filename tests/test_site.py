"""The course website: its pieces (unit tests), then the built site in a real browser.

The browser tests build the site once (``lstm_tutorial.tools.site.build`` into runs/site/html),
serve it on 127.0.0.1 and open every page in headless Chromium (Debian's ``chromium``,
driven through Playwright's Python package; no browser is downloaded). Every request
that leaves 127.0.0.1 is blocked and recorded, so the site is tested as it would behave
offline. Screenshots go to runs/site/screenshots/.
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
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import nbformat
import pytest

from lstm_tutorial.tools import colab, site

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "runs" / "site" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


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


def test_colab_link_comes_from_the_repository_and_release_in_colab_py(monkeypatch):
    url = site.colab_link("notebooks/02_lstm_gates_custom_layer.ipynb")
    assert url == (f"https://colab.research.google.com/github/{colab.REPO}/blob/{colab.PINNED_REF}"
                   "/notebooks/02_lstm_gates_custom_layer.ipynb")
    monkeypatch.setattr(colab, "REPO", "someone/fork")
    monkeypatch.setattr(colab, "PINNED_REF", "v9.9.9")
    assert site.colab_link("x/03_y.ipynb") == \
        "https://colab.research.google.com/github/someone/fork/blob/v9.9.9/notebooks/03_y.ipynb"


def test_run_time_table_shows_recorded_minutes_and_says_not_recorded():
    times = {"01_a": {"full": {"seconds": 750.0, "device": "GPU", "cpus": 16, "date": "2026-11-30"},
                      "fast": {"seconds": 30.0, "device": "CPU", "cpus": 2, "date": "2026-11-30"}}}
    nbs = [site.Notebook(Path("01_a.ipynb"), "01 · A | pipe", None), site.Notebook(Path("02_b.ipynb"), "02 · B", None)]
    rows = site.run_time_table(nbs, times).splitlines()
    assert len(rows) == 4
    assert "| 12.5 min (GPU, 16 cores) | 0.5 min (CPU, 2 cores) |" in rows[2]
    assert "[01 · A \\| pipe](01_a.ipynb)" in rows[2] and site.colab_link("01_a.ipynb") in rows[2]
    assert rows[3].count("not recorded") == 2


def test_landing_page_lists_the_notebooks_in_its_toctree_and_links_the_article_map():
    nbs = [site.Notebook(Path("00_a.ipynb"), "00 · A", None), site.Notebook(Path("01_b.ipynb"), "01 · B", None)]
    page = site.landing_page(nbs, {})
    toctree = page.split("```{toctree}")[1]
    assert "00_a.ipynb\n01_b.ipynb" in toctree
    assert "(article_map.md)" in page and "No run times are recorded yet" in page


def test_staged_notebook_gets_a_local_badge_and_github_links(tmp_path):
    remote = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://example.org/x)"
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(_nb(f"# 07 · Seven\n\n{remote}\n\nSee [the checks](../lstm_tutorial/exercises.py#L3)."),
                   src / "07_seven.ipynb")
    nbformat.write(_nb("# 08 · No badge\n\n![a cell](../docs/cell.png) and ![gone](../docs/missing.png)"),
                   src / "08_nobadge.ipynb")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "cell.png").write_bytes(b"\x89PNG fake")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("07_seven.ipynb", "08_nobadge.ipynb"):
        staged = site.stage_notebook(src / name, out)
        text = nbformat.read(staged.path, as_version=4).cells[0].source
        assert f"[![Launch in Colab]({site.LOCAL_BADGE})]({site.colab_link(name)})" in text
        assert "colab.research.google.com/assets" not in text
    seven = nbformat.read(out / "07_seven.ipynb", as_version=4).cells[0].source
    assert f"]({colab.REPO_URL}/blob/{colab.PINNED_REF}/lstm_tutorial/exercises.py#L3)" in seven
    assert nbformat.read(out / "08_nobadge.ipynb", as_version=4).cells[0].source.startswith("# 08 · No badge\n\n[![")
    eight = nbformat.read(out / "08_nobadge.ipynb", as_version=4).cells[0].source
    assert f"![a cell]({site.REPO_FILES}/docs/cell.png)" in eight and (out / site.REPO_FILES / "docs" / "cell.png").is_file()
    assert "![gone](../docs/missing.png)" in eight  # left for Sphinx to report


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


# --------------------------------------------------------------------------- the built site
#: Sphinx warnings that do not break a page (a heading level skipped inside a notebook).
HARMLESS_WARNINGS = re.compile(r"\[myst\.header\]")
_BUILD_LOG: list[str] = []


@pytest.fixture(scope="module")
def built_site() -> Path:
    """The site built once from the committed notebooks, into runs/site/html."""
    start = time.perf_counter()
    index = site.build(log=_BUILD_LOG.append)
    print(f"site built in {time.perf_counter() - start:.1f} s")
    return index.parent


def test_sphinx_builds_without_warnings(built_site):
    """A warning here is usually content lost silently: a link target Sphinx did not find
    (the text stays, the link goes), an image it could not read, a formula it could not parse."""
    warnings = [line for line in _BUILD_LOG if "WARNING" in line or "ERROR" in line]
    assert not [w for w in warnings if not HARMLESS_WARNINGS.search(w)], "\n".join(warnings[:20])


def test_build_has_every_page_and_no_remote_scripts_styles_or_fonts(built_site):
    notebooks = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
    pages = {p.stem for p in built_site.glob("*.html")}
    assert {"index", "article_map", *notebooks} <= pages
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


def test_landing_page_shows_recorded_run_times_and_article_map_collects_the_maps(built_site):
    from bs4 import BeautifulSoup  # comes with the theme

    from lstm_tutorial.tools.runner import read_run_times

    def text_of(page):
        soup = BeautifulSoup(built_site.joinpath(page).read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article") or soup
        return " ".join(article.get_text(" ").split())

    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    index, article_map = text_of("index.html"), text_of("article_map.html")
    times = read_run_times(REPO / "notebooks")
    for path in notebooks:
        for mode in ("full", "fast"):
            run = times.get(path.stem, {}).get(mode)
            assert (f"{run['seconds'] / 60:.1f} min" if run else "not recorded") in index, (path.stem, mode)
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        assert site.notebook_title(nb, path.stem).replace("`", "") in article_map
        body = site.article_map(nb)
        if body:  # words of the first table row of the notebook's map are on the page
            row = next((line for line in body.splitlines() if line.startswith("|") and "---" not in line), body)
            words = re.findall(r"[A-Za-z]{4,}", row)[:4]
            assert words and all(word in article_map for word in words), (path.name, words)


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


def test_chromium_is_installed_with_apt_get_when_missing_and_the_reason_is_given(monkeypatch):
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd[:2])
        failed = cmd[1] == "install"
        return subprocess.CompletedProcess(cmd, 100 if failed else 0, "", "E: Unable to locate package chromium\n")

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(subprocess, "run", fake_run)
    path, why = _find_chromium()
    assert path is None and calls == [["apt-get", "update"], ["apt-get", "install"]]
    assert "could not install Chromium" in why and "Unable to locate package chromium" in why
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert _find_chromium() == (None, "Chromium is not installed and installing it needs root (apt-get install chromium)")


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
    """Every top-level page, loaded once; screenshots of the landing page and notebook 02."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    results: dict[str, Visit] = {}
    start = time.perf_counter()
    for html in sorted(built_site.glob("*.html")):
        visit = results[html.name] = Visit()
        page = context.new_page()

        def route(r, visit=visit):
            if r.request.url.startswith(server) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                visit.outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m, v=visit: m.type == "error" and v.console_errors.append(f"{m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e, v=visit: v.console_errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r, v=visit: r.url.startswith(server) and v.failed.append(f"{r.url}: {r.failure}"))
        page.on("response", lambda r, v=visit: r.status >= 400 and v.failed.append(f"{r.url}: HTTP {r.status}"))
        page.goto(server + html.name, wait_until="load")
        if page.evaluate("() => !!document.querySelector('span.math, div.math')"):
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
        page.evaluate("""async () => {  // lazy images load once scrolled to
            for (const img of document.images) { img.loading = 'eager'; }
            await Promise.all([...document.images].map(img => img.complete ? null :
                new Promise(done => { img.onload = img.onerror = done; })));
        }""")
        facts = page.evaluate(_PAGE_FACTS)
        visit.images, visit.math, visit.links = facts["images"], facts["math"], facts["links"]
        if html.name == "index.html":
            page.screenshot(path=str(SCREENSHOTS / "landing.png"))
        if html.name.startswith("02_"):
            page.evaluate("""() => {  // the equations section, just under the header bar
                const h = [...document.querySelectorAll('h2')].find(e => /^\\s*1\\./.test(e.textContent));
                if (h) { window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 70); }
            }""")
            page.screenshot(path=str(SCREENSHOTS / "nb02.png"))
        page.close()
    context.close()
    print(f"{len(results)} pages visited in {time.perf_counter() - start:.1f} s; screenshots in {SCREENSHOTS}")
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


def test_every_notebook_page_has_its_launch_in_colab_link(visits):
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        links = visits[f"{path.stem}.html"].links
        assert site.colab_link(path) in links, f"{path.stem}.html has no link to {site.colab_link(path)}"
        assert site.colab_link(path) in visits["index.html"].links


def test_search_works_offline(browser, server):
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    page.goto(server + "search.html?q=forget+gate")
    page.wait_for_selector("ul.search li a", timeout=20_000)
    hits = page.evaluate("() => [...document.querySelectorAll('ul.search li a')].map(a => a.getAttribute('href'))")
    page.close()
    assert any(hit.startswith("02_") for hit in hits), hits


def test_screenshots_are_saved(visits):
    for name in ("landing.png", "nb02.png"):
        shot = SCREENSHOTS / name
        assert shot.is_file() and shot.stat().st_size > 10_000, shot
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
