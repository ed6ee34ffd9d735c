/* The tournament page's bracket on a phone: each bracket's box scrolls sideways so the
   earliest round with a match to play is in view (on load and after every live update). */
(function () {
  function jump(root) {
    var boxes = (root || document).querySelectorAll("#bracket .bracket-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var live = box.querySelector(".bracket-round[data-live]");
      if (live && box.scrollWidth > box.clientWidth) box.scrollLeft = live.offsetLeft - box.offsetLeft;
    }
  }
  document.addEventListener("DOMContentLoaded", function () { jump(document); });
  document.addEventListener("htmx:afterSwap", function () { jump(document); });
})();
