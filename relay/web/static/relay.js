// Two small helps for every page that extends base.html; without script the pages work as before
// (the menu simply wraps, wide tables still scroll).
(function () {
  "use strict";

  // The header keeps one row: when the menu would wrap onto a second row, it folds behind "Meny".
  function fitMenu() {
    var header = document.querySelector(".site-header");
    var toggle = header && header.querySelector(".menu-toggle");
    var menu = header && header.querySelector(".site-menu");
    if (!toggle || !menu) { return; }
    var open = header.classList.contains("open");
    header.classList.remove("compact", "open");
    toggle.hidden = true;
    var brand = header.querySelector(".brand").getBoundingClientRect();
    var middle = brand.top + brand.height / 2;
    var wraps = Array.prototype.some.call(menu.querySelectorAll("li, .header-tools > *"), function (el) {
      var box = el.getBoundingClientRect();
      return box.height > 0 && Math.abs(box.top + box.height / 2 - middle) > brand.height;
    });
    if (wraps) {
      header.classList.add("compact");
      header.classList.toggle("open", open);
      toggle.hidden = false;
    }
    toggle.setAttribute("aria-expanded", open && wraps ? "true" : "false");
  }

  function toggleMenu(event) {
    var header = event.currentTarget.closest(".site-header");
    var open = !header.classList.contains("open");
    header.classList.toggle("open", open);
    event.currentTarget.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // A table wider than its column scrolls inside its wrapper; keyboard users must be able to reach it,
  // so the wrapper becomes a focusable region named after the table's caption.
  function labelScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth + 1 || wrap.hasAttribute("tabindex")) { return; }
      wrap.setAttribute("tabindex", "0");
      if (!wrap.hasAttribute("role")) { wrap.setAttribute("role", "region"); }
      var caption = wrap.querySelector("caption");
      if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
      }
    });
  }

  function ready() {
    var toggle = document.querySelector(".menu-toggle");
    if (toggle) { toggle.addEventListener("click", toggleMenu); }
    fitMenu();
    labelScrollers();
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(fitMenu); }
    var pending;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { fitMenu(); labelScrollers(); }, 100);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
