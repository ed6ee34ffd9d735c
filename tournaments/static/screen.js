/* Rotate the pages of the screen; keep the page shown across live updates; fit the page
   shown to the screen (long names wrap, so a page's cards can need more height than the
   rows the server counted: the page's type is scaled down until nothing spills). First a
   player tag wider than its card ("xX_CeilingShot_Xx") may wrap at "_" or inside camelCase,
   then is set smaller; it is cut anywhere only if even the smallest size is too wide. */
(function () {
  var current = null, timer = null;
  var SMALLEST = 0.55, STEP = 0.05, NAME_SMALLEST = 0.6;
  var NAMES = ".sc-s .name, .sc-call .vs, .sc-next .vs, .sc-res .vs";
  function root() { return document.querySelector("#screen-body .sc"); }
  function spills(page) {
    var boxes = page.querySelectorAll(".sc-panel, .sc-col-body, .sc-cards, .sc-groups, .sc-two");
    if (page.scrollHeight > page.clientHeight + 1) return true;
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].scrollHeight > boxes[i].clientHeight + 1) return true;
    }
    return false;
  }
  // Step a scale down from 1 while `tooBig()` and above `smallest`, `apply`ing each step;
  // returns the scale it stopped at.
  function shrink(smallest, tooBig, apply) {
    var scale = 1;
    while (scale > smallest && tooBig()) {
      scale = Math.round((scale - STEP) * 100) / 100;
      apply(scale);
    }
    return scale;
  }
  function fit(page) {
    page.style.fontSize = "";
    fitNames(page);
    page.dataset.fitted = String(shrink(SMALLEST, function () { return spills(page); },
      function (scale) { page.style.fontSize = scale + "em"; }));
  }
  function tooWide(el) { return el.scrollWidth > el.clientWidth + 1; }
  // A tag may wrap after "_" or "." and inside camelCase ("xX_|Ceiling|Shot_|Xx") before
  // it is set smaller: zero-width spaces in its text nodes, only where it is too wide.
  function softBreaks(el) {
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      node.nodeValue = node.nodeValue.replace(/([_.])(?=\S)/g, "$1\u200B")
        .replace(/([a-z])(?=[A-Z])/g, "$1\u200B");
    }
  }
  function fitNames(page) {
    var names = page.querySelectorAll(NAMES);
    for (var i = 0; i < names.length; i++) {
      var el = names[i];
      el.style.fontSize = "";
      el.classList.remove("sc-break");
      if (!tooWide(el)) continue;
      softBreaks(el);
      if (!tooWide(el)) continue;
      // In em of the parent, from the name's own size (.long and .longer already set it
      // smaller), so the page's scaling still applies to it.
      var ratio = parseFloat(getComputedStyle(el).fontSize) /
        parseFloat(getComputedStyle(el.parentNode).fontSize);
      shrink(NAME_SMALLEST, function () { return tooWide(el); },
        function (scale) { el.style.fontSize = (ratio * scale) + "em"; });
      if (tooWide(el)) el.classList.add("sc-break");
    }
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
