/* The programme editor's drag and drop: drop a phase block on a session lane to move it
   there (at the drop's time) and pin it; the console then reschedules the rest. Posts
   the same form as the no-JS "Move a phase" fallback, through htmx so the console body
   is replaced. */
(function () {
  "use strict";
  var dragged = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function wallTime(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  document.addEventListener("dragstart", function (event) {
    var block = event.target.closest && event.target.closest(".cyc-block[data-phase]");
    if (!block) { return; }
    dragged = block.getAttribute("data-phase");
    event.dataTransfer.setData("text/plain", dragged);
    event.dataTransfer.effectAllowed = "move";
  });

  document.addEventListener("dragover", function (event) {
    var track = event.target.closest && event.target.closest(".cyc-lane-track");
    if (!track || !dragged) { return; }
    event.preventDefault();
    track.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var track = event.target.closest && event.target.closest(".cyc-lane-track");
    if (track) { track.classList.remove("drop-target"); }
  });

  document.addEventListener("drop", function (event) {
    var track = event.target.closest && event.target.closest(".cyc-lane-track");
    if (!track || !dragged) { return; }
    event.preventDefault();
    track.classList.remove("drop-target");
    var lane = track.closest(".cyc-lane");
    var timeline = track.closest(".cyc-timeline");
    var form = document.getElementById("move-phase");
    if (!lane || !timeline || !form || !window.htmx) { return; }
    var rect = track.getBoundingClientRect();
    var share = Math.min(Math.max((event.clientX - rect.left) / rect.width, 0), 1);
    var start = new Date(lane.getAttribute("data-start"));
    var end = new Date(lane.getAttribute("data-end"));
    // Snap to five minutes: organisers think in round times.
    var at = new Date(start.getTime() + share * (end.getTime() - start.getTime()));
    at.setMinutes(Math.floor(at.getMinutes() / 5) * 5, 0, 0);
    if (at >= end) { at = new Date(end.getTime() - 5 * 60000); }
    form.querySelector("[name=phase]").value = dragged;
    form.querySelector("[name=session_id]").value = lane.getAttribute("data-session");
    form.querySelector("[name=starts_at]").value = wallTime(at);
    dragged = null;
    window.htmx.trigger(form, "submit");
  });
}());
