// Drag a row of the console's seeding table to re-seed it. The drop fills the row's own
// "seed" form with the place it was dropped at and submits it (htmx posts it and swaps the
// console body), so dragging is a shortcut for typing the seed: the same server check,
// the same refusal messages. Touch screens and keyboards use the seed box and the arrows.
// A typed seed is sent when the box loses focus or Enter is pressed, without a click.
// Listeners sit on the document because htmx replaces the table after every action.
(function () {
  "use strict";
  var dragged = null;

  function rowOf(target) {
    return target && target.closest ? target.closest("tr[data-seed-row]") : null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("tr[data-seed-row] input[name=seed]")
        && input.value && input.value !== input.defaultValue && input.form.checkValidity()) {
      input.form.requestSubmit();
    }
  });

  document.addEventListener("dragstart", function (event) {
    var row = rowOf(event.target);
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.entrantId);
  });

  document.addEventListener("dragover", function (event) {
    var row = rowOf(event.target);
    if (!dragged || !row || row === dragged || row.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    var box = row.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("drop", function (event) {
    if (dragged && rowOf(event.target)) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var row = dragged;
    dragged = null;
    row.classList.remove("dragging");
    var rows = Array.prototype.slice.call(row.parentNode.querySelectorAll("tr[data-seed-row]"));
    var place = rows.indexOf(row) + 1;
    var input = row.querySelector("input[name=seed]");
    if (!input || String(place) === input.defaultValue) return;
    input.value = String(place);
    input.form.requestSubmit();
  });
})();
