/* Rotate the pages of the screen; keep the page shown across live updates. */
(function () {
  var current = null, timer = null;
  function root() { return document.querySelector("#screen-body .sc"); }
  function show(step) {
    var r = root(); if (!r) return;
    var pages = r.querySelectorAll(".sc-page");
    if (!pages.length) return;
    var index = 0;
    for (var i = 0; i < pages.length; i++) if (pages[i].dataset.pageId === current) index = i;
    index = (index + step + pages.length) % pages.length;
    for (var j = 0; j < pages.length; j++) pages[j].hidden = j !== index;
    current = pages[index].dataset.pageId;
    var pager = r.querySelector("[data-pager]");
    var total = r.dataset.totalPages;
    if (pager && pages.length > 1) {
      // The page's own (translated) wording, with #P and #T for the numbers.
      var format = pager.dataset.format || "Page #P / #T";
      pager.textContent = format.replace("#P", index + 1).replace("#T", pages.length);
    }
    var seconds = parseInt(r.dataset.rotate || "0", 10);
    clearTimeout(timer);
    if (seconds > 0 && pages.length > 1) timer = setTimeout(function () { show(1); }, seconds * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () { show(0); });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "screen-body") show(0);
  });
})();
