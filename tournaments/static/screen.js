/* Rotate the pages of the screen; keep the page shown across live updates; fit the page
   shown to the screen (long names wrap, so a page's cards can need more height than the
   rows the server counted: the page's type is scaled down until nothing spills). */
(function () {
  var current = null, timer = null;
  var SMALLEST = 0.55, STEP = 0.05;
  function root() { return document.querySelector("#screen-body .sc"); }
  function spills(page) {
    var boxes = page.querySelectorAll(".sc-panel, .sc-col-body, .sc-cards, .sc-groups, .sc-two");
    if (page.scrollHeight > page.clientHeight + 1) return true;
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].scrollHeight > boxes[i].clientHeight + 1) return true;
    }
    return false;
  }
  function fit(page) {
    var scale = 1;
    page.style.fontSize = "";
    while (scale > SMALLEST && spills(page)) {
      scale = Math.round((scale - STEP) * 100) / 100;
      page.style.fontSize = scale + "em";
    }
    page.dataset.fitted = String(scale);
  }
  function show(step) {
    var r = root(); if (!r) return;
    var pages = r.querySelectorAll(".sc-page");
    if (!pages.length) return;
    var index = 0;
    for (var i = 0; i < pages.length; i++) if (pages[i].dataset.pageId === current) index = i;
    index = (index + step + pages.length) % pages.length;
    for (var j = 0; j < pages.length; j++) pages[j].hidden = j !== index;
    fit(pages[index]);
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
