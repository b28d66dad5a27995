/*
 * Comment widget of the moderation service. A newsroom embeds it with one tag:
 *
 *   <script src="https://moderation.example/widget.js" data-article-id="..." async></script>
 *
 * Optional attributes: data-target (id of the element to render into; default: right after
 * the script), data-api-base (default: where the script came from), data-page-size (1-100).
 *
 * Hand-written and dependency-free; there is no build step. Everything that comes from the
 * server or from a reader is inserted with textContent, never as HTML. The widget lives in a
 * shadow root, so the page's styles and the widget's do not touch each other; the page can set
 * --mw-accent, --mw-text, --mw-muted, --mw-font on the widget's host to match its look.
 */
(function () {
  "use strict";

  var LIMITS = {"maxLength": 5000, "maxNameLength": 100};
  var DEFAULT_PAGE_SIZE = 20;
  var POLL_FIRST_MS = 1000;
  var POLL_FACTOR = 1.6;
  var POLL_MAX_MS = 30000;
  var POLL_GIVE_UP_MS = 30 * 60 * 1000;
  var KEEP_OWN_MS = 7 * 24 * 3600 * 1000;
  var STORE = "moderation-widget:";

  var STATUS_LABEL = {
    pending: "Awaiting moderation",
    approved: "Published",
    held: "Held for review",
    rejected: "Not published"
  };

  // Short and kind: what happened to the reader's comment and what they can do. Keyed by
  // "status:reason_code", then "status:*".
  var EXPLAIN = {
    "pending:*": "Thanks! Every comment is checked before it appears. This usually takes a few seconds.",
    "held:awaiting_review": "A moderator will read your comment before it appears. Only you can see it until then.",
    "held:links": "Comments with links are read by a moderator before they appear, to keep spam out. Only you can see it until then.",
    "held:toxic_language": "Some of the wording may come across as hurtful, so a moderator will read your comment before it appears. Only you can see it until then.",
    "held:offensive_language": "Some of the wording may go against our community guidelines, so a moderator will read your comment before it appears. Only you can see it until then.",
    "held:premoderation": "Comments here are read by a moderator before they appear. Only you can see it until then.",
    "held:personal_data": "Your comment seems to include an e-mail address or a phone number, so a moderator will read it before it appears. Only you can see it until then.",
    "held:duplicate": "This looks like a comment you posted a moment ago, so a moderator will read it before it appears.",
    "held:too_fast": "You are posting very quickly, so a moderator will read this comment before it appears. Please take a breath between comments.",
    "held:shouting": "Comments written mostly in capitals are read by a moderator before they appear. Only you can see it until then.",
    "held:noise": "Your comment repeats some characters or words many times, so a moderator will read it before it appears.",
    "held:length": "A moderator will read your comment before it appears, because of its length. Only you can see it until then.",
    "held:*": "A moderator will read your comment before it appears. Only you can see it until then.",
    "rejected:offensive_language": "Your comment was not published because it uses language our community guidelines do not allow. You are welcome to rephrase it and post again.",
    "rejected:toxic_language": "Your comment was not published because it may come across as hurtful to others. You are welcome to make your point in other words.",
    "rejected:links": "Your comment was not published because of the links in it. You are welcome to post it again without them.",
    "rejected:abusive": "A moderator did not publish your comment because it reads as a personal attack. Disagreement is welcome; please keep it civil.",
    "rejected:spam": "A moderator did not publish your comment because it looks like advertising or spam.",
    "rejected:off_topic": "A moderator did not publish your comment because it is not about this article.",
    "rejected:personal_data": "A moderator did not publish your comment because it shares someone's personal details.",
    "rejected:illegal": "A moderator did not publish your comment because it may break the law.",
    "rejected:comments_closed": "Comments on this article are closed, so your comment was not published.",
    "rejected:author_banned": "Your comment was not published: this account can no longer post comments here.",
    "rejected:*": "Your comment was not published because it does not meet our community guidelines. You are welcome to try again."
  };

  var STYLES = [
    ":host { all: initial; display: block;",
    "  font-family: var(--mw-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);",
    "  font-size: 16px; line-height: 1.5; color: var(--mw-text, #1f2328); }",
    "*, *::before, *::after { box-sizing: border-box; }",
    ".widget { margin: 0; }",
    ".head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; margin: 0 0 16px; }",
    "h2 { margin: 0; font-size: 1.4em; line-height: 1.2; }",
    "h3 { margin: 0 0 10px; font-size: 1.05em; }",
    ".order { display: inline-flex; border: 1px solid #c8ccd1; border-radius: 6px; overflow: hidden; }",
    ".order button { border: 0; border-radius: 0; background: transparent; color: inherit; padding: 6px 12px; font-weight: 500; }",
    ".order button + button { border-left: 1px solid #c8ccd1; }",
    ".order button[aria-pressed='true'] { background: var(--mw-accent, #14213d); color: #fff; }",
    "button { font: inherit; font-size: 0.95em; cursor: pointer; border-radius: 6px; }",
    "button:disabled { cursor: default; opacity: 0.6; }",
    ":focus-visible { outline: 3px solid var(--mw-focus, #2563eb); outline-offset: 2px; }",
    "form { margin: 0 0 24px; padding: 16px; background: #f6f7f9; border: 1px solid #e1e4e8; border-radius: 8px; }",
    ".reply-form { margin: 12px 0 8px; }",
    ".field { margin: 0 0 12px; }",
    "label { display: block; margin: 0 0 4px; font-weight: 600; font-size: 0.95em; }",
    "input, textarea { display: block; width: 100%; font: inherit; color: inherit; background: #fff;",
    "  border: 1px solid #b8bec6; border-radius: 6px; padding: 8px 10px; }",
    "input { max-width: 320px; }",
    "textarea { min-height: 96px; resize: vertical; }",
    "[aria-invalid='true'] { border-color: #b42318; }",
    ".meta { display: flex; justify-content: space-between; gap: 12px; margin-top: 4px; font-size: 0.85em; color: var(--mw-muted, #57606a); }",
    ".counter { white-space: nowrap; }",
    ".counter.over { color: #b42318; font-weight: 600; }",
    ".error { margin: 0 0 12px; color: #b42318; font-weight: 500; }",
    ".actions { display: flex; gap: 8px; align-items: center; }",
    ".primary { background: var(--mw-accent, #14213d); color: #fff; border: 1px solid transparent; padding: 8px 16px; font-weight: 600; }",
    ".secondary, .more { background: #fff; color: inherit; border: 1px solid #b8bec6; padding: 7px 14px; }",
    ".link { background: none; border: 0; padding: 2px 0; color: var(--mw-accent, #14213d); font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }",
    "ol { list-style: none; margin: 0; padding: 0; }",
    ".comment { margin: 0; }",
    ".comment > article { padding: 14px 0; border-top: 1px solid #e1e4e8; }",
    ".comment > article:focus { outline: none; }",
    ".comment > article:focus-visible { outline: 3px solid var(--mw-focus, #2563eb); }",
    ".replies { margin-left: 22px; padding-left: 16px; border-left: 2px solid #e1e4e8; }",
    ".replies .replies .replies { margin-left: 0; }",
    ".byline { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; margin: 0 0 4px; font-size: 0.9em; }",
    ".author { font-weight: 700; }",
    ".you { font-size: 0.8em; padding: 0 6px; border-radius: 4px; background: #e7ecf3; }",
    "time { color: var(--mw-muted, #57606a); }",
    ".text { margin: 0 0 6px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".own > article { padding-left: 12px; border-left: 4px solid #c8ccd1; }",
    ".own[data-status='pending'] > article { border-left-color: #9a6700; background: #fff8e5; }",
    ".own[data-status='held'] > article { border-left-color: #9a6700; background: #fff8e5; }",
    ".own[data-status='rejected'] > article { border-left-color: #b42318; background: #fdf0ee; }",
    ".own[data-status='approved'] > article { border-left-color: #1a7f37; }",
    ".badge { font-size: 0.8em; font-weight: 600; padding: 1px 8px; border-radius: 999px; background: #fff1c2; color: #6b4a00; }",
    "[data-status='rejected'] .badge { background: #ffd8d3; color: #8a1c12; }",
    "[data-status='approved'] .badge { background: #dafbe1; color: #116329; }",
    ".explain { margin: 0 0 6px; font-size: 0.92em; color: #3d444d; }",
    ".empty, .loading, .load-error { color: var(--mw-muted, #57606a); margin: 12px 0; }",
    ".more { display: block; margin: 16px auto 0; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",
    "[hidden] { display: none !important; }"
  ].join("\n");

  // ---- small helpers -------------------------------------------------------------------

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var name;
    for (name in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, name)) continue;
      var value = attrs[name];
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function randomId() {
    var cryptoApi = window.crypto || window.msCrypto;
    if (cryptoApi && cryptoApi.randomUUID) return cryptoApi.randomUUID();
    var bytes = new Uint8Array(16);
    if (cryptoApi && cryptoApi.getRandomValues) cryptoApi.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // localStorage can be missing or throw (privacy modes); the widget then forgets on reload.
  var memoryStore = {};
  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(STORE + key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : fallback;
    }
  }
  function save(key, value) {
    memoryStore[key] = value;
    try { window.localStorage.setItem(STORE + key, JSON.stringify(value)); } catch (e) { /* memory only */ }
  }

  /** The reader's id and name, kept per browser so their comments carry the same author. */
  function author() {
    var known = load("author", null);
    if (!known || typeof known.id !== "string" || !known.id) {
      known = { id: "reader-" + randomId(), name: known && known.name ? known.name : "" };
      save("author", known);
    }
    return known;
  }

  /** Length as the server counts it: code points, not UTF-16 units. */
  function length(text) {
    return Array.from(text).length;
  }

  function parseDate(value) {
    if (!value) return null;
    // The API may send a time without an offset; it is UTC.
    var text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z";
    var date = new Date(text);
    return isNaN(date.getTime()) ? null : date;
  }

  function timeElement(value) {
    var date = parseDate(value);
    if (!date) return null;
    var full = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    return el("time", { datetime: date.toISOString(), title: full, text: relative(date, full) });
  }

  function relative(date, full) {
    var seconds = Math.round((date.getTime() - Date.now()) / 1000);
    if (!window.Intl || !Intl.RelativeTimeFormat || Math.abs(seconds) > 7 * 86400) return full;
    var format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    var steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [Infinity, "day"]];
    var unit = 1;
    for (var i = 0; i < steps.length; i++) {
      if (Math.abs(seconds) < steps[i][0]) {
        if (steps[i][1] === "second") return format.format(0, "second");
        return format.format(Math.round(seconds / unit), steps[i][1]);
      }
      unit = steps[i][0];
    }
    return full;
  }

  function explanation(status, reason) {
    return EXPLAIN[status + ":" + reason] || EXPLAIN[status + ":*"] || "";
  }

  // ---- the API, over HTTP --------------------------------------------------------------

  function Api(base) {
    this.base = base.replace(/\/+$/, "") + "/";
  }
  Api.prototype.request = function (method, path, body, headers) {
    var options = { method: method, headers: headers || {}, credentials: "omit", mode: "cors" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var url = /^https?:/.test(path) ? path : this.base + path;
    return window.fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || "HTTP " + response.status);
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  };
  Api.prototype.page = function (articleId, cursor, limit, order) {
    var query = "?limit=" + limit + (order === "newest" ? "&order=newest" : "") +
      (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    return this.request("GET", "v1/articles/" + encodeURIComponent(articleId) + "/comments" + query);
  };
  Api.prototype.post = function (articleId, body, key) {
    return this.request("POST", "v1/articles/" + encodeURIComponent(articleId) + "/comments",
      body, { "Idempotency-Key": key });
  };
  Api.prototype.status = function (id) {
    return this.request("GET", "v1/comments/" + encodeURIComponent(id));
  };

  // ---- the widget ----------------------------------------------------------------------

  var formCount = 0;

  function Widget(host, options) {
    this.api = new Api(options.apiBase);
    this.articleId = options.articleId;
    this.pageSize = options.pageSize;
    this.order = load("order", "oldest") === "newest" ? "newest" : "oldest";
    this.cursor = null;        // the server's next_cursor for the chosen order
    this.shown = {};           // comment id -> its <li>, so nothing shows twice
    this.replyForm = null;
    this.generation = 0;       // bumped on reorder; late answers of the old order are dropped
    this.host = host;
    this.root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    this.build();
    this.restoreOwn();
    this.reload();
  }

  Widget.prototype.build = function () {
    var self = this;
    this.addStyles();
    this.live = el("div", { className: "sr-only", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    this.orderButtons = {
      oldest: el("button", { type: "button", text: "Oldest first", onclick: function () { self.setOrder("oldest"); } }),
      newest: el("button", { type: "button", text: "Newest first", onclick: function () { self.setOrder("newest"); } })
    };
    this.list = el("ol", { className: "comments", "aria-label": "Comments", "aria-busy": "true" });
    this.ownList = el("ol", { className: "comments own-comments", "aria-label": "Your recent comments", hidden: true });
    this.status = el("p", { className: "loading", text: "Loading comments…" });
    this.more = el("button", { type: "button", className: "more", hidden: true, text: "Load more comments",
      onclick: function () { self.loadMore(); } });
    this.root.appendChild(el("section", { className: "widget", "aria-labelledby": "mw-title" }, [
      el("div", { className: "head" }, [
        el("h2", { id: "mw-title", text: "Comments" }),
        el("div", { className: "order", role: "group", "aria-label": "Order of comments" },
          [this.orderButtons.oldest, this.orderButtons.newest])
      ]),
      this.form(null),
      this.live,
      this.ownList,
      this.list,
      this.status,
      this.more
    ]));
    this.markOrder();
  };

  /** Constructed stylesheets where the browser has them: a page's CSP that forbids inline
   * <style> does not block those. */
  Widget.prototype.addStyles = function () {
    if (this.root !== this.host && "adoptedStyleSheets" in this.root && window.CSSStyleSheet) {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLES);
        this.root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) { /* older browser: fall back to a <style> element */ }
    }
    this.root.appendChild(el("style", { text: STYLES }));
  };

  Widget.prototype.announce = function (message) {
    var live = this.live;
    live.textContent = "";
    // A fresh text node after a tick, so the same message twice is read twice.
    window.setTimeout(function () { live.textContent = message; }, 50);
  };

  Widget.prototype.markOrder = function () {
    this.orderButtons.oldest.setAttribute("aria-pressed", String(this.order === "oldest"));
    this.orderButtons.newest.setAttribute("aria-pressed", String(this.order === "newest"));
  };

  Widget.prototype.setOrder = function (order) {
    if (order === this.order) return;
    this.order = order;
    save("order", order);
    this.markOrder();
    this.reload(order === "newest" ? "Showing newest comments first." : "Showing oldest comments first.");
  };

  // ---- reading the published comments ----

  Widget.prototype.reload = function (message) {
    var self = this;
    var generation = ++this.generation;
    this.closeReply();
    this.list.setAttribute("aria-busy", "true");
    this.more.hidden = true;
    this.cursor = null;
    Object.keys(this.shown).forEach(function (id) {
      var item = self.shown[id];
      if (!item.classList.contains("own")) delete self.shown[id];
      // The reader's own reply leaves with its parent; keep it on screen, at the top.
      else if (self.list.contains(item)) self.ownList.appendChild(item);
    });
    this.ownList.hidden = !this.ownList.children.length;
    this.list.textContent = "";
    this.showStatus("loading", "Loading comments…");
    this.api.page(this.articleId, null, this.pageSize, this.order).then(function (page) {
      if (generation !== self.generation) return;
      self.append(page.comments, page.next_cursor);
      if (message) self.announce(message);
    }, function () {
      if (generation !== self.generation) return;
      self.loadFailed(function () { self.reload(message); });
    });
  };

  Widget.prototype.loadMore = function () {
    var self = this;
    var generation = this.generation;
    this.more.disabled = true;
    this.list.setAttribute("aria-busy", "true");
    this.api.page(this.articleId, this.cursor, this.pageSize, this.order).then(function (page) {
      if (generation !== self.generation) return;
      self.focusFirst(self.append(page.comments, page.next_cursor));
    }, function () {
      if (generation !== self.generation) return;
      self.loadFailed(function () { self.loadMore(); });
    });
  };

  Widget.prototype.focusFirst = function (item) {
    if (item) {
      var article = item.querySelector("article");
      article.focus();
    }
    this.announce(item ? "More comments loaded." : "No more comments.");
  };

  /** Show a page of threads; return the first new <li>, if any. */
  Widget.prototype.append = function (threads, nextCursor) {
    var self = this;
    var first = null;
    (threads || []).forEach(function (thread) {
      var item = self.renderThread(thread);
      if (item) {
        self.list.appendChild(item);
        first = first || item;
      }
    });
    this.adoptOwnReplies();
    this.cursor = nextCursor;
    this.more.hidden = !nextCursor;
    this.more.disabled = false;
    this.list.setAttribute("aria-busy", "false");
    var any = this.list.children.length || this.ownList.children.length;
    if (any) this.hideStatus();
    else this.showStatus("empty", "No comments yet. Start the conversation.");
    return first;
  };

  /** The reader's own replies wait at the top until their parent is on screen; then they move. */
  Widget.prototype.adoptOwnReplies = function () {
    var self = this;
    Array.prototype.slice.call(this.ownList.children).forEach(function (item) {
      var parent = self.shown[item.getAttribute("data-parent-id")];
      if (parent && parent !== item) self.repliesOf(parent).appendChild(item);
    });
    this.ownList.hidden = !this.ownList.children.length;
  };

  Widget.prototype.loadFailed = function (retry) {
    var self = this;
    this.list.setAttribute("aria-busy", "false");
    this.more.disabled = false;
    this.status.hidden = false;
    this.status.className = "load-error";
    this.status.textContent = "";
    this.status.appendChild(document.createTextNode("Comments could not be loaded. "));
    this.status.appendChild(el("button", { type: "button", className: "link", text: "Try again",
      onclick: function () { self.hideStatus(); retry(); } }));
    this.announce("Comments could not be loaded.");
  };

  Widget.prototype.showStatus = function (kind, text) {
    this.status.hidden = false;
    this.status.className = kind;
    this.status.textContent = text;
  };

  Widget.prototype.hideStatus = function () {
    this.status.hidden = true;
  };

  /** A published comment with its published replies; null if it is already on screen. */
  Widget.prototype.renderThread = function (comment) {
    var self = this;
    var existing = this.shown[comment.id];
    if (existing) {
      // The reader's own comment, now published: it stays where it is, and its replies join it.
      (comment.replies || []).forEach(function (reply) { self.addReply(existing, reply); });
      return null;
    }
    var item = this.renderComment(comment, false);
    (comment.replies || []).forEach(function (reply) { self.addReply(item, reply); });
    return item;
  };

  Widget.prototype.addReply = function (parentItem, reply) {
    var item = this.renderThread(reply);
    if (item) this.repliesOf(parentItem).appendChild(item);
  };

  Widget.prototype.repliesOf = function (item) {
    var replies = item.querySelector(":scope > ol.replies");
    if (!replies) {
      replies = el("ol", { className: "replies", "aria-label": "Replies" });
      item.appendChild(replies);
    }
    return replies;
  };

  Widget.prototype.renderComment = function (comment, own) {
    var self = this;
    var name = (comment.author && comment.author.name) || "Anonymous";
    var item = el("li", { className: own ? "comment own" : "comment", "data-comment-id": comment.id,
      "data-parent-id": comment.parent_id || null });
    var replyButton = el("button", { type: "button", className: "link reply", text: "Reply",
      "aria-label": "Reply to " + name, onclick: function () { self.openReply(item, comment.id, name, replyButton); } });
    var byline = el("p", { className: "byline" }, [
      el("span", { className: "author", text: name }),
      own ? el("span", { className: "you", text: "You" }) : null,
      timeElement(comment.created_at)
    ]);
    var article = el("article", { tabindex: "-1", "aria-label": "Comment by " + name }, [
      byline,
      el("p", { className: "text", text: comment.text }),
      el("div", { className: "actions" }, [replyButton])
    ]);
    item.appendChild(article);
    this.shown[comment.id] = item;
    return item;
  };

  // ---- writing ----

  /** The form for a new comment (parentId null) or a reply. */
  Widget.prototype.form = function (parentId, parentName) {
    var self = this;
    var n = ++formCount;
    var me = author();
    var nameInput = el("input", { id: "mw-name-" + n, name: "name", type: "text", autocomplete: "name",
      required: true, "aria-required": "true", maxlength: LIMITS.maxNameLength });
    nameInput.value = me.name || "";
    var counter = el("span", { id: "mw-count-" + n, className: "counter" });
    var hint = el("span", { id: "mw-hint-" + n, text: "Comments are checked before they appear." });
    var text = el("textarea", { id: "mw-text-" + n, name: "text", rows: "4", required: true,
      "aria-required": "true", "aria-describedby": "mw-hint-" + n + " mw-count-" + n });
    var error = el("p", { className: "error", role: "alert", hidden: true });
    var submit = el("button", { type: "submit", className: "primary", text: parentId ? "Post reply" : "Post comment" });
    var title = parentId ? "Reply to " + parentName : "Join the conversation";
    var form = el("form", { className: parentId ? "reply-form" : "compose", novalidate: true,
      "aria-labelledby": "mw-form-title-" + n }, [
      el("h3", { id: "mw-form-title-" + n, text: title }),
      el("div", { className: "field" }, [el("label", { "for": nameInput.id, text: "Your name" }), nameInput]),
      el("div", { className: "field" }, [
        el("label", { "for": text.id, text: parentId ? "Your reply" : "Your comment" }),
        text,
        el("div", { className: "meta" }, [hint, counter])
      ]),
      error,
      el("div", { className: "actions" }, [
        submit,
        parentId ? el("button", { type: "button", className: "secondary", text: "Cancel",
          onclick: function () { self.closeReply(true); } }) : null
      ])
    ]);
    var state = { busy: false, key: null };

    function count() {
      var used = length(text.value);
      var over = used - LIMITS.maxLength;
      counter.textContent = used + " / " + LIMITS.maxLength + " characters" + (over > 0 ? " (" + over + " too many)" : "");
      counter.classList.toggle("over", over > 0);
    }
    function fail(message, field) {
      error.textContent = message;
      error.hidden = false;
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    }
    text.addEventListener("input", function () {
      count();
      text.removeAttribute("aria-invalid");
      // Different words are a different comment: a new submission, a new key.
      if (!state.busy) state.key = null;
    });
    nameInput.addEventListener("input", function () {
      nameInput.removeAttribute("aria-invalid");
      if (!state.busy) state.key = null;
    });
    nameInput.addEventListener("change", function () {
      var me = author();
      me.name = nameInput.value.trim();
      save("author", me);
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && parentId) self.closeReply(true);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (state.busy) return;
      error.hidden = true;
      var name = nameInput.value.trim();
      var body = text.value.replace(/\s+$/, "");
      if (!name) return fail("Please enter your name.", nameInput);
      if (length(name) > LIMITS.maxNameLength) return fail("Please shorten your name to " + LIMITS.maxNameLength + " characters.", nameInput);
      if (!body.trim()) return fail("Please write a comment first.", text);
      if (length(body) > LIMITS.maxLength) {
        return fail("Your comment is " + length(body) + " characters long; the limit is " + LIMITS.maxLength + ". Please shorten it.", text);
      }
      var me = author();
      me.name = name;
      save("author", me);
      // One key per submission: a double click or a retry after a lost answer posts once.
      state.key = state.key || randomId();
      state.busy = true;
      submit.disabled = true;
      submit.textContent = "Posting…";
      self.api.post(self.articleId, { author: { id: me.id, name: name }, text: body, parent_id: parentId }, state.key)
        .then(function (answer) {
          state.key = null;
          text.value = "";
          count();
          self.posted({ id: answer.id, status: answer.status, reason_code: answer.reason_code,
            parent_id: answer.parent_id || parentId || null, created_at: answer.created_at,
            status_url: answer.status_url, author: { name: name }, text: body });
        }, function (problem) {
          fail(postError(problem), null);
          text.focus();
        })
        .then(function () {
          state.busy = false;
          submit.disabled = false;
          submit.textContent = parentId ? "Post reply" : "Post comment";
        });
    });
    count();
    form.focusFirst = function () { (nameInput.value ? text : nameInput).focus(); };
    return form;
  };

  function postError(problem) {
    if (!problem.status) return "We could not reach the comment service. Your text is still here; please try again.";
    if (problem.status === 413) return "Your comment is too long to send.";
    if (problem.status === 429) return "You are posting very quickly. Please wait a moment and try again.";
    if (problem.status >= 500) return "Something went wrong on our side. Your text is still here; please try again.";
    return "Your comment could not be posted: " + problem.message;
  }

  Widget.prototype.openReply = function (item, parentId, parentName, button) {
    this.closeReply();
    var form = this.form(parentId, parentName);
    form.mwOpener = button;
    item.querySelector("article").appendChild(form);
    this.replyForm = form;
    button.setAttribute("aria-expanded", "true");
    form.focusFirst();
  };

  Widget.prototype.closeReply = function (restoreFocus) {
    var form = this.replyForm;
    if (!form) return;
    this.replyForm = null;
    if (form.parentNode) form.parentNode.removeChild(form);
    form.mwOpener.setAttribute("aria-expanded", "false");
    if (restoreFocus) form.mwOpener.focus();
  };

  // ---- the reader's own comments: awaiting moderation, then decided ----

  Widget.prototype.posted = function (comment) {
    this.closeReply();
    var item = this.showOwn(comment);
    this.remember(comment);
    this.hideStatus();
    item.querySelector("article").focus();
    this.announce("Your comment was sent. " + STATUS_LABEL.pending + ".");
    this.poll(comment, POLL_FIRST_MS, Date.now());
  };

  /** Put the reader's comment on screen: under its parent if that is shown, else at the top. */
  Widget.prototype.showOwn = function (comment) {
    var item = this.renderComment(comment, true);
    var parent = comment.parent_id && this.shown[comment.parent_id];
    if (parent) this.repliesOf(parent).appendChild(item);
    else this.ownList.insertBefore(item, this.ownList.firstChild);
    this.ownList.hidden = !this.ownList.children.length;
    this.setOwnStatus(item, comment.status, comment.reason_code);
    return item;
  };

  Widget.prototype.setOwnStatus = function (item, status, reason) {
    var article = item.querySelector("article");
    item.setAttribute("data-status", status);
    var badge = article.querySelector(".badge");
    if (!badge) {
      badge = el("span", { className: "badge" });
      article.querySelector(".byline").appendChild(badge);
    }
    badge.textContent = STATUS_LABEL[status] || status;
    var explain = article.querySelector(".explain");
    var words = status === "approved" ? "" : explanation(status, reason || "");
    if (!explain) {
      explain = el("p", { className: "explain" });
      article.insertBefore(explain, article.querySelector(".actions"));
    }
    explain.textContent = words;
    explain.hidden = !words;
    // Only a published comment can be replied to.
    article.querySelector(".reply").hidden = status !== "approved";
  };

  Widget.prototype.poll = function (comment, delay, started) {
    var self = this;
    window.setTimeout(function () {
      if (document.hidden) {
        // Not while the tab is in the background; look again as soon as it is back.
        document.addEventListener("visibilitychange", function again() {
          document.removeEventListener("visibilitychange", again);
          self.poll(comment, 0, started);
        });
        return;
      }
      self.api.status(comment.id).then(function (answer) {
        self.decided(comment, answer.status, answer.reason_code);
        if (answer.status === "pending" || answer.status === "held") self.pollAgain(comment, delay, started);
      }, function (problem) {
        if (problem.status === 404) return self.vanished(comment);
        self.pollAgain(comment, delay, started);
      });
    }, delay);
  };

  Widget.prototype.pollAgain = function (comment, delay, started) {
    if (Date.now() - started > POLL_GIVE_UP_MS) return;
    var next = Math.min(POLL_MAX_MS, Math.max(POLL_FIRST_MS, delay * POLL_FACTOR));
    this.poll(comment, next, started);
  };

  Widget.prototype.decided = function (comment, status, reason) {
    if (status === comment.status && (reason || null) === (comment.reason_code || null)) return;
    comment.status = status;
    comment.reason_code = reason || null;
    var item = this.shown[comment.id];
    if (item) this.setOwnStatus(item, status, reason);
    if (status === "approved") {
      this.forget(comment.id);
      this.announce("Your comment is published.");
    } else {
      this.remember(comment);
      if (status === "held") this.announce("Your comment is held for review. " + explanation(status, reason || ""));
      if (status === "rejected") this.announce(explanation(status, reason || ""));
    }
  };

  /** The service no longer knows the comment (deleted, or another database): drop it. */
  Widget.prototype.vanished = function (comment) {
    var item = this.shown[comment.id];
    if (item && item.parentNode) item.parentNode.removeChild(item);
    delete this.shown[comment.id];
    this.forget(comment.id);
    this.ownList.hidden = !this.ownList.children.length;
  };

  // Own comments not yet published are kept per article, so a reload still shows them.
  Widget.prototype.remember = function (comment) {
    var own = load("own:" + this.articleId, []).filter(function (c) { return c.id !== comment.id; });
    own.push({ id: comment.id, parent_id: comment.parent_id, created_at: comment.created_at,
      author: comment.author, text: comment.text, status: comment.status,
      reason_code: comment.reason_code, saved_at: Date.now() });
    save("own:" + this.articleId, own);
  };

  Widget.prototype.forget = function (id) {
    save("own:" + this.articleId, load("own:" + this.articleId, []).filter(function (c) { return c.id !== id; }));
  };

  Widget.prototype.restoreOwn = function () {
    var self = this;
    var now = Date.now();
    var own = load("own:" + this.articleId, []);
    if (!Array.isArray(own)) own = [];
    own = own.filter(function (c) { return c && typeof c.id === "number" && now - (c.saved_at || 0) < KEEP_OWN_MS; });
    save("own:" + this.articleId, own);
    own.forEach(function (comment) {
      // Replies go at the top here: their parents are not on screen yet.
      self.showOwn(comment);
      if (comment.status !== "rejected") self.poll(comment, 0, now);
    });
  };

  // ---- start ----

  function mount(script) {
    if (!script || script.getAttribute("data-moderation-mounted")) return;
    script.setAttribute("data-moderation-mounted", "true");
    var articleId = script.getAttribute("data-article-id");
    if (!articleId) {
      if (window.console) console.error("moderation widget: the script tag needs data-article-id");
      return;
    }
    var targetId = script.getAttribute("data-target");
    var host = targetId && document.getElementById(targetId);
    if (!host) {
      host = document.createElement("div");
      if (script.parentNode && script.parentNode !== document.head) script.parentNode.insertBefore(host, script.nextSibling);
      else document.body.appendChild(host);
    }
    host.className = (host.className ? host.className + " " : "") + "moderation-comments";
    var size = parseInt(script.getAttribute("data-page-size") || "", 10);
    new Widget(host, {
      articleId: articleId,
      apiBase: script.getAttribute("data-api-base") || new URL(".", script.src).href,
      pageSize: size >= 1 && size <= 100 ? size : DEFAULT_PAGE_SIZE
    });
  }

  var current = document.currentScript;
  if (current && current.src) {
    mount(current);
  } else {
    Array.prototype.forEach.call(document.querySelectorAll("script[data-article-id][src]"), function (script) {
      if (/\/widget\.js(\?|#|$)/.test(script.src)) mount(script);
    });
  }
})();
