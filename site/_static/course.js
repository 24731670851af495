/* The course site's small script (loaded on every page by site/conf.py).

   1. Menu and contents buttons. sphinx-book-theme 1.4 and pydata-sphinx-theme 0.20 both
      bind their sidebar handlers with document.querySelector(".primary-toggle"), which
      finds the first such button: pydata's copy in the page header, which the book theme
      hides. The buttons a reader can see did nothing. Each visible button passes its click
      on to that first button, so the themes' own code opens the navigation (a dialog on a
      narrow screen) or folds the sidebar away (on a wide one).
   2. Figures. Every figure in a notebook's output opens at full size when clicked, so a
      plot is readable on a phone. */
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

  function linkFiguresToFullSize() {
    document.querySelectorAll(".cell_output img").forEach((img) => {
      if (img.closest("a")) {
        return;
      }
      const link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "figure-full-size";
      link.title = "Open the figure at full size";
      img.replaceWith(link);
      link.appendChild(img);
    });
  }

  function start() {
    forwardClicks(".primary-toggle");
    forwardClicks(".secondary-toggle");
    linkFiguresToFullSize();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
