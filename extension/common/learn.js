// Teaching: from one clicked customer message (and optionally one agent reply or note, and the
// reply editor) derive a site rule in the format common/rules.js runs (as the built-in adapters are).
// Pure: reads the document it is given, changes nothing; no chrome.*. The picker UI is content/teach.js.
//
// What makes a rule survive other tickets of the same site: it names elements by their tag,
// semantic classes and attributes, never by generated ids, hashed class names, positions, or text.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});

  // Generated or state classes say nothing about what an element is.
  const HASHED_CLASS = /^(css|sc|jsx|svelte|emotion|styled|ng-tns|ember)-|\d{3,}|^[a-z]{1,3}\d|^_|[A-Za-z]+\d+[A-Za-z]+\d/;
  const STATE_CLASS = /^(is-|has-)?(active|selected|hover|focus(ed)?|expanded|collapsed|open|closed|hidden|visible|odd|even|first|last|new|unread|read|highlighted?)$/;
  // Attributes worth naming: data-* and a few semantic ones. Ids, styles, links and free text
  // (titles, labels with names in them) change from ticket to ticket.
  const SEMANTIC_ATTR = /^(data-[\w-]+|role|type|itemprop|itemtype|rel)$/;
  const VOLATILE_ATTR = /(^|-)(id|key|uid|uuid|index|idx|time|timestamp|date|ts|count|testid-\d)$/;
  // Names that say whose a message is; preferred when two features fit as well.
  const CUSTOMER_WORDS = /customer|requester|requestor|end-?user|user|client|contact|visitor|inbound|incoming|\bin\b|left|received/i;
  const WHO_WORDS = new RegExp(`${CUSTOMER_WORDS.source}|agent|staff|admin|operator|support|outbound|outgoing|\\bout\\b|right|sent|note|internal|private|whisper|author|sender|direction`, 'i');
  const REQUESTER_WORDS = /requester|requestor|customer|client|contact|end-?user/i;
  const NOTE_WORDS = /note|internal|private|whisper/i;
  // Quoted history, signatures and UI chrome are not the customer's words.
  const EXCLUDE = 'blockquote, .gmail_quote, [class*="quote"], [class*="signature"], button, svg, script, style, attune-hint';

  const TABLE_PARTS = new Set(['table', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th']);

  const cssEscape = (s) => (globalThis.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/[^\w-]/g, (c) => `\\${c}`));
  const attrValue = (v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`;

  function stableClasses(el) {
    return [...el.classList].filter((c) => /^[A-Za-z][\w-]*$/.test(c) && !HASHED_CLASS.test(c) && !STATE_CLASS.test(c));
  }

  function stableAttrs(el) {
    const out = [];
    for (const { name, value } of [...el.attributes]) {
      if (!SEMANTIC_ATTR.test(name) || VOLATILE_ATTR.test(name) || name.startsWith('data-attune')) continue;
      if (!value || value.length > 40 || /\d{3,}/.test(value) || /\s{2,}/.test(value)) continue;
      out.push(`[${name}=${attrValue(value)}]`);
    }
    return out;
  }

  function stableId(el) {
    const id = el.getAttribute('id');
    return id && /^[A-Za-z][\w-]*$/.test(id) && !/\d/.test(id) ? `#${cssEscape(id)}` : null;
  }

  // tag plus the given classes, e.g. "div.row.row-left"
  function tagged(el, classes) {
    return el.localName + classes.map((c) => `.${cssEscape(c)}`).join('');
  }

  // A selector for an element that should find it (and its kind) on other tickets, or null.
  function selectorFor(el, doc) {
    const id = stableId(el);
    if (id) return id;
    const classes = stableClasses(el);
    if (classes.length) return tagged(el, classes);
    const attrs = stableAttrs(el);
    if (attrs.length) return el.localName + attrs[0];
    const tag = el.localName;
    if (doc && doc.querySelectorAll(tag).length === 1) return tag;
    return null;
  }

  // Text of an element as the engine reads it (quotes and signatures left out).
  const textOf = (el) => root.rules.extractText(el, EXCLUDE);

  function ancestors(el, stop) {
    const out = [];
    for (let n = el; n && n !== stop && n.nodeType === 1; n = n.parentElement) out.push(n);
    return out;
  }

  // Siblings of the same kind: same tag and, when it has classes, one class in common.
  function likeSiblings(el) {
    const mine = new Set(stableClasses(el));
    const sibs = el.parentElement ? [...el.parentElement.children] : [];
    return sibs.filter((s) => s !== el && s.localName === el.localName && (!mine.size || stableClasses(s).some((c) => mine.has(c))));
  }

  // The message container of a clicked node. With an agent click: the two clicks' ancestors just
  // below their lowest common ancestor (the thread). Alone: the ancestor with the most siblings of
  // its own kind (a message list repeats; a paragraph inside one message repeats less), higher
  // ancestors winning ties.
  function containers(customerNode, agentNode, doc) {
    const body = doc.body || doc.documentElement;
    const up = ancestors(customerNode, body);
    if (agentNode) {
      const agentUp = ancestors(agentNode, body);
      const shared = new Set(agentUp);
      const i = up.findIndex((n) => shared.has(n));
      if (i > 0) {
        const thread = up[i];
        const c = up[i - 1];
        const a = agentUp[agentUp.indexOf(thread) - 1];
        if (a && a.localName === c.localName) return { customer: c, agent: a, thread };
      }
    }
    let best = null;
    let bestCount = 0;
    for (const n of up) {
      const count = likeSiblings(n).length;
      if (count >= bestCount && count > 0) {
        best = n;
        bestCount = count;
      }
    }
    const c = best || up[up.length - 1];
    const a = agentNode ? ancestors(agentNode, body).find((n) => n.parentElement === c.parentElement) || null : null;
    return { customer: c, agent: a, thread: c.parentElement };
  }

  // The text element inside a message: climbing from the click, stop below the level where a
  // different kind of element with text sits beside it (the header with name and date); sibling
  // paragraphs of the same kind are part of the text. Then the highest element with the same
  // text that has a nameable selector.
  function bodyOf(container, clicked) {
    let cur = clicked.nodeType === 1 ? clicked : clicked.parentElement;
    while (cur && cur.parentElement && cur.parentElement !== container) {
      const sig = tagged(cur, stableClasses(cur));
      const other = [...cur.parentElement.children].some(
        (s) => s !== cur && !s.matches(EXCLUDE) && tagged(s, stableClasses(s)) !== sig && textOf(s),
      );
      if (other) break;
      cur = cur.parentElement;
    }
    if (!cur || cur === container) return null;
    const text = textOf(cur);
    // Same text, walking down through single wrappers, up to the first one we can name (not a
    // table row or cell: the badge goes after the text element, which must not be a cell).
    for (let n = cur; n; n = n.children.length === 1 ? n.children[0] : null) {
      if (textOf(n) !== text) break;
      if (TABLE_PARTS.has(n.localName)) continue;
      const sel = stableClasses(n).length ? tagged(n, stableClasses(n)) : null;
      if (sel && container.querySelector(sel) === n) return sel;
    }
    const sel = stableClasses(cur).length ? tagged(cur, stableClasses(cur)) : cur.localName;
    return container.querySelector(sel) === cur ? sel : null;
  }

  // Selectors present on a message: its own classes and attributes and those of elements inside
  // it, except inside its text (formatting there varies per message).
  function features(container, bodyEl) {
    const out = new Set();
    const add = (el) => {
      for (const c of stableClasses(el)) out.add(`.${cssEscape(c)}`);
      for (const a of stableAttrs(el)) out.add(a);
    };
    add(container);
    for (const el of container.querySelectorAll('*')) {
      if (bodyEl && bodyEl !== el && bodyEl.contains(el)) continue;
      if (el.matches(EXCLUDE)) continue;
      add(el);
    }
    return out;
  }

  const has = (el, sel) => el.matches(sel) || el.querySelector(sel) !== null;

  // Each message leans customer or agent by how many of the two clicks' distinguishing features
  // it has; the best pair (customer selector, agent selector) reproduces those leanings on the
  // whole page, must put the two clicked messages on their sides, and never matches one message
  // twice. A feature only one message has (formatting, an attachment) outvoted by the real split
  // cannot win. Semantic names and naming both sides break ties.
  function bestSplit(all, custOnly, agentOnly, clicked) {
    const vote = (m) => custOnly.filter((f) => has(m, f)).length - agentOnly.filter((f) => has(m, f)).length;
    const lean = new Map(all.map((m) => [m, Math.sign(vote(m))]));
    lean.set(clicked.customer, 1);
    lean.set(clicked.agent, -1);
    let best = null;
    for (const c of [null, ...custOnly]) {
      for (const a of [null, ...agentOnly]) {
        if (!c && !a) continue;
        const side = (m) => {
          const isC = c ? has(m, c) : false;
          const isA = a ? has(m, a) : false;
          if (isC && isA) return 0;
          if (isC) return 1;
          if (isA) return -1;
          return c ? -1 : 1; // the unnamed side is "everything else"
        };
        if (side(clicked.customer) !== 1 || side(clicked.agent) !== -1) continue;
        if (all.some((m) => side(m) === 0)) continue;
        const agree = all.filter((m) => side(m) === lean.get(m)).length;
        const semantic = (c && WHO_WORDS.test(c) ? 1 : 0) + (a && WHO_WORDS.test(a) ? 1 : 0);
        const score = agree * 10 + semantic * 2 + (c && a ? 1 : 0) - ((c || '').length + (a || '').length) / 1000;
        if (!best || score > best.score) best = { c, a, score };
      }
    }
    return best;
  }

  // Ticket systems that mark a message's author only by who it is (Request Tracker: the same
  // markup for requester and staff): find an element in the customer's message whose value (an
  // attribute, else its text) differs in the agent's, and which the page also shows outside the
  // messages (the ticket's "Requestors" box). Customer = a message whose author is a requester.
  const IDENTITY_ATTR = /^(data-[\w-]*(user|author|sender|email|from|contact|id)[\w-]*|title)$/i;

  function authorSplit(cont, all, doc, bodySel) {
    const identity = (el, attr) => ((attr ? el.getAttribute(attr) : el.textContent) || '').trim().toLowerCase();
    const outside = [...doc.querySelectorAll('body *')].filter((e) => !all.some((m) => m.contains(e)));
    const body = bodySel ? cont.customer.querySelector(bodySel) : null;
    for (const e of cont.customer.querySelectorAll('*')) {
      if (body && body.contains(e)) continue;
      let slot = tagged(e, stableClasses(e));
      if (cont.customer.querySelector(slot) !== e && e.parentElement && stableClasses(e.parentElement).length) {
        slot = `${tagged(e.parentElement, stableClasses(e.parentElement))} ${slot}`;
      }
      if (cont.customer.querySelector(slot) !== e) continue;
      const twin = cont.agent.querySelector(slot);
      if (!twin) continue;
      const attrs = [...e.attributes].map((a) => a.name).filter((n) => IDENTITY_ATTR.test(n));
      for (const attr of [...attrs, null]) {
        const mine = identity(e, attr);
        const theirs = identity(twin, attr);
        if (!mine || mine === theirs || (!attr && (e.children.length > 1 || mine.length > 80))) continue;
        const named = outside.find((o) => o.localName === e.localName && identity(o, attr) === mine);
        if (!named) continue;
        // The requesters' box by its name where it has one ("requestors"), else the nearest named ancestor.
        const up = ancestors(named.parentElement, doc.body).filter((a) => stableClasses(a).length);
        const box = up.find((a) => stableClasses(a).some((c) => REQUESTER_WORDS.test(c))) || up[0];
        for (const anc of box ? [box] : []) {
          const classes = stableClasses(anc).sort((x, y) => Number(REQUESTER_WORDS.test(y)) - Number(REQUESTER_WORDS.test(x)));
          const sel = `${anc.localName}.${cssEscape(classes[0])} ${tagged(named, stableClasses(named))}`;
          const values = outside.filter((o) => o.matches(sel)).map((o) => identity(o, attr));
          if (values.includes(mine) && !values.includes(theirs)) {
            const pick = (selector) => (attr ? { selector, attr } : { selector });
            return { author: pick(slot), requester: pick(sel) };
          }
        }
      }
    }
    return null;
  }

  // The last resort, when nothing in the markup names a side (CSS-in-JS chats with generated
  // classes only): where the text sits in its message row. Needs layout, so only in a browser.
  function sideSplit(cont, bodySel) {
    const c = root.rules.sideOf(cont.customer, (bodySel && cont.customer.querySelector(bodySel)) || cont.customer);
    const a = root.rules.sideOf(cont.agent, (bodySel && cont.agent.querySelector(bodySel)) || cont.agent);
    return c && a && c !== a ? c : null;
  }

  // The last path segment names one ticket; the rule covers the part before it.
  function pathPattern(pathname) {
    const parts = String(pathname || '/').split('/').filter(Boolean);
    return parts.length > 1 ? `/${parts[0]}/*` : '/*';
  }

  function editorSelector(doc, picked) {
    const ed = picked || [...doc.querySelectorAll('textarea, [contenteditable="true"], [contenteditable=""]')].find((e) => !e.closest('attune-teach'));
    if (!ed) return undefined;
    const own = selectorFor(ed, doc);
    if (own) return own;
    const parent = ed.parentElement && selectorFor(ed.parentElement, doc);
    return parent ? `${parent} ${ed.localName}${ed.isContentEditable || ed.hasAttribute('contenteditable') ? '[contenteditable]' : ''}` : undefined;
  }

  // picks: {customer: Node, agent?: Node, editor?: Element}; where: {origin, pathname}.
  // -> a rule, or throws an Error whose message tells the agent what to do.
  function deriveRule(doc, picks, where) {
    if (!picks.customer) throw new Error('Click one customer message first.');
    const cont = containers(picks.customer, picks.agent, doc);
    if (picks.agent && (!cont.agent || cont.agent === cont.customer)) {
      throw new Error('That looks like the same message: click a reply or note from the agent.');
    }
    const bodySel = bodyOf(cont.customer, picks.customer);
    const threadSel = cont.thread && selectorFor(cont.thread, doc);
    // The message selector names what every message has in common: with an agent click, the
    // classes of both; alone, the classes the clicked message shares with its kind of siblings
    // if one of its features tells the customer's apart, else all of its own classes.
    const ownClasses = stableClasses(cont.customer);
    const selectorOf = (classes) =>
      classes.length ? tagged(cont.customer, classes) : threadSel ? `${threadSel} > ${cont.customer.localName}` : cont.customer.localName;
    const peers = cont.agent ? [cont.agent] : likeSiblings(cont.customer);
    let message = selectorOf(ownClasses.filter((c) => peers.every((p) => stableClasses(p).includes(c))));
    const rule = {
      id: `taught-${where.origin}${pathPattern(where.pathname)}`,
      name: `${new URL(where.origin).host}${pathPattern(where.pathname)}`, // the agent renames it in Options
      origin: where.origin,
      path: pathPattern(where.pathname),
      message,
      body: bodySel || undefined,
      exclude: EXCLUDE,
      defaultRole: 'customer',
      editor: editorSelector(doc, picks.editor),
      thread: threadSel || undefined,
    };

    const all = [...doc.querySelectorAll(message)];
    const bodyIn = (m) => (bodySel ? m.querySelector(bodySel) : null);
    const fc = features(cont.customer, bodyIn(cont.customer));
    let split;
    if (cont.agent) {
      const fa = features(cont.agent, bodyIn(cont.agent));
      split = bestSplit(all, [...fc].filter((f) => !fa.has(f)), [...fa].filter((f) => !fc.has(f)), cont);
      if (!split) {
        const byAuthor = authorSplit(cont, all, doc, bodySel);
        const side = byAuthor ? null : sideSplit(cont, bodySel);
        if (!byAuthor && !side) throw new Error('Attune could not tell the customer message from the agent one here. Try another pair of messages.');
        Object.assign(rule, byAuthor || { side }, { defaultRole: 'agent' });
      }
    } else {
      // One click: a feature of this message that only some messages have, and whose name says
      // whose it is ("row-left", "ico-user", data-direction="in"). Without one, every message
      // counts as the customer's until the agent clicks a reply.
      const partial = [...fc].filter((f) => CUSTOMER_WORDS.test(f) && all.some((m) => !has(m, f)));
      const best = partial.sort((x, y) => all.filter((m) => has(m, y)).length - all.filter((m) => has(m, x)).length)[0];
      split = best ? { c: best, a: null } : null;
      if (!split) rule.message = message = selectorOf(ownClasses);
    }
    if (split) {
      if (split.c) rule.customer = split.c;
      if (split.a) rule.agent = split.a;
      rule.defaultRole = split.c ? 'agent' : 'customer';
      // Notes: a feature with a note-like name that some non-customer messages have.
      const notCustomer = all.filter((m) => !(split.c ? has(m, split.c) : !has(m, split.a)));
      const noteFeatures = new Set();
      for (const m of notCustomer) for (const f of features(m, bodyIn(m))) if (NOTE_WORDS.test(f) && !fc.has(f)) noteFeatures.add(f);
      const note = [...noteFeatures].find((f) => !all.some((m) => !notCustomer.includes(m) && has(m, f)));
      if (note) rule.internal = note;
    }
    for (const k of Object.keys(rule)) if (rule[k] === undefined) delete rule[k];
    return rule;
  }

  // What a rule finds on a page, for the preview and the options page's "Test" (a message shown
  // twice counted once, as the badges are).
  function describeMatches(doc, rule) {
    const messages = root.rules.uniqueMessages(root.rules.findMessages(doc, rule)).filter((m) => m.text);
    const count = (role) => messages.filter((m) => m.role === role).length;
    const counts = { customer: count('customer'), agent: count('agent'), internal: count('internal') };
    return { messages, counts, text: countsText(counts) };
  }

  function countsText({ customer, agent, internal }) {
    const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
    const parts = [n(customer, 'customer message', 'customer messages'), n(agent, 'reply', 'replies')];
    if (internal) parts.push(n(internal, 'note', 'notes'));
    return parts.join(', ');
  }

  // The message container a hovered node would pick (for the picker's outline).
  function containerOf(node, doc) {
    return containers(node, null, doc).customer;
  }

  root.learn = { deriveRule, describeMatches, countsText, containerOf, pathPattern, stableClasses };
})();
