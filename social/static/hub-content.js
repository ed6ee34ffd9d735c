/* The fan hub's exclusive content: tell the server once when a video was watched to the
   end. Videos carry data-watched-url; "ended" does not bubble, so listen in the capture
   phase (this also covers cards htmx adds later). No inline script: the CSP forbids it. */
(function () {
  "use strict";
  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["x-csrftoken"] || "";
    } catch (e) {
      return "";
    }
  }
  document.addEventListener("ended", function (event) {
    var video = event.target;
    if (!video || video.tagName !== "VIDEO") return;
    var url = video.getAttribute("data-watched-url");
    if (!url || video.getAttribute("data-watched") === "sent") return;
    video.setAttribute("data-watched", "sent");
    fetch(url, {method: "POST", credentials: "same-origin", headers: {"x-csrftoken": csrfToken()}})
      .then(function (response) {
        video.setAttribute("data-watched", response.ok ? "recorded" : "failed");
      })
      .catch(function () { video.setAttribute("data-watched", "failed"); });
  }, true);
})();
