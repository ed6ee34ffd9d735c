/* Podium's own page behaviour, in a file: the Content-Security-Policy refuses inline
   scripts, "on..." attributes and htmx's evaluated trigger filters.

   data-confirm="Question?"        on a form (or a submit button): ask before submitting.
   data-hold-while-editing="sel"   on an htmx element refreshed by a live (sse:...)
                                   event: skip that refresh while the focus is in an
                                   element matching sel (the person is typing there).
   .nav-toggle in the header       on a phone, folds the main navigation behind a
                                   "Menu" button (the stylesheet's phone rules). */
(function () {
  "use strict";

  function confirmed(element) {
    var question = element && element.getAttribute("data-confirm");
    return !question || window.confirm(question);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!confirmed(button && button.hasAttribute("data-confirm") ? button : form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    var selector = element && element.getAttribute && element.getAttribute("data-hold-while-editing");
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (!selector || !trigger || String(trigger.type).indexOf("sse:") !== 0) return;
    var focused = document.activeElement;
    if (focused && focused.closest && focused.closest(selector)) event.preventDefault();
  });

  // Deferred: the header is parsed by now. Without this script the links stay unfolded.
  var toggle = document.querySelector("header.site .nav-toggle");
  var header = toggle && toggle.closest("header");
  if (toggle && header) {
    header.classList.add("nav-collapsible");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();
