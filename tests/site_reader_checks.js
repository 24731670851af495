/* What is wrong with the page a reader sees, at the window's current width: a list of
   problems, empty when there is none. tests/test_site.py runs it with page.evaluate() at
   1280 px and 390 px on every page, and on pages it has broken on purpose.

   text:     the main text (article.bd-article) is there, visible and not empty;
   overflow: nothing sticks out of the window sideways, unless it is inside a box of the
             article that scrolls (code, tables, equations, outputs); the page-level
             containers do not count, since a whole page that scrolls sideways is the fault;
   cut off:  nothing in the article is clipped by a box that does not scroll;
   table:    no table has to be scrolled sideways (on a phone a wide one is a list of cards);
   figure:   every figure is at least minFigurePx wide, or opens at full size when clicked
             (a link to the image file itself);
   wide figure: no figure is wider than the window (a second panel hidden off-screen);
   lazy:     every figure was built with loading="lazy" (tests/test_site.py's _open records
             the attribute as built in data-built-loading before it loads them all);
   text size: the body text is at least 14 px;
   copy:     every code block's copy button can be seen without a hover (opacity >= 0.3) and
             covers none of the code's text;
   colab:    a notebook page shows a link that opens its notebook in Colab;
   wall:     no printed output taller than 30 lines stands in the page outside a box that
             scrolls (a long log folded away or boxed, not a wall to scroll past);
   search:   exactly one search box or button can be seen at the top of the page. */
(minFigurePx) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && e.checkVisibility({visibilityProperty: true, opacityProperty: true});
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                      (e.classList.length ? "." + [...e.classList].slice(0, 3).join(".") : "");
  const span = (r) => `${Math.round(r.left)}..${Math.round(r.right)} px`;

  // The main text.
  const article = document.querySelector("article.bd-article");
  if (!article) {
    problems.push("text: there is no article.bd-article on the page");
  } else {
    const length = article.innerText.trim().length;
    if (!visible(article)) problems.push("text: the article is not visible");
    if (length < 200) problems.push(`text: the article shows only ${length} characters`);
    const title = article.querySelector("h1");
    if (!title || !visible(title)) problems.push("text: the page title (h1) is not visible");
  }

  // Sideways overflow and clipping.
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`overflow: the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window`);
  }
  const pageLevel = document.querySelector(".bd-article-container") || document.body;
  const boxOf = (e) => {  // the nearest box inside the article container that scrolls or clips
    for (let a = e.parentElement; a && a !== pageLevel && a !== document.body; a = a.parentElement) {
      const how = getComputedStyle(a).overflowX;
      if (how !== "visible") return [a, how];
    }
    return [null, "visible"];
  };
  let reported = 0;
  for (const e of document.body.querySelectorAll("*")) {
    if (reported >= 10) break;
    if (e.closest("dialog:not([open]), script, style, mjx-assistive-mml, .visually-hidden, .sr-only")) continue;
    if (!visible(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    const [box, how] = boxOf(e);
    if (how === "auto" || how === "scroll") continue;  // it scrolls inside its box
    if (box && article && article.contains(e)) {
      const b = box.getBoundingClientRect();
      if (b.width > 1 && (r.right > b.right + 2 || r.left < b.left - 2)) {
        problems.push(`cut off: ${name(e)} (${span(r)}) by ${name(box)} (${span(b)}, overflow ${how})`);
        reported++;
      }
      continue;
    }
    if (!box && (r.right > width + 1 || r.left < -1)) {
      problems.push(`overflow: ${name(e)} spans ${span(r)} of a ${width} px window`);
      reported++;
    }
  }

  // Tables that would have to be scrolled sideways.
  for (const table of article ? article.querySelectorAll("table") : []) {
    if (!visible(table)) continue;
    const box = table.closest(".pst-scrollable-table-container") || table;
    const over = Math.max(table.scrollWidth - table.clientWidth, box.scrollWidth - box.clientWidth);
    if (over > 1) {
      const head = (table.rows[0] ? table.rows[0].innerText : "").replace(/\s+/g, " ").slice(0, 40);
      problems.push(`table: the table "${head}" must be scrolled ${over} px sideways in a ${width} px window`);
    }
  }

  // Figures.
  for (const img of article ? article.querySelectorAll("img") : []) {
    if (img.naturalWidth < 200) continue;  // badges and icons, not figures
    const shown = img.getBoundingClientRect().width;
    const link = img.closest("a[href]");
    const image = new URL(img.currentSrc || img.src, location.href).href;
    const opensFullSize = link !== null && new URL(link.href, location.href).href === image;
    if (shown < minFigurePx && !opensFullSize) {
      problems.push(`figure: ${img.getAttribute("src")} is ${Math.round(shown)} px wide and does not open at full size`);
    }
  }
  // Figures wider than the window, and figures that load before they are scrolled to.
  const figures = article ? [...article.querySelectorAll(".cell_output img")].filter((i) => i.naturalWidth >= 200) : [];
  for (const img of figures) {
    const r = img.getBoundingClientRect();
    if (r.width > width + 1 || r.right > width + 1) {
      problems.push(`wide figure: ${img.getAttribute("src")} is ${Math.round(r.width)} px wide in a ${width} px window`);
      if (problems.length > 30) break;
    }
  }
  const eager = figures.filter((i) => (i.dataset.builtLoading ?? i.getAttribute("loading")) !== "lazy");
  if (eager.length) {
    problems.push(`lazy: ${eager.length} of ${figures.length} figures load before they are scrolled to`);
  }

  // Body text size.
  if (article) {
    const para = [...article.querySelectorAll("section > p, section > ul > li")].find(visible);
    const size = para ? parseFloat(getComputedStyle(para).fontSize) : 0;
    if (para && size < 14) problems.push(`text size: the body text is ${size} px (at least 14 px)`);
  }

  // Copy buttons: seen without a hover, and off the code's text.
  let copyReported = 0;
  for (const button of article ? article.querySelectorAll("button.copybtn") : []) {
    if (copyReported >= 3) break;
    const block = button.closest(".highlight");
    const pre = block && block.querySelector("pre");
    if (!pre || !visible(pre)) continue;
    const transition = button.style.transition;
    button.style.transition = "none";  // the value it settles at, not one mid-fade
    const opacity = Number(getComputedStyle(button).opacity);
    button.style.transition = transition;
    const b = button.getBoundingClientRect();
    if (opacity < 0.3 || !button.checkVisibility() || b.width < 8) {
      problems.push(`copy: a copy button is invisible until hovered (opacity ${opacity})`);
      copyReported++;
      continue;
    }
    const range = document.createRange();
    range.selectNodeContents(pre);
    const covered = [...range.getClientRects()].slice(0, 200).some((t) =>
      t.width > 0 && t.left < b.right && t.right > b.left && t.top < b.bottom && t.bottom > b.top);
    if (covered) {
      problems.push(`copy: a copy button covers code (${span(b)}, top ${Math.round(b.top)} px)`);
      copyReported++;
    }
  }

  // A notebook page opens in Colab.
  if (article && article.querySelector("div.cell")) {
    const file = location.pathname.split("/").pop().replace(/\.html$/, ".ipynb");
    const colab = [...article.querySelectorAll('a[href^="https://colab.research.google.com/github/"]')]
      .filter((a) => a.href.endsWith("/" + file) && visible(a));
    if (!colab.length) problems.push(`colab: no visible link opens ${file} in Colab`);
  }

  // Walls of printed output.
  for (const pre of article ? article.querySelectorAll(".cell_output pre") : []) {
    if (!visible(pre)) continue;
    const lines = pre.textContent.replace(/\n$/, "").split("\n").length;
    if (lines <= 30) continue;
    let shown = pre.getBoundingClientRect().height;
    for (let a = pre; a && a !== article; a = a.parentElement) {
      const how = getComputedStyle(a).overflowY;
      if (how !== "visible") shown = Math.min(shown, a.clientHeight);
    }
    const lineHeight = parseFloat(getComputedStyle(pre).lineHeight) || 20;
    if (shown > 30 * lineHeight) {
      problems.push(`wall: a ${lines}-line output stands ${Math.round(shown)} px tall in the page`);
    }
  }

  // One search box.
  const searches = [...document.querySelectorAll(".search-button-field, button.search-button, form.bd-search")]
    .filter((e) => !e.closest("dialog") && visible(e) && e.getBoundingClientRect().top < window.innerHeight);
  if (searches.length !== 1) {
    problems.push(`search: ${searches.length} search boxes in view (${searches.map(name).join(", ")})`);
  }
  return problems;
}
