// The ticket page: copy the secret (manual entry at the gate) and print the ticket.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var copy = event.target.closest(".copy-secret");
    if (copy) {
      var field = document.querySelector(copy.getAttribute("data-copy"));
      if (!field) { return; }
      field.select();
      var done = function () { copy.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
      return;
    }
    if (event.target.closest(".print-now")) { window.print(); }
  });
})();
