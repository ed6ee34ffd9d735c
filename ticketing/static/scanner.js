// The gate scanner (/gate): scans through the server when online, verifies the signed
// ticket secrets itself when the network drops, queues those scans and uploads them on
// reconnect with their original time. No inline script: the page loads this file.
(function () {
  "use strict";

  var KEY = "podium.gate.";
  var root, eventId, csrf, answerBox, input, queueStatus, netStatus;
  var flushing = false;
  var lastCamera = { value: "", at: 0 };

  function store(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* full or private */ }
  }
  function load(name, fallback) {
    try {
      var raw = localStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }

  function newNonce() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; }
    catch (e) { return ""; }
  }

  function gateName() { return (document.getElementById("gate-name").value || "").trim(); }
  function direction() {
    var checked = document.querySelector('input[name="direction"]:checked');
    return checked ? checked.value : "entry";
  }

  function clock(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // -- texts -------------------------------------------------------------------------------
  // The page's language: gate.html puts the translated texts in a JSON block
  // (#scanner-texts); English stays as the fallback if the block is missing.

  var TEXTS = {
    words: {
      ok: "OK", invalid: "Invalid", revoked: "Revoked", wrong_event: "Wrong event",
      not_paid: "Not paid", not_yet_valid: "Not yet valid", expired: "Expired",
      already_redeemed: "Already redeemed", not_inside: "Not inside", error: "Error"
    },
    since: "since {time}", since_at_gate: "since {time} at gate {gate}",
    no_kit: "Offline and no gate kit downloaded: cannot check", not_ours: "Not a ticket of ours",
    bad_signature: "Bad signature: not a ticket of ours", revoked: "This ticket is no longer valid",
    wrong_event: "This ticket is for another event", goodbye: "Goodbye",
    too_early: "Too early: this ticket does not open the gate yet",
    too_late: "Too late: this ticket's validity is over", already_in: "Already admitted at this gate",
    welcome: "Welcome in", no_offline: "This browser cannot verify tickets offline",
    queued_one: "{n} scan waiting to upload", queued_other: "{n} scans waiting to upload",
    queue_empty: "Nothing waiting to upload", online: "Online", offline: "Offline",
    offline_queued: "offline, queued", gate_first: "Enter this gate's name first",
    no_camera: "The camera is not available"
  };

  function loadTexts() {
    var block = document.getElementById("scanner-texts");
    if (!block) { return; }
    try {
      var given = JSON.parse(block.textContent || "{}");
      Object.keys(given).forEach(function (k) { TEXTS[k] = given[k]; });
    } catch (e) { /* keep English */ }
  }

  // The text for key, its {name} placeholders filled from vars.
  function t(key, vars) {
    var text = TEXTS[key] || key;
    return text.replace(/\{(\w+)\}/g, function (m, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
    });
  }

  // -- the answer ------------------------------------------------------------------------

  function show(body, note) {
    var ok = body.code === "ok";
    answerBox.className = "answer " + (ok ? "ok" : "bad");
    answerBox.setAttribute("data-code", body.code || "");
    var reason = body.detail || "";
    if (body.code === "already_redeemed" && (body.at || body.gate)) {
      reason += " " + (body.gate ? t("since_at_gate", { time: clock(body.at), gate: body.gate })
                                 : t("since", { time: clock(body.at) }));
    }
    if (ok && body.ticket && body.ticket.type) { reason += " · " + body.ticket.type.name; }
    if (note) { reason += " (" + note + ")"; }
    answerBox.querySelector(".answer-word").textContent = TEXTS.words[body.code] || body.code || TEXTS.words.error;
    answerBox.querySelector(".answer-reason").textContent = reason;
  }

  // -- offline kit and local verification --------------------------------------------------

  function kit() { return load("kit." + eventId, null); }

  function fetchKit() {
    if (!eventId || !navigator.onLine) { return; }
    fetch("/gate/events/" + eventId + "/kit", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (k) { if (k && k.public_key) { store("kit." + eventId, k); root.setAttribute("data-kit", "ready"); } })
      .catch(function () { /* offline: keep the old kit */ });
  }

  function b64ToBytes(text) {
    var std = text.replace(/-/g, "+").replace(/_/g, "/");
    while (std.length % 4) { std += "="; }
    var bin = atob(std);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function localSets() {
    var s = load("seen." + eventId, { admitted: [], inside: [] });
    return { admitted: s.admitted || [], inside: s.inside || [] };
  }

  function remember(code, dir) {
    var s = localSets();
    if (dir === "entry") {
      if (s.admitted.indexOf(code) < 0) { s.admitted.push(code); }
      if (s.inside.indexOf(code) < 0) { s.inside.push(code); }
    } else {
      s.inside = s.inside.filter(function (c) { return c !== code; });
    }
    store("seen." + eventId, s);
  }

  function refuse(code, detail) { return { code: code, detail: detail }; }

  function verifyLocally(secret, dir, now) {
    var k = kit();
    if (!k) { return Promise.resolve(refuse("invalid", t("no_kit"))); }
    var parts = secret.split(".");
    if (parts.length !== 8 || parts[0] !== "T1") { return Promise.resolve(refuse("invalid", t("not_ours"))); }
    var code = parts[1], serial = parts[2], typeId = parts[3], ev = parseInt(parts[4], 10);
    var from = parseInt(parts[5], 10) * 1000, until = parseInt(parts[6], 10) * 1000;
    var message = new TextEncoder().encode(parts.slice(0, 7).join("."));
    var signature;
    try { signature = b64ToBytes(parts[7]); } catch (e) { return Promise.resolve(refuse("invalid", t("not_ours"))); }
    return crypto.subtle.importKey("raw", b64ToBytes(k.public_key), { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message); })
      .then(function (valid) {
        if (!valid) { return refuse("invalid", t("bad_signature")); }
        if (k.revoked.indexOf(code + "." + serial) >= 0) { return refuse("revoked", t("revoked")); }
        if (ev !== k.event.id) { return refuse("wrong_event", t("wrong_event")); }
        var s = localSets();
        if (dir === "exit") {
          return { code: "ok", detail: t("goodbye"), ticket: { id: code } };
        }
        if (now < from) { return refuse("not_yet_valid", t("too_early")); }
        if (now > until) { return refuse("expired", t("too_late")); }
        var type = k.types[typeId] || {};
        if (s.inside.indexOf(code) >= 0 || (s.admitted.indexOf(code) >= 0 && !type.allows_reentry)) {
          return refuse("already_redeemed", t("already_in"));
        }
        return { code: "ok", detail: t("welcome"), ticket: { id: code, type: { name: type.name || "" } } };
      })
      .catch(function () { return refuse("invalid", t("no_offline")); });
  }

  // -- the queue ---------------------------------------------------------------------------

  function queue() { return load("queue", []); }
  function showQueue() {
    var n = queue().length;
    queueStatus.textContent = n ? t(n === 1 ? "queued_one" : "queued_other", { n: n }) : t("queue_empty");
    netStatus.textContent = navigator.onLine ? t("online") : t("offline");
    root.setAttribute("data-queue", String(n));
  }

  function enqueue(item) {
    var q = queue();
    q.push(item);
    store("queue", q);
    showQueue();
  }

  function flush() {
    var q = queue();
    if (flushing || !q.length || !navigator.onLine) { showQueue(); return; }
    flushing = true;
    var gate = q[0].gate, ev = q[0].event_id;
    var batch = q.filter(function (s) { return s.gate === gate && s.event_id === ev; }).slice(0, 200);
    fetch("/gate/checkin/batch", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrftoken": csrf },
      body: JSON.stringify({ gate: gate, event_id: ev, scans: batch.map(function (s) {
        return { secret: s.secret, nonce: s.nonce, direction: s.direction, scanned_at: s.scanned_at, verdict_offline: s.verdict_offline };
      }) })
    }).then(function (r) {
      if (!r.ok) { throw new Error("upload refused: " + r.status); }
      return r.json();
    }).then(function (result) {
      var done = batch.map(function (s) { return s.nonce; });
      store("queue", queue().filter(function (s) { return done.indexOf(s.nonce) < 0; }));
      if (result.conflicts && window.htmx) { htmx.trigger(document.body, "gate-refresh"); }
    }).catch(function () { /* try again later */ })
      .then(function () { flushing = false; showQueue(); if (queue().length && navigator.onLine) { setTimeout(flush, 1000); } });
  }

  // -- scanning ----------------------------------------------------------------------------

  function offlineScan(item) {
    var now = Date.parse(item.scanned_at);
    return verifyLocally(item.secret, item.direction, now).then(function (body) {
      if (body.code === "ok") { remember(body.ticket.id, item.direction); }
      item.verdict_offline = body.code;
      enqueue(item);
      show(body, t("offline_queued"));
    });
  }

  function scan(secret) {
    secret = (secret || "").trim();
    if (!secret) { return; }
    var gate = gateName();
    if (!gate) { show({ code: "invalid", detail: t("gate_first") }); document.getElementById("gate-name").focus(); return; }
    store("gate", gate);
    var item = { secret: secret, gate: gate, nonce: newNonce(), direction: direction(),
                 event_id: eventId, scanned_at: new Date().toISOString() };
    if (!navigator.onLine) { offlineScan(item); return; }
    fetch("/gate/checkin", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrftoken": csrf },
      body: JSON.stringify({ secret: item.secret, gate: gate, nonce: item.nonce, direction: item.direction,
                             event_id: eventId, scanned_at: item.scanned_at })
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (res.status >= 500) { throw new Error("server error"); }
      if (res.body.code === "ok" && res.body.ticket) { remember(res.body.ticket.id, item.direction); }
      show(res.body);
      flush();
    }).catch(function () { offlineScan(item); });
  }

  // -- camera ------------------------------------------------------------------------------

  function startCamera() {
    var video = document.getElementById("camera");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (!codes.length) { return; }
          var value = codes[0].rawValue, now = Date.now();
          if (value === lastCamera.value && now - lastCamera.at < 3000) { return; }
          lastCamera = { value: value, at: now };
          scan(value);
        }).catch(function () { /* frame not ready */ });
      }, 300);
    }).catch(function () { show({ code: "invalid", detail: t("no_camera") }); });
  }

  // -- set-up ------------------------------------------------------------------------------

  function init() {
    root = document.getElementById("scanner");
    if (!root) { return; }
    loadTexts();
    var select = document.getElementById("gate-event");
    var nameInput = document.getElementById("gate-name");
    nameInput.value = load("gate", "") || "";
    nameInput.addEventListener("change", function () { store("gate", gateName()); });
    eventId = parseInt(root.getAttribute("data-event-id"), 10) || null;
    if (!eventId) {
      var remembered = load("event", null);
      if (remembered && select.querySelector('option[value="' + remembered + '"]')) {
        window.location.replace("/gate?event=" + remembered);
        return;
      }
    }
    select.addEventListener("change", function () {
      if (select.value) { store("event", parseInt(select.value, 10)); window.location.assign("/gate?event=" + select.value); }
    });
    if (!eventId) { return; }
    store("event", eventId);
    csrf = csrfToken();
    answerBox = document.getElementById("answer");
    input = document.getElementById("scan-input");
    queueStatus = document.getElementById("queue-status");
    netStatus = document.getElementById("net-status");
    document.getElementById("scan-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var value = input.value;
      input.value = "";
      input.focus();
      scan(value);
    });
    document.querySelectorAll('input[name="direction"]').forEach(function (radio) {
      radio.addEventListener("change", function () { input.focus(); });
    });
    if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      var button = document.getElementById("camera-button");
      button.hidden = false;
      button.addEventListener("click", startCamera);
    }
    window.addEventListener("online", function () { showQueue(); fetchKit(); flush(); });
    window.addEventListener("offline", showQueue);
    setInterval(flush, 10000);
    setInterval(fetchKit, 60000);
    fetchKit();
    showQueue();
    flush();
    input.focus();
    root.setAttribute("data-ready", "1");
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
