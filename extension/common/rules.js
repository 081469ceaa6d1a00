// The one engine that runs site rules. A rule is data (JSON): which elements are messages, whose
// they are, where the reply editor is. The built-in adapters (content/adapters.js) are rules written
// by hand; rules taught on a page (common/learn.js) have the same fields and are stored per origin
// and path. Reads the document it is given, changes nothing; no chrome.*.
//
// Rule fields:
//   hosts      hostname regexes where the adapter applies without looking at the DOM (built-ins)
//   detect     a DOM signature, so self-hosted installs (and our test fixtures) are recognised anywhere
//   origin + path
//              taught rules: the exact origin (port included) and a path pattern ("/tickets/*")
//   message    one element per message in the conversation
//   body       the text element inside a message (first alternative that matches; default: the message)
//   exclude    removed from the text: quoted replies, signatures, UI chrome
//   internal / agent / customer
//              the message has that role if it, or an element inside it, matches
//   sender + self
//              alternative for mail clients: the sender's address vs the signed-in user's
//   author + requester
//              alternative for ticket systems that mark authors only by who they are (Request
//              Tracker): {selector, attr?} of the author inside a message, and of the ticket's
//              requesters elsewhere on the page; a message whose author is a requester is the
//              customer's (attr: compare that attribute; without it, the text)
//   side       'left' | 'right': the customer's text sits on that side of its message row (chats
//              whose markup names nothing; the last resort, read from the layout)
//   defaultRole role when no rule matched ('unknown' is never badged)
//   editor     the reply editor (textarea or contenteditable)
//   thread     the conversation container; the thread summary goes at its top
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});


  const BLOCK = new Set(['P', 'DIV', 'LI', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE', 'SECTION', 'ARTICLE', 'UL', 'OL', 'TABLE']);
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'ATTUNE-HINT', 'ATTUNE-THREAD']);

  // "a, b" -> the first element matching a, else b: alternatives are listed in order of preference.
  function firstMatch(el, selector) {
    for (const alt of selector.split(/,(?![^[]*\])/)) {
      const found = el.querySelector(alt.trim());
      if (found) return found;
    }
    return null;
  }

  function matchesOrContains(el, selector) {
    if (!selector) return false;
    return el.matches(selector) || el.querySelector(selector) !== null;
  }

  // Text as a reader sees it (line breaks for blocks and <br>) without layout, minus excluded parts.
  function extractText(el, exclude) {
    const parts = [];
    const walk = (node) => {
      if (node.nodeType === 3) {
        parts.push(node.nodeValue);
        return;
      }
      if (node.nodeType !== 1) return;
      if (SKIP.has(node.nodeName) || (exclude && node.matches(exclude))) return;
      if (node.nodeName === 'BR') {
        parts.push('\n');
        return;
      }
      const block = BLOCK.has(node.nodeName);
      if (block) parts.push('\n');
      for (let c = node.firstChild; c; c = c.nextSibling) walk(c);
      if (block) parts.push('\n');
    };
    for (let c = el.firstChild; c; c = c.nextSibling) walk(c);
    return root.normalizeText(parts.join(''));
  }

  function selfAddress(adapter, doc) {
    if (!adapter.self) return null;
    const m = new RegExp(adapter.self.titleRegex).exec(doc.title || '');
    return m ? m[1].toLowerCase() : null;
  }

  function identity(el, attr) {
    return ((attr ? el.getAttribute(attr) : el.textContent) || '').trim().toLowerCase();
  }

  // The ticket's requesters, named outside the messages (a "Requestors:" box).
  function requesters(adapter, doc) {
    if (!adapter.author || !adapter.requester) return null;
    return new Set([...doc.querySelectorAll(adapter.requester.selector)].map((e) => identity(e, adapter.requester.attr)).filter(Boolean));
  }

  // 'left' or 'right': which side of its row a message's text sits on; null without layout
  // (hidden, or no rendering engine) or when it is centred.
  function sideOf(row, text) {
    if (typeof row.getBoundingClientRect !== 'function') return null;
    const r = row.getBoundingClientRect();
    const t = text.getBoundingClientRect();
    if (!r.width || !t.width) return null;
    const offset = (t.left + t.right) / 2 - (r.left + r.right) / 2;
    return Math.abs(offset) < r.width * 0.05 ? null : offset < 0 ? 'left' : 'right';
  }

  function roleOf(el, adapter, ctx = {}, anchor = el) {
    if (matchesOrContains(el, adapter.internal)) return 'internal';
    if (matchesOrContains(el, adapter.agent)) return 'agent';
    if (matchesOrContains(el, adapter.customer)) return 'customer';
    if (ctx.requesters && ctx.requesters.size) {
      const a = el.querySelector(adapter.author.selector);
      const who = a && identity(a, adapter.author.attr);
      if (who) return ctx.requesters.has(who) ? 'customer' : 'agent';
    }
    if (adapter.side) {
      const side = sideOf(el, anchor);
      if (side) return side === adapter.side ? 'customer' : 'agent';
    }
    if (adapter.sender && ctx.self) {
      const s = el.querySelector(adapter.sender.selector);
      const addr = s && (s.getAttribute(adapter.sender.attr) || '').toLowerCase();
      if (addr) return addr === ctx.self ? 'agent' : 'customer';
    }
    return adapter.defaultRole || 'unknown';
  }

  // "/tickets/*" -> matches "/tickets/42"; "*" stands for any run of characters.
  function pathMatches(pattern, pathname) {
    const re = String(pattern || '/*').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    return new RegExp(`^${re}$`).test(pathname);
  }

  function ruleApplies(rule, loc) {
    return rule.origin === loc.origin && pathMatches(rule.path, loc.pathname);
  }

  // The rule for this page (loc: {origin, hostname, pathname}): a taught rule for its origin and
  // path first, then a built-in one by hostname, then by DOM signature (self-hosted, fixtures).
  function pick(loc, doc, taught = []) {
    for (const r of taught) if (ruleApplies(r, loc)) return r;
    for (const a of root.ADAPTERS || []) if (a.hosts.some((h) => new RegExp(h, 'i').test(loc.hostname))) return a;
    for (const a of root.ADAPTERS || []) if (doc.querySelector(a.detect)) return a;
    return null;
  }

  // Messages in document order: {el, anchor (the body element the badge follows), role, text}.
  function findMessages(doc, adapter) {
    const ctx = { self: selfAddress(adapter, doc), requesters: requesters(adapter, doc) };
    const out = [];
    const seen = new Set();
    for (const el of doc.querySelectorAll(adapter.message)) {
      // Nested matches (a message inside a message) belong to the outer one.
      if (seen.has(el) || (el.parentElement && el.parentElement.closest(adapter.message))) continue;
      seen.add(el);
      const anchor = (adapter.body && firstMatch(el, adapter.body)) || el;
      out.push({ el, anchor, role: roleOf(el, adapter, ctx, anchor), text: extractText(anchor, adapter.exclude) });
    }
    return out;
  }

  // A message the page shows twice (a pinned first request, a preview beside the full text)
  // counts once, at its first place.
  function uniqueMessages(messages) {
    const seen = new Set();
    return messages.filter((m) => {
      const key = `${m.role}\n${m.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function findEditor(target, adapter) {
    return target && target.closest ? target.closest(adapter.editor) : null;
  }

  function editorText(editor) {
    if ('value' in editor && typeof editor.value === 'string') return root.normalizeText(editor.value);
    return extractText(editor, '');
  }

  const ROLES = ['customer', 'agent', 'internal', 'unknown'];
  const SELECTOR_FIELDS = ['message', 'body', 'exclude', 'internal', 'agent', 'customer', 'editor', 'thread'];

  // A taught or imported rule -> a clean copy, or an Error saying what is wrong. checkSelector
  // (where there is a DOM) throws on a selector the browser cannot parse.
  function validateRule(input, checkSelector = () => {}) {
    if (!input || typeof input !== 'object') throw new Error('A rule must be an object.');
    let origin;
    try {
      origin = new URL(input.origin).origin;
    } catch (_) {
      throw new Error(`Rule "${input.name || input.id}": origin must be an address such as https://help.example.com`);
    }
    if (!/^https?:/.test(origin) || origin !== input.origin) throw new Error(`Rule "${input.name || input.id}": origin must be http(s)://host[:port] exactly`);
    const path = typeof input.path === 'string' && input.path.startsWith('/') ? input.path : '/*';
    const rule = { id: String(input.id || `taught-${origin}${path}`).slice(0, 300), name: String(input.name || origin).slice(0, 100), origin, path };
    for (const f of SELECTOR_FIELDS) {
      if (input[f] === undefined) continue;
      if (typeof input[f] !== 'string' || !input[f].trim() || input[f].length > 1000) throw new Error(`Rule "${rule.name}": ${f} must be a CSS selector`);
      try {
        checkSelector(input[f]);
      } catch (_) {
        throw new Error(`Rule "${rule.name}": ${f} is not a valid selector: ${input[f]}`);
      }
      rule[f] = input[f];
    }
    for (const f of ['author', 'requester']) {
      const v = input[f];
      if (v === undefined) continue;
      if (!v || typeof v.selector !== 'string' || (v.attr !== undefined && !/^[\w-]+$/.test(v.attr))) throw new Error(`Rule "${rule.name}": ${f} must be {selector, attr?}`);
      try {
        checkSelector(v.selector);
      } catch (_) {
        throw new Error(`Rule "${rule.name}": ${f} is not a valid selector: ${v.selector}`);
      }
      rule[f] = v.attr ? { selector: v.selector, attr: v.attr } : { selector: v.selector };
    }
    if (Boolean(rule.author) !== Boolean(rule.requester)) throw new Error(`Rule "${rule.name}": author and requester go together`);
    if (!rule.message) throw new Error(`Rule "${rule.name}": message selector missing`);
    if (input.side === 'left' || input.side === 'right') rule.side = input.side;
    rule.defaultRole = ROLES.includes(input.defaultRole) ? input.defaultRole : 'unknown';
    return rule;
  }

  // The message a node belongs to under a rule, with its role, or null.
  function messageAt(node, rule, doc) {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    const container = el && el.closest(rule.message);
    if (!container) return null;
    return findMessages(doc, rule).find((m) => m.el === container || m.el.contains(container)) || null;
  }

  root.rules = { pick, validateRule, pathMatches, sideOf, findMessages, uniqueMessages, messageAt, findEditor, editorText, extractText, roleOf };
})();
