/* What is wrong with the page a reader sees, at the window's current width: a list of
   problems, empty when there is none. tests/test_site.py runs it with page.evaluate() at
   1280 px and 390 px on every page, and on pages it has broken on purpose.

   text:     the main text (article.bd-article) is there, visible and not empty;
   overflow: nothing sticks out of the window sideways, unless it is inside a box of the
             article that scrolls (code, tables, equations, outputs); the page-level
             containers do not count, since a whole page that scrolls sideways is the fault;
   cut off:  nothing in the article is clipped by a box that does not scroll;
   figure:   every figure is at least minFigurePx wide, or opens at full size when clicked
             (a link to the image file itself). */
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
  return problems;
}
