"""Sphinx configuration of the course website (built by ``lstm_tutorial/tools/site.py``).

Do not run Sphinx on this folder directly: ``bash run.sh site`` (or
``python -m lstm_tutorial site``) copies this file, ``_static/`` and the committed
notebooks into a staging folder, adds the landing page and the article map, vendors
MathJax into ``_static/mathjax`` and builds ``runs/site/html``.

Everything the pages load is local: the notebooks are rendered from their stored
outputs (nothing is executed), MathJax comes from a PyPI package, and the theme's
icons and styles ship inside the theme. A test checks the built pages for
http(s) scripts, styles and fonts.
"""
import json
from pathlib import Path

from lstm_tutorial.tools import colab

project = "LSTM tutorial"
author = "the lstm-tutorial authors"
copyright = "the lstm-tutorial authors, MIT licence"

# sphinx-copybutton: a copy button on every code cell (not on printed output).
extensions = ["myst_nb", "sphinx_copybutton"]
copybutton_selector = "div.cell_input div.highlight pre, div.highlight-bash div.highlight pre, div.highlight-python div.highlight pre"
copybutton_exclude = ".linenos, .gp, .go"

# Render what the committed notebooks store; never execute them (the notebooks take
# minutes to tens of minutes and need the IMDB data; the site needs neither).
nb_execution_mode = "off"
# Markdown outputs (lt.say, lt.run_times) may hold math and tables: parse them as MyST.
nb_render_markdown_format = "myst"
# Notebooks mark stderr output (TensorFlow start-up notes) in a normal way, not as errors.
nb_output_stderr = "show"
# A cell's printed lines in one block, not a box per print() (site.py also merges them and
# folds long logs away when it stages the notebooks).
nb_merge_streams = True
# No widget manager JavaScript (it would come from a CDN); site.py puts a note where a
# notebook stored an interactive widget.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = "LSTM tutorial"
html_static_path = ["_static"]
html_css_files = ["course.css"]
# The menu and contents buttons, and figures that open at full size (see the file).
html_js_files = ["course.js"]
html_favicon = "_static/favicon.svg"
# "Last updated on" in every page's footer: the date of the last commit of the page's
# notebook, which site.py writes to _page_dates.json (today's date for a page it has none for).
html_last_updated_fmt = "%Y-%m-%d"
PAGE_DATES = Path(__file__).with_name("_page_dates.json")
# The download button offers each notebook page's .ipynb from _sources/: site.py puts the
# committed notebook there, as it is in the repository (its own Colab badge and links).
html_copy_source = True

# MathJax 3 from the django-static-mathjax package, copied to _static/mathjax by site.py.
# A relative mathjax_path is relative to the built site's _static folder.
mathjax_path = "mathjax/tex-chtml.js"

# Light unless the reader picks another: without a default the theme logs a console error
# ("invalid theme mode") on a reader's first visit, before anything is stored.
html_context = {"default_mode": "light"}

html_theme_options = {
    # The theme's launch button opens the page's notebook in Colab, at the pinned release.
    "repository_url": colab.REPO_URL,
    "repository_branch": colab.PINNED_REF,
    "path_to_docs": "notebooks",
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}


def _page_date(app, pagename, templatename, context, doctree):
    dates = json.loads(PAGE_DATES.read_text(encoding="utf-8")) if PAGE_DATES.is_file() else {}
    if pagename in dates:
        context["last_updated"] = dates[pagename]


def setup(app):
    app.connect("html-page-context", _page_date)
