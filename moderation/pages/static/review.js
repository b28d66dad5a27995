/* The review page: signs in with a moderator token (sessionStorage), works the review API.
   Keys: j/k move, a approve, r reject, 1-6 pick a reason, u undo, x select for bulk,
   t take over a claim. Ids (rules, labels, reasons, queues) are shown by the plain names of
   GET /v1/review/glossary; an id the glossary lacks is shown as it is. */
(function () {
  "use strict";
  var TOKEN_KEY = "moderation.review.token";
  var state = { queue: "held", sort: "severity", items: [], index: -1, cursor: null,
                detail: null, selected: {}, lastDecision: null, picking: null,
                terms: { rules: {}, labels: {}, reason_codes: {}, report_reasons: {},
                         public_codes: {}, queues: {} },
                reasonOrder: [] };
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

  /* Words for ids and numbers */
  function term(table, id) {
    var found = state.terms[table][id];
    if (found) { return found; }
    var words = String(id).replace(/_/g, " ");
    return { id: id, name: words.charAt(0).toUpperCase() + words.slice(1), explanation: "" };
  }

  function percent(score) { return Math.round(Number(score) * 100) + "%"; }

  function parseDate(value) {
    // The API may send a time without an offset; it is UTC.
    return value ? new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z") : null;
  }

  function fullTime(value) {
    var date = parseDate(value);
    return date ? date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";
  }

  function ago(value) {
    var date = parseDate(value);
    if (!date) { return ""; }
    var seconds = Math.round((Date.now() - date.getTime()) / 1000);
    if (seconds < 60) { return "just now"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min ago"; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + " h ago"; }
    if (seconds < 7 * 86400) { return Math.floor(seconds / 86400) + " d ago"; }
    return date.toLocaleDateString(undefined, { dateStyle: "medium" });
  }

  function setTime(node, value) {
    var date = parseDate(value);
    node.textContent = ago(value);
    node.title = fullTime(value);
    if (date) { node.setAttribute("datetime", date.toISOString()); }
  }

  /** One reason in a few words: "Suspect term", "Identity attack 61%". */
  function reasonShort(r) {
    if (r.kind === "model" && r.score !== undefined) {
      return term("labels", r.id).name + " " + percent(r.score);
    }
    return term("rules", r.id).name;
  }

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
    $("sort-box").hidden = true;
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
      $("sort-box").hidden = false;
      return api("GET", "/v1/review/glossary").then(function (answer) {
        if (!answer.ok) { toast(answer.body.message); return; }
        learn(answer.body);
        loadQueue(true);
      });
    });
  }

  function learn(glossary) {
    Object.keys(state.terms).forEach(function (table) {
      state.terms[table] = {};
      (glossary[table] || []).forEach(function (entry) { state.terms[table][entry.id] = entry; });
    });
    state.reasonOrder = glossary.reason_codes.map(function (entry) { return entry.id; });
    buildTabs(glossary.queues);
    buildReasons();
  }

  function buildTabs(queues) {
    var nav = $("queues");
    clear(nav);
    queues.forEach(function (queue) {
      var tab = el("button", null, "queue-tab");
      tab.type = "button";
      tab.dataset.queue = queue.id;
      tab.title = queue.explanation;
      tab.appendChild(document.createTextNode(queue.name + " "));
      var count = el("span", "0", "count");
      count.dataset.count = queue.id;
      tab.appendChild(count);
      tab.addEventListener("click", function () { state.queue = queue.id; loadQueue(true); });
      nav.appendChild(tab);
    });
  }

  function buildReasons() {
    // Nothing is chosen until the moderator chooses: an approval carries no reason unless one
    // is picked, and a rejection asks for one.
    var select = $("reason-code");
    clear(select);
    var none = el("option", "Choose…"); none.value = "";
    select.appendChild(none);
    var options = $("picker-options");
    clear(options);
    state.reasonOrder.forEach(function (code, position) {
      var entry = term("reason_codes", code);
      var option = el("option", (position + 1) + " " + entry.name); option.value = code;
      option.title = entry.explanation;
      select.appendChild(option);
      var button = el("button", null, "pick");
      button.type = "button";
      button.dataset.reason = code;
      button.appendChild(el("kbd", String(position + 1)));
      button.appendChild(el("strong", " " + entry.name));
      button.appendChild(el("span", " " + entry.explanation, "muted"));
      button.addEventListener("click", function () { picked(code); });
      options.appendChild(button);
    });
    select.value = "";
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
      var body = el("div", null, "row-body");
      var head = el("div", null, "row-head");
      var author = el("span", item.author.name, "row-author");
      author.title = item.author.id;
      head.appendChild(author);
      head.appendChild(el("span", item.article_id, "row-article"));
      var when = el("time", null, "row-time");
      setTime(when, item.created_at);
      head.appendChild(when);
      body.appendChild(head);
      var snippet = el("div", null, "snippet");
      snippet.dir = "auto";  // Arabic and Kurdish comments read right to left
      if (item.parent_id) { snippet.appendChild(el("span", "Reply · ", "reply-mark")); }
      snippet.appendChild(document.createTextNode(item.text));
      body.appendChild(snippet);
      var why = item.done ? item.done
        : (item.acting_reasons || []).map(reasonShort).join(" · ");
      body.appendChild(el("div", why, "row-why"));
      row.appendChild(box); row.appendChild(body);
      if (item.claim) { body.appendChild(el("div", "claimed by " + item.claim.moderator, "badge")); }
      if (item.article_surge) {
        var surge = el("div", "surge: " + item.article_surge.reason, "badge surge-badge");
        surge.title = item.article_surge.summary;
        body.appendChild(surge);
      }
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
    closePicker();
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

  var ACTION_WORDS = { hold: "holds", reject: "rejects" };

  /** One reason as a list item: its plain name, what it did, and what it means. */
  function reasonItem(r) {
    var item = el("li", null, r.action ? "acting" : "");
    item.dataset.reason = r.id;
    if (r.kind === "model" && r.score !== undefined) {
      var label = term("labels", r.id);
      item.appendChild(el("strong", label.name));
      item.appendChild(el("span", " " + percent(r.score), "score"));
      var bands = "holds at " + percent(r.hold) + ", rejects at " + percent(r.reject);
      item.appendChild(el("span", r.action ? " — " + ACTION_WORDS[r.action] + " (" + bands + ")"
        : " — below the hold line (" + bands + ")", "band"));
      if (label.explanation) { item.appendChild(el("div", label.explanation, "explain")); }
      return item;
    }
    var rule = term("rules", r.id);
    item.appendChild(el("strong", rule.name));
    if (r.action) { item.appendChild(el("span", " — " + (ACTION_WORDS[r.action] || r.action), "band")); }
    // The glossary explains the rule; the hit's own message says what it matched.
    var words = [rule.explanation, r.message && r.message !== rule.explanation ? r.message : ""]
      .filter(Boolean).join(" · ");
    if (words) { item.appendChild(el("div", words, "explain")); }
    return item;
  }

  var ROUTING_WORDS = {
    served: "a model for this language decided",
    uncertain: "too short or unsure to tell: the default model decided",
    unsupported: "no model serves this language"
  };

  /** "French" for "fr" where the browser knows the name, else the code itself. */
  function languageName(code) {
    try {
      return new Intl.DisplayNames(["en"], { type: "language" }).of(code) || code;
    } catch (e) { return code; }
  }

  /** Which language the comment was routed by, and which model decided (verdict.language, .model). */
  function decidedBy(d) {
    var line = $("d-decided-by");
    var lang = d.language;
    line.hidden = !lang && !d.model;
    if (line.hidden) { return; }
    var parts = [];
    if (lang) {
      parts.push("Language: " + languageName(lang.code) + " (" + lang.code + ", " +
        percent(lang.confidence) + " sure) — " + (ROUTING_WORDS[lang.routing] || lang.routing));
    }
    parts.push("Model: " + (d.model || "none"));
    line.textContent = parts.join(" · ");
  }

  function renderDetail() {
    var d = state.detail;
    closePicker();
    $("detail-body").hidden = false;
    $("d-id").textContent = "#" + d.id;
    $("d-article").textContent = d.article_id;
    setTime($("d-time"), d.created_at);
    $("d-status").textContent = d.status;
    $("d-told").textContent = d.reason_code
      ? "(author told: " + term("public_codes", d.reason_code).name.toLowerCase() + ")" : "";
    $("d-version").textContent = d.version;
    $("d-severity").textContent = "severity " + d.severity.toFixed(1);
    $("d-severity").title = "Top model score, +1 per rejecting rule, +0.5 per holding rule, " +
      "+0.25 per unit of report weight; the queue adds 1 per day waited";
    $("d-claim").hidden = true;
    // Surge protection: the article pre-moderates itself for now, and why (docs/sites.md).
    var surge = d.article_surge;
    $("d-surge").hidden = !surge;
    $("d-surge").textContent = surge
      ? surge.summary + (surge.pinned ? " (pinned by a moderator)" : "") : "";
    var parent = d.parent;
    $("d-parent").hidden = !parent;
    if (parent) {
      $("d-parent-author").textContent = parent.author.name;
      $("d-parent-author").title = parent.author.id;
      setTime($("d-parent-time"), parent.created_at);
      $("d-parent-status").textContent = parent.status;
      $("d-parent-text").textContent = parent.text;
    }
    $("d-author-name").textContent = d.author.name;
    $("d-author-id").textContent = d.author.id;
    highlighted(d.text, d.reasons);
    decidedBy(d);
    var reasons = $("d-reasons"); clear(reasons);
    // The reasons that set the outcome first, then the rest.
    d.reasons.filter(function (r) { return r.action; }).concat(
      d.reasons.filter(function (r) { return !r.action; })).forEach(function (r) {
      reasons.appendChild(reasonItem(r));
    });
    if (!d.reasons.length) { reasons.appendChild(el("li", "No reasons recorded (not scored yet).")); }
    $("d-reports-box").hidden = d.reports.length === 0;
    $("d-report-weight").textContent = "(weight " + d.report_weight.toFixed(1) + (d.hidden ? ", hidden from readers" : "") + ")";
    var reports = $("d-reports"); clear(reports);
    d.reports.forEach(function (r) {
      var item = el("li");
      item.appendChild(el("strong", term("report_reasons", r.reason).name));
      if (r.note) { item.appendChild(document.createTextNode(": " + r.note)); }
      var by = el("span", " · " + (r.verified ? "verified reader" : "anonymous") + " · " +
        ago(r.created_at) + " · weight " + r.weight.toFixed(2) +
        (r.outcome ? " · " + r.outcome : ""), "muted");
      by.title = (r.verified ? "reader " : "anonymous reader (one per address) ") + r.reader_id;
      item.appendChild(by);
      reports.appendChild(item);
    });
    var author = d.author_history;
    $("d-author").textContent = d.author.name;
    $("d-author").title = d.author.id;
    var counts = Object.keys(author.counts).map(function (k) { return author.counts[k] + " " + k; });
    $("d-author-standing").textContent = "Standing: " + author.status +
      (author.reason ? " (" + author.reason + ")" : "") + " · " + (counts.join(", ") || "no comments");
    var recent = $("d-author-recent"); clear(recent);
    author.recent.filter(function (c) { return c.id !== d.id; }).slice(0, 5).forEach(function (c) {
      var item = el("li");
      item.appendChild(el("span", c.status, "status"));
      item.appendChild(document.createTextNode(" " + ago(c.created_at) + " · " + c.text));
      recent.appendChild(item);
    });
    // The texts its author replaced by editing it, oldest first, each as it stood then.
    var versions = $("d-versions"); clear(versions);
    $("d-versions-box").hidden = !d.versions.length;
    $("d-versions-label").textContent = "Edited by its author: " + d.versions.length +
      " earlier text" + (d.versions.length === 1 ? "" : "s");
    d.versions.forEach(function (v) {
      var item = el("li");
      item.appendChild(el("span", v.status + (v.reason_code ? " (" + term("public_codes", v.reason_code).name + ")" : "") +
        " · replaced " + fullTime(v.replaced_at), "muted"));
      var quote = el("blockquote", v.text);
      quote.setAttribute("dir", "auto");
      item.appendChild(quote);
      versions.appendChild(item);
    });
    var audit = $("d-audit"); clear(audit);
    d.audit.forEach(function (a) {
      audit.appendChild(el("li", fullTime(a.created_at) + " · " + a.actor + " (" + a.actor_type +
        "): " + (a.from_status || "new") + " → " + a.to_status +
        (a.reason_code ? " (" + term("public_codes", a.reason_code).name + ")" : "") +
        (a.note ? " — " + a.note : "")));
    });
    $("undo").hidden = !(state.lastDecision && state.lastDecision.id === d.id);
  }

  /* Decisions */
  function decide(action) {
    // A key pressed while the comment is still loading acts on it once loaded, never on the
    // version shown before (that would only earn a 409).
    (state.loading || Promise.resolve()).then(function () { decideLoaded(action); });
  }

  /** Ask which reason, then `then(code)`: a rejection always needs one. */
  function askReason(then) {
    state.picking = then;
    $("reason-picker").hidden = false;
    toast("");
    var first = document.querySelector("#picker-options button");
    if (first) { first.focus(); }
  }

  function closePicker() {
    state.picking = null;
    $("reason-picker").hidden = true;
  }

  function picked(code) {
    var then = state.picking;
    $("reason-code").value = code;
    closePicker();
    if (then) { then(code); }
  }

  function decideLoaded(action) {
    var d = state.detail, item = state.items[state.index];
    if (!d || !item || item.done || item.id !== d.id) { return; }
    var reason = $("reason-code").value || null;
    if (action === "reject" && !reason) {
      askReason(function () { decideLoaded("reject"); });
      return;
    }
    if (action === "approve" && d.status === "approved" && d.spot_check &&
        d.spot_check.outcome === null) {
      keepSpotChecked(d, item);  // a spot check: approving it keeps it published
      return;
    }
    var body = { action: action, version: d.version, reason_code: reason,
                 note: $("note").value || null };
    api("POST", "/v1/review/comments/" + d.id + "/decision", body).then(function (answer) {
      if (!answer.ok) {
        toast(answer.status === 409 ? "Someone decided this first: " + answer.body.message
          : answer.body.message);
        loadDetail(d.id, false);
        return;
      }
      item.done = (action === "approve" ? "approved" : "rejected") + " by you" +
        (reason ? " · " + term("reason_codes", reason).name : "");
      if (state.claimed === d.id) { state.claimed = null; }
      state.lastDecision = { id: d.id, version: answer.body.version, position: state.index };
      $("note").value = "";
      $("reason-code").value = "";  // the next comment starts with no reason chosen
      toast("#" + d.id + " " + answer.body.status + " — press u to undo");
      refreshCounts();
      var next = state.items.findIndex(function (it, i) { return i > state.index && !it.done; });
      move(next === -1 ? state.index : next);
    });
  }

  /** A spot-checked comment the moderator leaves published: a label, not a decision. */
  function keepSpotChecked(d, item) {
    api("POST", "/v1/spot-checks/" + d.id + "/keep", {}).then(function (answer) {
      if (!answer.ok) { toast(answer.body.message); loadDetail(d.id, false); return; }
      item.done = "kept by you";
      toast("#" + d.id + " stays published");
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
    var reason = $("reason-code").value || null;
    if (action === "reject" && !reason) {
      askReason(function () { bulk("reject"); });
      return;
    }
    var body = { action: action, ids: ids };
    if (reason) { body.reason_code = reason; }
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
      $("reason-code").value = "";
      loadQueue(true);
    });
  }

  /* Keys */
  function reasonForKey(key) {
    var position = /^[1-9]$/.test(key) ? Number(key) - 1 : -1;
    return position >= 0 && position < state.reasonOrder.length ? state.reasonOrder[position] : null;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (state.picking) {
      var code = reasonForKey(event.key);
      if (code) { event.preventDefault(); picked(code); return; }
      if (event.key === "Escape") { event.preventDefault(); closePicker(); toast("Not rejected: no reason chosen."); return; }
      closePicker();  // any other key: the moderator moved on
    }
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
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); return; }
    var chosen = reasonForKey(event.key);
    if (chosen) { event.preventDefault(); $("reason-code").value = chosen; }
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
    document.addEventListener("keydown", onKey);
    window.addEventListener("pagehide", function () { if (token()) { releaseClaim(null); } });
    start();
  });
})();
