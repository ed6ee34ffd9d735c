/* The tournament page's bracket on a phone: each bracket's box scrolls sideways so the
   earliest round with a match to play is in view (on load and after every live update);
   on any screen, a bracket wider than its box shows the "scroll sideways" hint. */
(function () {
  function jump(root) {
    var boxes = (root || document).querySelectorAll("#bracket .bracket-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var hint = box.previousElementSibling;
      if (hint && hint.classList.contains("scroll-hint")) {
        hint.classList.toggle("needed", box.scrollWidth > box.clientWidth + 1);
      }
      var live = box.querySelector(".bracket-round[data-live]");
      if (live && box.scrollWidth > box.clientWidth) box.scrollLeft = live.offsetLeft - box.offsetLeft;
    }
  }
  document.addEventListener("DOMContentLoaded", function () { jump(document); });
  document.addEventListener("htmx:afterSwap", function () { jump(document); });
})();
