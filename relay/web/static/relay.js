/* Keyboard access to wide tables: a .table-wrap that scrolls sideways becomes a focusable, named group
   (WCAG 2.1.1; axe "scrollable-region-focusable"), so keyboard users can scroll it with the arrow keys.
   Wraps that fit need no tab stop, so they get none. Every page works without this script. */
(function () {
  "use strict";
  function label(wrap) {
    var caption = wrap.querySelector("caption");
    return caption ? caption.textContent.trim() : "";
  }
  function update() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "group"); /* not "region": the section around it may carry the same name */
        if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby") && label(wrap)) {
          wrap.setAttribute("aria-label", label(wrap));
        }
        wrap.setAttribute("data-scrolls", "");
      } else if (wrap.hasAttribute("data-scrolls")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("data-scrolls");
      }
    }
  }
  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("resize", update);
  document.addEventListener("toggle", update, true); /* a <details> that opens may hold a wide table */
})();
