/* Podium ticket ledger: verification in the browser, with WebCrypto only.
 *
 * - A ticket's history ([data-ledger-ticket]): fetch /api/v1/tickets/<id>/proof and
 *   /ledger/key, check the checkpoint's Ed25519 signature (C2SP signed-note), that each
 *   entry hashes to its leaf (RFC 6962: SHA-256(0x00 || entry)) and that its inclusion
 *   proof (RFC 9162 §2.1.3.2) leads to the signed root; mark each entry.
 * - The whole ledger ([data-ledger-verify]): fetch the checkpoint, the key, every entry
 *   bundle and hash tile (C2SP tlog-tiles), recompute the tree, compare every tile and the
 *   root, and check that the last checkpoint verified in this browser is a prefix.
 *
 * No inline script anywhere: this file is loaded with <script src defer>, and again after
 * htmx swaps in a history fragment (it guards against running twice).
 */
(function () {
  "use strict";
  if (window.podiumLedger) {
    window.podiumLedger.scan(document);
    return;
  }

  const enc = new TextEncoder();
  const TILE = 256;
  const HASH = 32;

  function b64decode(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64encode(bytes) {
    let bin = "";
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin);
  }
  function concat(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  function equal(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  // Texts in the page's language: the templates put them in a JSON block (.ledger-texts,
  // read when first needed: a history fragment may arrive later by htmx); English is the
  // fallback. {name} placeholders are filled from vars.
  const TEXTS = {
      "outside_tree": "entry {index} is outside the tree",
      "proof_element": "a proof element is not a 32-byte hash",
      "proof_long": "the inclusion proof is too long",
      "proof_short": "the inclusion proof is too short",
      "key_shape": "the verifier key is not <name>+<key ID>+<key>",
      "key_base64": "the verifier key is not base64",
      "key_id_hex": "the verifier key’s ID is not 8 hex digits",
      "key_ed25519": "the verifier key is not an Ed25519 key",
      "key_id_match": "the verifier key’s ID does not match the key",
      "no_ed25519": "this browser cannot check Ed25519 signatures (try a recent browser)",
      "cp_control": "the checkpoint contains control characters",
      "cp_no_sig": "the checkpoint has no signature block",
      "cp_newline": "the checkpoint’s signatures do not end with a newline",
      "sig_line": "malformed signature line",
      "sig_base64": "a signature is not base64",
      "cp_bad_sig": "the checkpoint’s signature by {name} does not verify",
      "cp_unsigned": "the checkpoint is not signed by the ledger’s key",
      "cp_malformed": "malformed checkpoint",
      "cp_other_log": "the checkpoint is for another log ({origin})",
      "cp_root": "the checkpoint’s root is not a 32-byte hash",
      "answered": "{url} answered {status}",
      "no_webcrypto": "this page is not a secure context, so the browser offers no WebCrypto",
      "proof_status": "the ledger answered {status} for this ticket’s proof",
      "proof_checkpoint": "the proof is not for the signed checkpoint",
      "entry_leaf": "entry {index} does not hash to its leaf",
      "entry_ticket": "entry {index} is not about this ticket",
      "entry_missing": "entry {index} is not in the signed ledger",
      "none_shown": "none of the entries shown is in the proof",
      "bundle_length": "an entry bundle ends inside a length",
      "bundle_entry": "an entry bundle ends inside an entry",
      "verifying": "Verifying…",
      "log_checkpoint": "Checkpoint signature verified: {origin}, size {size}",
      "bundle_count": "entry bundle {n} holds {count} entries, not {width}",
      "log_hashed": "Hashed {count} entries",
      "tile_length": "tile {tile} has the wrong length",
      "tile_match": "tile {tile} does not match the entries",
      "log_tiles": "Checked {count} hash tiles against the entries",
      "root_mismatch": "the entries do not hash to the signed root",
      "log_root": "The entries hash to the signed root {root}",
      "shrank": "the ledger shrank from {old} to {size} entries since you last checked",
      "rewritten": "history was rewritten: the checkpoint of size {old} you verified before is not a prefix of this one",
      "log_consistent": "Consistent with the checkpoint of size {old} you verified before",
      "ledger_ok": "✓ Verified in your browser: {size} entries, signed by {origin}.",
      "log_key_yours": "Verifier key {key} (yours)",
      "log_key_server": "Verifier key {key} (from the server)",
      "ticket_ok_one": "✓ Verified in your browser: {count} entry is in the ledger signed by {origin} at size {size}.",
      "ticket_ok_other": "✓ Verified in your browser: {count} entries are in the ledger signed by {origin} at size {size}.",
      "not_verified": "✗ Not verified: {reason}",
      "could_not": "✗ Could not verify: {reason}",
      "failed": "✗ Verification failed: {reason}"
  };
  let textsLoaded = false;
  function tr(key, vars) {
    if (!textsLoaded) {
      const block = document.querySelector("script.ledger-texts");
      if (block) {
        textsLoaded = true;
        try { Object.assign(TEXTS, JSON.parse(block.textContent || "{}")); } catch (e) { /* keep English */ }
      }
    }
    return (TEXTS[key] || key).replace(/\{(\w+)\}/g, (m, name) =>
      (vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m));
  }
  class Failure extends Error {}
  function fail(message) { throw new Failure(message); }

  async function sha256(data) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  }
  const LEAF = new Uint8Array([0]);
  const NODE = new Uint8Array([1]);
  const leafHash = (entry) => sha256(concat(LEAF, entry));
  const nodeHash = (l, r) => sha256(concat(NODE, l, r));

  // RFC 9162 §2.1.3.2
  async function rootFromInclusion(index, size, leaf, proof) {
    if (!(index >= 0 && index < size)) fail(tr("outside_tree", { index: index }));
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (p.length !== HASH) fail(tr("proof_element"));
      if (sn === 0) fail(tr("proof_long"));
      if ((fn & 1) === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail(tr("proof_short"));
    return r;
  }

  // C2SP signed-note verifier key: <name>+<hex key id>+<base64(0x01 || key)>
  async function parseKey(text) {
    const t = text.trim();
    const a = t.indexOf("+"), b = t.indexOf("+", a + 1);
    if (a < 1 || b < 0) fail(tr("key_shape"));
    const name = t.slice(0, a), id = t.slice(a + 1, b);
    let raw;
    try { raw = b64decode(t.slice(b + 1)); } catch (e) { fail(tr("key_base64")); }
    if (!/^[0-9a-fA-F]{8}$/.test(id)) fail(tr("key_id_hex"));
    if (raw.length !== 33 || raw[0] !== 1) fail(tr("key_ed25519"));
    const pub = raw.slice(1);
    const kid = (await sha256(concat(enc.encode(name + "\n"), new Uint8Array([1]), pub))).slice(0, 4);
    if (hex(kid) !== id.toLowerCase()) fail(tr("key_id_match"));
    let key;
    try {
      key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new Failure(tr("no_ed25519"));
    }
    return { name: name, keyId: kid, key: key, text: t };
  }

  // C2SP signed-note + tlog-checkpoint
  async function openCheckpoint(note, key) {
    if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) fail(tr("cp_control"));
    const split = note.lastIndexOf("\n\n");
    if (split < 0) fail(tr("cp_no_sig"));
    const text = note.slice(0, split + 1);
    const block = note.slice(split + 2);
    if (!block.endsWith("\n")) fail(tr("cp_newline"));
    let verified = false;
    for (const line of block.slice(0, -1).split("\n")) {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) fail(tr("sig_line"));
      let sig;
      try { sig = b64decode(m[2]); } catch (e) { fail(tr("sig_base64")); }
      if (m[1] !== key.name || !equal(sig.slice(0, 4), key.keyId)) continue;  // unknown key
      const ok = sig.length === 68 && await crypto.subtle.verify(
        { name: "Ed25519" }, key.key, sig.slice(4), enc.encode(text));
      if (!ok) fail(tr("cp_bad_sig", { name: key.name }));
      verified = true;
    }
    if (!verified) fail(tr("cp_unsigned"));
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) fail(tr("cp_malformed"));
    if (lines[0] !== key.name) fail(tr("cp_other_log", { origin: lines[0] }));
    const root = b64decode(lines[2]);
    if (root.length !== HASH) fail(tr("cp_root"));
    return { origin: lines[0], size: Number(lines[1]), root: root };
  }

  async function fetchBytes(url) {
    const r = await fetch(url, { headers: { "Accept": "*/*" } });
    if (!r.ok) fail(tr("answered", { url: url, status: r.status }));
    return new Uint8Array(await r.arrayBuffer());
  }
  async function fetchText(url) {
    const r = await fetch(url);
    if (!r.ok) fail(tr("answered", { url: url, status: r.status }));
    return r.text();
  }

  function setStatus(el, state, text) {
    el.dataset.state = state;
    el.textContent = text;
  }

  // -- a ticket's history ---------------------------------------------------------------------

  async function verifyTicket(section) {
    const status = section.querySelector(".ledger-status");
    if (!status) return;
    const ticket = section.dataset.ledgerTicket;
    try {
      if (!window.crypto || !crypto.subtle) fail(tr("no_webcrypto"));
      const [keyText, proofResponse] = await Promise.all([
        fetchText("/ledger/key"),
        fetch("/api/v1/tickets/" + encodeURIComponent(ticket) + "/proof"),
      ]);
      if (!proofResponse.ok) fail(tr("proof_status", { status: proofResponse.status }));
      const data = await proofResponse.json();
      const key = await parseKey(keyText);
      const cp = await openCheckpoint(data.checkpoint, key);
      const root = b64decode(data.root_hash);
      if (cp.size !== data.tree_size || !equal(cp.root, root)) fail(tr("proof_checkpoint"));
      const verified = new Set();
      for (const e of data.entries) {
        const body = enc.encode(e.entry);
        const leaf = await leafHash(body);
        if (!equal(leaf, b64decode(e.leaf_hash))) fail(tr("entry_leaf", { index: e.index }));
        const parsed = JSON.parse(e.entry);
        const about = parsed.ticket === ticket || (Array.isArray(parsed.tickets) && parsed.tickets.includes(ticket));
        if (!about) fail(tr("entry_ticket", { index: e.index }));
        const got = await rootFromInclusion(e.index, cp.size, leaf, e.proof.map(b64decode));
        if (!equal(got, cp.root)) fail(tr("entry_missing", { index: e.index }));
        verified.add(String(e.index));
      }
      let shown = 0;
      for (const li of section.querySelectorAll("li[data-index]")) {
        const ok = verified.has(li.dataset.index);
        li.dataset.verified = ok ? "true" : "false";
        if (ok) shown++;
      }
      if (shown === 0) fail(tr("none_shown"));
      setStatus(status, "ok", tr(shown === 1 ? "ticket_ok_one" : "ticket_ok_other",
        { count: shown, origin: cp.origin, size: cp.size }));
    } catch (err) {
      setStatus(status, err instanceof Failure ? "bad" : "error",
        tr(err instanceof Failure ? "not_verified" : "could_not", { reason: err.message }));
    }
  }

  // -- the whole ledger -----------------------------------------------------------------------

  function tilePath(level, index, width) {
    const groups = [];
    let n = index;
    do { groups.unshift(String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); } while (n > 0);
    const path = groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
    return "tile/" + level + "/" + path + (width < TILE ? ".p/" + width : "");
  }

  function decodeBundle(data) {
    const out = [];
    let pos = 0;
    while (pos < data.length) {
      if (pos + 2 > data.length) fail(tr("bundle_length"));
      const len = (data[pos] << 8) | data[pos + 1];
      pos += 2;
      if (pos + len > data.length) fail(tr("bundle_entry"));
      out.push(data.slice(pos, pos + len));
      pos += len;
    }
    return out;
  }

  // levels[h] = hashes of the complete subtrees of 2^h leaves
  async function buildLevels(leaves) {
    const levels = [leaves];
    while (levels[levels.length - 1].length > 1) {
      const below = levels[levels.length - 1], up = [];
      for (let i = 0; i + 1 < below.length; i += 2) up.push(await nodeHash(below[i], below[i + 1]));
      if (up.length === 0) break;
      levels.push(up);
    }
    return levels;
  }
  async function rootAt(levels, size) {
    if (size === 0) return sha256(new Uint8Array(0));
    const pieces = [];
    let pos = 0;
    for (let h = Math.floor(Math.log2(size)); h >= 0; h--) {
      if ((size >> h) & 1) { pieces.push(levels[h][pos >> h]); pos += 1 << h; }
    }
    let r = pieces[pieces.length - 1];
    for (let i = pieces.length - 2; i >= 0; i--) r = await nodeHash(pieces[i], r);
    return r;
  }

  async function verifyLedger(section, pinnedKey) {
    const status = section.querySelector(".ledger-status");
    const logList = section.querySelector(".ledger-log");
    logList.textContent = "";
    const say = (text) => { const li = document.createElement("li"); li.textContent = text; logList.appendChild(li); };
    setStatus(status, "pending", tr("verifying"));
    try {
      if (!window.crypto || !crypto.subtle) fail(tr("no_webcrypto"));
      const keyText = pinnedKey || await fetchText("/ledger/key");
      const key = await parseKey(keyText);
      say(tr(pinnedKey ? "log_key_yours" : "log_key_server", { key: key.text }));
      const cp = await openCheckpoint(await fetchText("/ledger/checkpoint"), key);
      say(tr("log_checkpoint", { origin: cp.origin, size: cp.size }));
      const leaves = [];
      for (let n = 0; n * TILE < cp.size; n++) {
        const width = Math.min(TILE, cp.size - n * TILE);
        const entries = decodeBundle(await fetchBytes("/ledger/" + tilePath("entries", n, width)));
        if (entries.length !== width) fail(tr("bundle_count", { n: n, count: entries.length, width: width }));
        for (const e of entries) leaves.push(await leafHash(e));
      }
      say(tr("log_hashed", { count: leaves.length }));
      const levels = await buildLevels(leaves);
      let tiles = 0;
      for (let level = 0; (cp.size >> (8 * level)) > 0; level++) {
        const count = Math.floor(cp.size / Math.pow(TILE, level));
        const row = levels[8 * level] || [];
        for (let n = 0; n * TILE < count; n++) {
          const width = Math.min(TILE, count - n * TILE);
          const tile = await fetchBytes("/ledger/" + tilePath(level, n, width));
          if (tile.length !== width * HASH) fail(tr("tile_length", { tile: level + "/" + n }));
          for (let i = 0; i < width; i++) {
            if (!equal(tile.slice(i * HASH, (i + 1) * HASH), row[n * TILE + i])) {
              fail(tr("tile_match", { tile: level + "/" + n }));
            }
          }
          tiles++;
        }
      }
      say(tr("log_tiles", { count: tiles }));
      const root = await rootAt(levels, cp.size);
      if (!equal(root, cp.root)) fail(tr("root_mismatch"));
      say(tr("log_root", { root: b64encode(root) }));
      const memoKey = "podium-ledger:" + cp.origin;
      let previous = null;
      try { previous = JSON.parse(localStorage.getItem(memoKey) || "null"); } catch (e) { previous = null; }
      if (previous && previous.key === key.text) {
        if (previous.size > cp.size) fail(tr("shrank", { old: previous.size, size: cp.size }));
        const old = await rootAt(levels, previous.size);
        if (b64encode(old) !== previous.root) fail(tr("rewritten", { old: previous.size }));
        say(tr("log_consistent", { old: previous.size }));
      }
      try { localStorage.setItem(memoKey, JSON.stringify({ key: key.text, size: cp.size, root: b64encode(cp.root) })); } catch (e) { /* private mode */ }
      setStatus(status, "ok", tr("ledger_ok", { size: cp.size, origin: cp.origin }));
    } catch (err) {
      setStatus(status, err instanceof Failure ? "bad" : "error",
        tr(err instanceof Failure ? "failed" : "could_not", { reason: err.message }));
    }
  }

  function scan(root) {
    for (const section of root.querySelectorAll("[data-ledger-ticket]")) {
      if (section.dataset.ledgerChecked) continue;
      section.dataset.ledgerChecked = "1";
      verifyTicket(section);
    }
    for (const section of root.querySelectorAll("[data-ledger-verify]")) {
      if (section.dataset.ledgerBound) continue;
      section.dataset.ledgerBound = "1";
      const form = section.querySelector("form");
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const pinned = (new FormData(form).get("key") || "").toString().trim();
        verifyLedger(section, pinned);
      });
    }
  }

  window.podiumLedger = { scan: scan, verifyTicket: verifyTicket, verifyLedger: verifyLedger };
  const start = () => scan(document);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", (ev) => scan(ev.target.parentNode || document));
})();
