/* The course site's small script (loaded on every page by site/conf.py).

   1. Menu and contents buttons. sphinx-book-theme 1.4 and pydata-sphinx-theme 0.20 both
      bind their sidebar handlers with document.querySelector(".primary-toggle"), which
      finds the first such button: pydata's copy in the page header, which the book theme
      hides. The buttons a reader can see did nothing. Each visible button passes its click
      on to that first button, so the themes' own code opens the navigation (a dialog on a
      narrow screen) or folds the sidebar away (on a wide one).
   2. Figures. A figure is drawn at the width of the text column (course.css); a click or a
      tap opens it in a viewer at its natural size, which pans (scroll or drag) and closes
      with its button, Escape or a click beside the figure. Without this script the figure
      is still a link to the image file.
   3. Search. The theme loads Sphinx's searchtools.js on every page, and Sphinx's own
      highlighter runs only where searchtools is absent, so a search hit opened at the top of
      a page with nothing marked. Here the searched words are marked in the article and the
      page scrolls to the first place they stand together (or to the first word). The words
      come from the address (?highlight=..., which the search page adds to every hit) or
      from what Sphinx's search page left in localStorage. On the search page the
      summaries under the hits are taken from the article, not from the theme's buttons.
   4. Tables. A table too wide for its column (most of them on a phone) would have to be
      scrolled sideways. On a narrow screen such a table becomes a list of cards instead,
      one per row, each cell labelled with its column's heading; on a wide one its cells
      give up their minimum width. Tables that fit are left as they are. */
(function () {
  "use strict";

  function forwardClicks(selector) {
    const buttons = document.querySelectorAll(selector);
    if (buttons.length < 2) {
      return;
    }
    const bound = buttons[0];
    buttons.forEach((button) => {
      if (button === bound) {
        return;
      }
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  }

  // ------------------------------------------------------------------ figures
  let viewer = null;

  function figureViewer() {
    if (viewer) {
      return viewer;
    }
    viewer = document.createElement("dialog");
    viewer.className = "figure-viewer";
    viewer.setAttribute("aria-label", "Figure at full size");
    viewer.innerHTML =
      '<div class="figure-viewer__bar">' +
      '<span class="figure-viewer__hint">Full size: scroll or drag to pan</span>' +
      '<button type="button" class="figure-viewer__close" aria-label="Close the figure">Close ✕</button>' +
      "</div>" +
      '<div class="figure-viewer__pane"><img alt=""></div>';
    document.body.appendChild(viewer);
    const pane = viewer.querySelector(".figure-viewer__pane");
    viewer.querySelector(".figure-viewer__close").addEventListener("click", () => viewer.close());
    pane.addEventListener("click", (event) => {
      if (event.target === pane && !pane.dataset.dragged) {
        viewer.close();  // a click beside the figure
      }
    });
    // Drag to pan with a mouse (a finger pans the pane natively).
    let drag = null;
    pane.addEventListener("pointerdown", (event) => {
      if (event.pointerType !== "mouse") {
        return;
      }
      drag = {x: event.clientX, y: event.clientY, left: pane.scrollLeft, top: pane.scrollTop};
      delete pane.dataset.dragged;
    });
    pane.addEventListener("pointermove", (event) => {
      if (!drag) {
        return;
      }
      const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) {
        pane.dataset.dragged = "1";
        pane.classList.add("is-dragging");
      }
      pane.scrollLeft = drag.left - dx;
      pane.scrollTop = drag.top - dy;
      event.preventDefault();
    });
    const stop = () => {
      drag = null;
      pane.classList.remove("is-dragging");
      setTimeout(() => delete pane.dataset.dragged, 0);
    };
    pane.addEventListener("pointerup", stop);
    pane.addEventListener("pointerleave", stop);
    viewer.addEventListener("close", () => {
      document.documentElement.classList.remove("figure-viewer-open");
      if (viewer.returnFocus) {
        viewer.returnFocus.focus({preventScroll: true});
      }
    });
    return viewer;
  }

  function openFigure(img, link) {
    const dialog = figureViewer();
    const big = dialog.querySelector(".figure-viewer__pane img");
    big.src = link.href;
    big.alt = img.alt || "";
    // Natural size, in CSS pixels: the size the figure was drawn at, its text legible.
    big.style.width = img.naturalWidth ? `${img.naturalWidth}px` : "";
    dialog.returnFocus = link;
    document.documentElement.classList.add("figure-viewer-open");
    dialog.showModal();
    const pane = dialog.querySelector(".figure-viewer__pane");
    pane.scrollTo(0, 0);
    dialog.querySelector(".figure-viewer__close").focus({preventScroll: true});
  }

  function linkFiguresToFullSize() {
    document.querySelectorAll(".cell_output img").forEach((img) => {
      let link = img.closest("a");
      if (!link) {
        link = document.createElement("a");
        link.href = img.getAttribute("src");
        img.replaceWith(link);
        link.appendChild(img);
      }
      if (new URL(link.href, location.href).href !== new URL(img.currentSrc || img.src, location.href).href) {
        return;  // a link somewhere else: leave it be
      }
      link.classList.add("figure-full-size");
      link.title = "Open the figure at full size";
      link.addEventListener("click", (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || typeof HTMLDialogElement === "undefined") {
          return;  // a new tab, or an old browser: the image file itself
        }
        event.preventDefault();
        openFigure(img, link);
      });
    });
  }

  // ------------------------------------------------------------------ search
  const HIGHLIGHT_STORE = "sphinx_highlight_terms";
  const isSearchPage = () => !!document.getElementById("search-results");

  function searchedWords() {
    const url = new URL(window.location.href);
    let words = url.searchParams.get("highlight") || "";
    if (url.searchParams.has("highlight")) {
      url.searchParams.delete("highlight");  // a reload or a shared link shows the page plain
      window.history.replaceState(window.history.state, "", url);
    } else {
      try {
        words = localStorage.getItem(HIGHLIGHT_STORE) || "";
      } catch (error) {
        words = "";
      }
    }
    try {
      localStorage.removeItem(HIGHLIGHT_STORE);  // only the page opened from the search
    } catch (error) {
      // storage switched off: nothing was stored either
    }
    return words.toLowerCase().split(/\s+/).filter((w) => w.length > 1);
  }

  const SKIP = "script, style, button, mjx-container, .MathJax, .headerlink, .copybtn, .figure-viewer";

  function markWords(root, words) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest(SKIP) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const nodes = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      nodes.push(node);
    }
    const pattern = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
    const marks = [];
    nodes.forEach((node) => {
      const text = node.nodeValue;
      pattern.lastIndex = 0;
      if (!pattern.test(text)) {
        return;
      }
      pattern.lastIndex = 0;
      const fragment = document.createDocumentFragment();
      let at = 0;
      for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
        fragment.append(text.slice(at, m.index));
        const mark = document.createElement("span");
        mark.className = "highlighted";
        mark.textContent = m[0];
        fragment.append(mark);
        marks.push(mark);
        at = m.index + m[0].length;
      }
      fragment.append(text.slice(at));
      node.replaceWith(fragment);
    });
    return marks;
  }

  const shown = (e) => e.getClientRects().length > 0 &&
      (!e.checkVisibility || e.checkVisibility({visibilityProperty: true}));

  function bestMark(marks, words) {
    // The first place where the words stand together ("forget gate"), else the first word.
    const visible = marks.filter(shown);
    if (words.length > 1) {
      const phrase = words.join(" ");
      const together = visible.find((mark) => {
        const block = mark.closest("p, li, td, th, h1, h2, h3, h4, dd, pre, figcaption") || mark.parentElement;
        return block.textContent.toLowerCase().replace(/\s+/g, " ").includes(phrase);
      });
      if (together) {
        return together;
      }
    }
    return visible[0] || null;
  }

  function highlightSearchedWords() {
    if (isSearchPage()) {
      return;
    }
    const article = document.querySelector("article.bd-article");
    const words = searchedWords();
    if (!article || words.length === 0) {
      return;
    }
    const marks = markWords(article, words);
    const target = bestMark(marks, words);
    if (!target) {
      return;
    }
    target.classList.add("highlighted-first");
    const go = () => target.scrollIntoView({block: "center"});
    go();
    // Equations and figures above it may still change size: look again once they have.
    const settled = [new Promise((done) => (document.readyState === "complete" ? done() :
        window.addEventListener("load", done, {once: true})))];
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      settled.push(MathJax.startup.promise);
    }
    Promise.all(settled).then(() => setTimeout(go, 50), () => setTimeout(go, 50));
  }

  function improveSearchPage() {
    if (!isSearchPage() || typeof Search === "undefined") {
      return;
    }
    // Summaries from the article's text; Sphinx takes [role=main], which holds the
    // theme's buttons ("Settings Light Dark ...") above the title.
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      const article = doc.querySelector("article.bd-article");
      if (!article) {
        return original(htmlString, anchor);
      }
      article.querySelectorAll(".headerlink, script, style, button, .copybtn").forEach((e) => e.remove());
      const part = anchor ? article.querySelector(anchor) : null;
      return (part || article).textContent.replace(/\s+/g, " ");
    };
    // Every hit carries the searched words, so the page it opens can mark them.
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const results = document.getElementById("search-results");
    if (!query.trim() || !results) {
      return;
    }
    const words = query.trim().split(/\s+/).join(" ");
    const tag = () => results.querySelectorAll("ul.search li > a:not([data-highlight])").forEach((a) => {
      const url = new URL(a.getAttribute("href"), location.href);
      url.searchParams.set("highlight", words);
      a.href = url.href;
      a.dataset.highlight = "1";
    });
    new MutationObserver(tag).observe(results, {childList: true, subtree: true});
    tag();
  }

  // ------------------------------------------------------------------ tables
  const NARROW = window.matchMedia("(max-width: 600px)");

  function overflows(table) {
    const box = table.closest(".pst-scrollable-table-container") || table;
    return table.scrollWidth > table.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1;
  }

  function labelCells(table) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.cells].forEach((cell, i) => {
        if (headings[i]) {
          cell.dataset.label = headings[i];
        }
      });
    });
    return headings.length > 0;
  }

  function fitTables() {
    const tables = document.querySelectorAll("article.bd-article table:not(.course-notebooks)");
    tables.forEach((table) => table.classList.remove("course-cards", "course-tight"));
    tables.forEach((table) => {
      if (!overflows(table)) {
        return;
      }
      if (NARROW.matches && labelCells(table)) {
        table.classList.add("course-cards");
      } else {
        table.classList.add("course-tight");
      }
    });
  }

  function start() {
    fitTables();
    NARROW.addEventListener("change", fitTables);
    window.addEventListener("load", fitTables, {once: true});  // after fonts and formulas
    forwardClicks(".primary-toggle");
    forwardClicks(".secondary-toggle");
    linkFiguresToFullSize();
    improveSearchPage();
    highlightSearchedWords();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
