/* The review page: signs in with a moderator token (sessionStorage), works the review API.
   Keys: j/k move, a approve, r reject, u undo, x select for bulk, t take over a claim. */
(function () {
  "use strict";
  var TOKEN_KEY = "moderation.review.token";
  var state = { queue: "held", sort: "severity", items: [], index: -1, cursor: null,
                detail: null, selected: {}, lastDecision: null };
  var $ = function (id) { return document.getElementById(id); };

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + token() } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      if (response.status === 401) { signOut("Your token is not valid any more."); }
      if (response.status === 204) { return { ok: true, status: 204, body: null }; }
      return response.json().then(function (data) {
        return { ok: response.ok, status: response.status, body: data };
      });
    });
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function toast(text) { $("toast").textContent = text; }

  /* Sign in and out */
  function signIn(event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    start();
  }

  function signOut(message) {
    if (token()) { releaseClaim(null); }
    sessionStorage.removeItem(TOKEN_KEY);
    $("workbench").hidden = true; $("queues").hidden = true; $("who").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
  }

  function start() {
    if (!token()) { signOut(); return; }
    api("GET", "/v1/review/me").then(function (answer) {
      if (!answer.ok) { signOut(answer.body && answer.body.message); return; }
      $("who-name").textContent = answer.body.name + " (" + answer.body.role + ")";
      $("sign-in").hidden = true;
      $("sign-in-error").textContent = "";
      $("workbench").hidden = false; $("queues").hidden = false; $("who").hidden = false;
      return api("GET", "/v1/review/reason-codes").then(function (codes) {
        var select = $("reason-code");
        clear(select);
        codes.body.reason_codes.forEach(function (code) {
          var option = el("option", code.replace("_", " ")); option.value = code;
          select.appendChild(option);
        });
        loadQueue(true);
      });
    });
  }

  /* The queue */
  function loadQueue(fresh) {
    var query = "?queue=" + state.queue + "&sort=" + state.sort + "&limit=50";
    if (!fresh && state.cursor) { query += "&cursor=" + encodeURIComponent(state.cursor); }
    return api("GET", "/v1/review/queue" + query).then(function (answer) {
      if (!answer.ok) { toast(answer.body.message); return; }
      if (fresh) { state.items = []; state.index = -1; state.selected = {}; }
      state.items = state.items.concat(answer.body.comments);
      state.cursor = answer.body.next_cursor;
      showCounts(answer.body.counts);
      document.querySelectorAll(".queue-tab").forEach(function (tab) {
        tab.setAttribute("aria-pressed", String(tab.dataset.queue === state.queue));
      });
      renderQueue();
      if (fresh) { move(state.items.length ? 0 : -1); }
    });
  }

  function showCounts(counts) {
    Object.keys(counts).forEach(function (name) {
      var badge = document.querySelector('[data-count="' + name + '"]');
      if (badge) { badge.textContent = counts[name]; }
    });
  }

  function refreshCounts() {
    api("GET", "/v1/review/queue?queue=" + state.queue + "&limit=1").then(function (answer) {
      if (answer.ok) { showCounts(answer.body.counts); }
    });
  }

  function renderQueue() {
    var list = $("queue");
    clear(list);
    state.items.forEach(function (item, position) {
      var row = el("li");
      row.dataset.id = item.id;
      row.setAttribute("aria-current", String(position === state.index));
      if (item.done) { row.className = "done"; }
      var box = el("input"); box.type = "checkbox"; box.checked = !!state.selected[item.id];
      box.setAttribute("aria-label", "select comment " + item.id);
      box.addEventListener("click", function (event) { event.stopPropagation(); toggle(item.id); });
      var body = el("div");
      body.appendChild(el("div", item.text, "snippet"));
      var note = item.done ? item.done : item.summary.join("; ");
      body.appendChild(el("div", note, "sev"));
      var side = el("div");
      side.appendChild(el("div", item.severity.toFixed(2), "sev"));
      if (item.claim) { side.appendChild(el("div", "claimed: " + item.claim.moderator, "badge")); }
      row.appendChild(box); row.appendChild(body); row.appendChild(side);
      row.addEventListener("click", function () { move(position); });
      list.appendChild(row);
    });
    $("empty").hidden = state.items.length > 0;
    $("more").hidden = !state.cursor;
    var count = Object.keys(state.selected).length;
    $("selected-count").textContent = count + " selected";
    $("bulk-approve").disabled = $("bulk-reject").disabled = count === 0;
  }

  function releaseClaim(exceptId) {
    // Moving on from a comment without deciding it hands it back at once, so browsing the
    // queue with j/k does not keep comments from other moderators for minutes.
    var held = state.claimed;
    if (held && held !== exceptId) {
      state.claimed = null;
      fetch("/v1/review/comments/" + held + "/claim", {
        method: "DELETE", keepalive: true, headers: { "Authorization": "Bearer " + token() }
      }).catch(function () {});
    }
  }

  function move(position) {
    releaseClaim(position >= 0 && position < state.items.length ? state.items[position].id : null);
    if (position < 0 || position >= state.items.length) {
      state.index = -1; $("detail-body").hidden = true; renderQueue(); return;
    }
    state.index = position;
    renderQueue();
    var current = document.querySelector('#queue li[aria-current="true"]');
    if (current && current.scrollIntoView) { current.scrollIntoView({ block: "nearest" }); }
    state.loading = loadDetail(state.items[position].id, true);
  }

  /* One comment */
  function loadDetail(id, claim) {
    return api("GET", "/v1/review/comments/" + id).then(function (answer) {
      var current = state.items[state.index];
      if (!current || current.id !== id) { return; }  // moved on: an older answer arrived late
      if (!answer.ok) { toast(answer.body.message); return; }
      state.detail = answer.body;
      renderDetail();
      if (claim && !state.items[state.index].done) { claimIt(false); }
    });
  }

  function claimIt(takeover) {
    var id = state.detail.id;
    return api("POST", "/v1/review/comments/" + id + "/claim", { takeover: takeover })
      .then(function (answer) {
        var line = $("d-claim");
        if (answer.status === 423) {
          line.hidden = false;
          line.textContent = "Claimed by " + answer.body.claimed_by + " until " +
            new Date(answer.body.expires_at).toLocaleTimeString() + ". Press t to take it over.";
        } else if (answer.ok) {
          var current = state.items[state.index];
          if (current && current.id === id) {
            line.hidden = true;
            state.claimed = id;
          } else {  // the moderator moved on while the claim was on its way
            state.claimed = id;
            releaseClaim(current ? current.id : null);
          }
        }
      });
  }

  function highlighted(text, reasons) {
    var chars = Array.from(text);  // spans count code points, as the server does
    var marked = new Array(chars.length).fill(false);
    reasons.forEach(function (reason) {
      (reason.spans || []).forEach(function (span) {
        for (var i = span[0]; i < span[1] && i < chars.length; i++) { marked[i] = true; }
      });
    });
    var quote = $("d-text");
    clear(quote);
    var start = 0;
    for (var i = 1; i <= chars.length; i++) {
      if (i === chars.length || marked[i] !== marked[start]) {
        var piece = chars.slice(start, i).join("");
        quote.appendChild(marked[start] ? el("mark", piece) : document.createTextNode(piece));
        start = i;
      }
    }
  }

  function renderDetail() {
    var d = state.detail;
    $("detail-body").hidden = false;
    $("d-id").textContent = "#" + d.id;
    $("d-article").textContent = d.article_id;
    $("d-status").textContent = d.status;
    $("d-version").textContent = d.version;
    $("d-severity").textContent = d.severity.toFixed(2);
    $("d-claim").hidden = true;
    highlighted(d.text, d.reasons);
    var reasons = $("d-reasons"); clear(reasons);
    d.reasons.forEach(function (r) {
      var text = r.kind === "rule" ? "Rule " + r.id + ": " + (r.message || "") + " (" + r.action + ")"
        : r.score !== undefined ? "Model " + r.id + " " + Number(r.score).toFixed(3) + " (" + r.band + ")"
        : "Model " + r.id + ": " + (r.message || "");
      reasons.appendChild(el("li", text, r.action ? "acting" : ""));
    });
    if (!d.reasons.length) { reasons.appendChild(el("li", "No reasons recorded (not scored yet).")); }
    $("d-reports-box").hidden = d.reports.length === 0;
    $("d-report-weight").textContent = "(weight " + d.report_weight.toFixed(2) + (d.hidden ? ", hidden" : "") + ")";
    var reports = $("d-reports"); clear(reports);
    d.reports.forEach(function (r) {
      reports.appendChild(el("li", r.reason + " by " + r.reader_id + (r.note ? ": " + r.note : "") +
        (r.outcome ? " [" + r.outcome + "]" : "")));
    });
    var author = d.author_history;
    $("d-author").textContent = d.author.name + " (" + d.author.id + ")";
    var counts = Object.keys(author.counts).map(function (k) { return author.counts[k] + " " + k; });
    $("d-author-standing").textContent = "Standing: " + author.status +
      (author.reason ? " (" + author.reason + ")" : "") + " · " + (counts.join(", ") || "no comments");
    var recent = $("d-author-recent"); clear(recent);
    author.recent.filter(function (c) { return c.id !== d.id; }).slice(0, 5).forEach(function (c) {
      recent.appendChild(el("li", c.status + ": " + c.text));
    });
    var audit = $("d-audit"); clear(audit);
    d.audit.forEach(function (a) {
      audit.appendChild(el("li", new Date(a.created_at).toLocaleString() + " " + a.actor_type + " " +
        a.actor + ": " + (a.from_status || "new") + " → " + a.to_status +
        (a.reason_code ? " (" + a.reason_code + ")" : "") + (a.note ? " — " + a.note : "")));
    });
    $("undo").hidden = !(state.lastDecision && state.lastDecision.id === d.id);
  }

  /* Decisions */
  function decide(action) {
    // A key pressed while the comment is still loading acts on it once loaded, never on the
    // version shown before (that would only earn a 409).
    (state.loading || Promise.resolve()).then(function () { decideLoaded(action); });
  }

  function decideLoaded(action) {
    var d = state.detail, item = state.items[state.index];
    if (!d || !item || item.done || item.id !== d.id) { return; }
    var body = { action: action, version: d.version, reason_code: $("reason-code").value,
                 note: $("note").value || null };
    api("POST", "/v1/review/comments/" + d.id + "/decision", body).then(function (answer) {
      if (!answer.ok) {
        toast(answer.status === 409 ? "Someone decided this first: " + answer.body.message
          : answer.body.message);
        loadDetail(d.id, false);
        return;
      }
      item.done = (action === "approve" ? "approved" : "rejected") + " by you";
      if (state.claimed === d.id) { state.claimed = null; }
      state.lastDecision = { id: d.id, version: answer.body.version, position: state.index };
      $("note").value = "";
      toast("#" + d.id + " " + answer.body.status + " — press u to undo");
      refreshCounts();
      var next = state.items.findIndex(function (it, i) { return i > state.index && !it.done; });
      move(next === -1 ? state.index : next);
    });
  }

  function undo() {
    var last = state.lastDecision;
    if (!last) { return; }
    api("POST", "/v1/review/comments/" + last.id + "/undo", { version: last.version })
      .then(function (answer) {
        if (!answer.ok) { toast(answer.body.message); return; }
        state.lastDecision = null;
        var position = state.items.findIndex(function (it) { return it.id === last.id; });
        if (position !== -1) { delete state.items[position].done; move(position); }
        toast("#" + last.id + " is " + answer.body.status + " again");
        refreshCounts();
      });
  }

  /* Bulk */
  function toggle(id) {
    if (state.selected[id]) { delete state.selected[id]; } else { state.selected[id] = true; }
    renderQueue();
  }

  function bulk(action) {
    var ids = Object.keys(state.selected).map(Number);
    if (!ids.length) { return; }
    var body = { action: action, ids: ids };
    if (action === "reject") { body.reason_code = $("reason-code").value; }
    $("bulk-status").textContent = "Working on " + ids.length + "…";
    api("POST", "/v1/review/bulk", body).then(function (answer) {
      if (!answer.ok) { $("bulk-status").textContent = answer.body.message; return; }
      poll(answer.body.id);
    });
  }

  function poll(id) {
    api("GET", "/v1/review/bulk/" + id).then(function (answer) {
      var op = answer.body;
      if (op.state === "queued" || op.state === "running") {
        $("bulk-status").textContent = op.processed + "/" + op.total + " done…";
        setTimeout(function () { poll(id); }, 700);
        return;
      }
      $("bulk-status").textContent = op.state === "done" ? op.changed + " changed" : "failed: " + op.error;
      loadQueue(true);
    });
  }

  /* Keys */
  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && target.type !== "checkbox") {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    if ($("workbench").hidden) { return; }
    var actions = {
      j: function () { move(Math.min(state.index + 1, state.items.length - 1)); },
      k: function () { move(Math.max(state.index - 1, 0)); },
      a: function () { decide("approve"); },
      r: function () { decide("reject"); },
      u: undo,
      x: function () { if (state.index >= 0) { toggle(state.items[state.index].id); } },
      t: function () { if (state.detail) { claimIt(true); } }
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("sign-in").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", function () { signOut(); });
    $("approve").addEventListener("click", function () { decide("approve"); });
    $("reject").addEventListener("click", function () { decide("reject"); });
    $("undo").addEventListener("click", undo);
    $("more").addEventListener("click", function () { loadQueue(false); });
    $("bulk-approve").addEventListener("click", function () { bulk("approve"); });
    $("bulk-reject").addEventListener("click", function () { bulk("reject"); });
    $("sort").addEventListener("change", function (event) { state.sort = event.target.value; loadQueue(true); });
    document.querySelectorAll(".queue-tab").forEach(function (tab) {
      tab.addEventListener("click", function () { state.queue = tab.dataset.queue; loadQueue(true); });
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("pagehide", function () { if (token()) { releaseClaim(null); } });
    start();
  });
})();
