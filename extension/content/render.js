// Rendering: every piece of UI lives in a Shadow DOM under our own <attune-*> host element, so page
// CSS cannot reach in and our CSS cannot leak out. Page and server text only ever goes in via
// textContent. Hosts carry data-attune-* attributes for tests and for other tools.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});
  const A = root;

  const BASE_CSS = `
    :host { display: inline-block; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; letter-spacing: normal;
      text-transform: none; font-size: 12px; line-height: 1.4; }
    .card, .card * { font-size: 13px; line-height: 1.45; }
    button { font: inherit; cursor: pointer; }
    button:focus-visible, [tabindex]:focus-visible { outline: 2px solid var(--focus, #1a73e8); outline-offset: 2px; }
    .badge { display: inline-flex; align-items: center; gap: 4px; margin: 4px 0; padding: 1px 8px 1px 6px;
      border: 1px solid var(--dot); border-radius: 999px; background: var(--bg); color: var(--fg); white-space: nowrap; }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--dot); flex: none; }
    .lvl { letter-spacing: -1px; font-size: 10px; }
    .badge:hover { filter: brightness(0.96); }
    .card { position: fixed; z-index: 2147483646; width: min(340px, calc(100vw - 16px)); max-height: min(420px, calc(100vh - 16px));
      overflow: auto; padding: 10px 12px; border-radius: 8px; border: 1px solid var(--line); background: var(--card-bg); color: var(--card-fg);
      box-shadow: 0 4px 16px rgba(0,0,0,.25); font-size: 13px; }
    .card[hidden] { display: none; }
    .head { display: flex; align-items: center; gap: 6px; font-weight: 600; margin-bottom: 6px; }
    .head .close { margin-left: auto; border: 0; background: transparent; color: inherit; font-size: 16px; line-height: 1; padding: 2px 6px; }
    .quote { margin: 6px 0; padding: 6px 8px; border-left: 3px solid var(--dot); background: var(--quote-bg); white-space: pre-wrap; word-break: break-word; }
    mark { background: var(--bg); color: var(--fg); border-bottom: 2px solid var(--dot); padding: 0 1px; }
    .card h3 { font-size: 11px; margin: 8px 0 2px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
    ul { margin: 2px 0 6px; padding-left: 18px; }
    .row { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
    .chip { padding: 2px 8px; border-radius: 999px; border: 1px solid var(--line); background: transparent; color: inherit; }
    .muted { color: var(--muted); }
    .status { margin-top: 6px; }
  `;

  function isDark(doc) {
    const win = doc.defaultView;
    if (win && win.matchMedia && win.matchMedia('(prefers-color-scheme: dark)').matches) return true;
    // Pages with their own dark theme: read the body background once.
    try {
      const bg = win.getComputedStyle(doc.body).backgroundColor;
      const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?/.exec(bg);
      if (m && (m[4] === undefined || Number(m[4]) > 0.5)) return 0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3] < 100;
    } catch (_) {
      /* no computed style (tests) */
    }
    return false;
  }

  function themeVars(label, level, dark) {
    const c = A.colorsFor(label, level, dark);
    const t = dark
      ? { cardBg: '#202124', cardFg: '#e8eaed', line: '#5f6368', muted: '#bdc1c6', quote: '#2d2f31', focus: '#8ab4f8' }
      : { cardBg: '#ffffff', cardFg: '#202124', line: '#dadce0', muted: '#5f6368', quote: '#f8f9fa', focus: '#1a73e8' };
    return `--fg:${c.fg};--bg:${c.bg};--dot:${c.dot};--card-bg:${t.cardBg};--card-fg:${t.cardFg};--line:${t.line};--muted:${t.muted};--quote-bg:${t.quote};--focus:${t.focus};`;
  }

  function el(doc, tag, attrs, text) {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function makeHost(doc, tag, label, level) {
    const host = doc.createElement(tag);
    const shadow = host.attachShadow({ mode: 'open' });
    const style = doc.createElement('style');
    style.textContent = BASE_CSS;
    shadow.append(style);
    // Inline `all: initial` beats page rules that match the host (e.g. `* { ... }`); custom
    // properties survive it and carry our colours into the shadow tree.
    host.setAttribute('style', `all: initial; display: inline-block; ${themeVars(label, level, isDark(doc))}`);
    return { host, shadow };
  }

  // The card: the customer's words with the cues highlighted, guidance tips, and "Not right?".
  function buildCard(doc, card, result, text, handlers) {
    const m = A.badgeModel(result);
    const head = el(doc, 'div', { class: 'head' });
    head.append(el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }));
    head.append(el(doc, 'span', { id: 'attune-card-title' }, `${m.text} · ${m.levelWord} · ${Math.round(m.confidence * 100)}% sure`));
    const close = el(doc, 'button', { class: 'close', type: 'button', 'aria-label': 'Close' }, '×');
    close.addEventListener('click', () => handlers.close());
    head.append(close);
    card.append(head);

    const segments = A.highlightSegments(text, result.cues || []);
    if (segments.some((s) => s.label)) {
      card.append(el(doc, 'h3', {}, 'Words that show it'));
      const quote = el(doc, 'div', { class: 'quote' });
      for (const s of segments) quote.append(s.label ? el(doc, 'mark', { title: s.label }, s.text) : doc.createTextNode(s.text));
      card.append(quote);
    }
    const g = result.guidance || {};
    if (g.headline || (g.tips && g.tips.length)) {
      card.append(el(doc, 'h3', {}, 'What helps'));
      if (g.headline) card.append(el(doc, 'div', {}, g.headline));
      const ul = el(doc, 'ul');
      for (const tip of g.tips || []) ul.append(el(doc, 'li', {}, tip));
      card.append(ul);
    }

    const fbRow = el(doc, 'div', { class: 'row', role: 'group', 'aria-label': 'Correct the tone' });
    const status = el(doc, 'div', { class: 'status muted', role: 'status', 'aria-live': 'polite' });
    const notRight = el(doc, 'button', { class: 'chip', type: 'button', 'data-attune-action': 'not-right', 'aria-expanded': 'false' }, 'Not right?');
    notRight.addEventListener('click', () => {
      if (fbRow.childElementCount) return;
      notRight.setAttribute('aria-expanded', 'true');
      fbRow.append(el(doc, 'span', { class: 'muted' }, 'The customer is:'));
      for (const label of A.feedbackChoices(m.label)) {
        const b = el(doc, 'button', { class: 'chip', type: 'button', 'data-attune-correct': label }, label);
        b.addEventListener('click', async () => {
          status.textContent = 'Saving…';
          try {
            await handlers.feedback(label);
            status.textContent = `Thanks — saved as ${label}.`;
            fbRow.querySelectorAll('button').forEach((x) => (x.disabled = true));
          } catch (err) {
            status.textContent = `Not saved: ${err.message}`;
          }
        });
        fbRow.append(b);
      }
      handlers.relayout();
      fbRow.querySelector('button').focus();
    });
    const foot = el(doc, 'div', { class: 'row' });
    foot.append(notRight);
    card.append(foot, fbRow, status);
  }

  // Below the badge if it fits, else above, else pinned inside the viewport (fixed: no clipping by
  // overflow:hidden containers of the page).
  function placeCard(card, anchor) {
    const win = anchor.ownerDocument.defaultView;
    const r = anchor.getBoundingClientRect();
    const width = Math.min(340, win.innerWidth - 16);
    const h = card.offsetHeight || 260;
    card.style.left = `${Math.max(8, Math.min(r.left, win.innerWidth - width - 8))}px`;
    let top = r.bottom + 4;
    if (top + h > win.innerHeight - 8) top = r.top - 4 - h >= 8 ? r.top - 4 - h : Math.max(8, win.innerHeight - h - 8);
    card.style.top = `${top}px`;
  }

  // A badge host for one analysed customer message. handlers: {feedback(label) -> Promise}.
  function createBadge(doc, result, text, handlers) {
    const m = A.badgeModel(result);
    const { host, shadow } = makeHost(doc, 'attune-hint', m.label, m.level);
    host.setAttribute('data-attune-label', m.label);
    host.setAttribute('data-attune-confidence', String(Math.round(m.confidence * 1000) / 1000));
    host.setAttribute('data-attune-intensity', m.levelWord);
    const badge = el(doc, 'button', { class: 'badge', type: 'button', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', 'aria-label': m.aria, title: m.aria });
    badge.append(el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), el(doc, 'span', {}, m.text), el(doc, 'span', { class: 'lvl', 'aria-hidden': 'true' }, m.dots));
    const card = el(doc, 'div', { class: 'card', role: 'dialog', 'aria-labelledby': 'attune-card-title', hidden: '' });
    shadow.append(badge, card);

    let built = false;
    const onOutside = (e) => {
      if (!e.composedPath().includes(host)) close(false);
    };
    const onScroll = () => placeCard(card, badge);
    function open() {
      if (!built) {
        buildCard(doc, card, result, text, { ...handlers, close: () => close(true), relayout: () => placeCard(card, badge) });
        built = true;
      }
      card.hidden = false;
      badge.setAttribute('aria-expanded', 'true');
      host.setAttribute('data-attune-open', '');
      placeCard(card, badge);
      card.querySelector('button').focus();
      doc.addEventListener('mousedown', onOutside, true);
      doc.defaultView.addEventListener('scroll', onScroll, true);
    }
    function close(refocus) {
      if (card.hidden) return;
      card.hidden = true;
      badge.setAttribute('aria-expanded', 'false');
      host.removeAttribute('data-attune-open');
      doc.removeEventListener('mousedown', onOutside, true);
      doc.defaultView.removeEventListener('scroll', onScroll, true);
      if (refocus) badge.focus();
    }
    badge.addEventListener('click', () => (card.hidden ? open() : close(true)));
    card.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close(true);
      }
    });
    host.attuneOpen = open;
    return host;
  }

  // Summary at the top of the ticket: the customer's emotion across their messages.
  function createThreadSummary(doc, results) {
    const t = A.threadTrend(results);
    const last = results[results.length - 1];
    const level = A.intensityLevel(last.intensity);
    const { host, shadow } = makeHost(doc, 'attune-thread', last.label, level);
    host.setAttribute('data-attune-trend', t.trend);
    host.setAttribute('data-attune-labels', t.labels.join(' '));
    const box = el(doc, 'div', { class: 'badge', role: 'note', 'aria-label': A.trendText(t) });
    for (const r of results) {
      const c = A.colorsFor(r.label, A.intensityLevel(r.intensity), isDark(doc));
      const d = el(doc, 'span', { class: 'dot', title: r.label, 'aria-hidden': 'true' });
      d.style.background = c.dot;
      box.append(d);
    }
    box.append(el(doc, 'span', {}, A.trendText(t)));
    shadow.append(box);
    return host;
  }

  // One grey badge per page: the server is down, the extension is not paired, the page is not
  // understood yet (with "Teach it"), or what the selection mode needs from the agent.
  // handlers: {openOptions?, teach?} — each adds its button.
  function createStatus(doc, state, handlers) {
    const { host, shadow } = makeHost(doc, 'attune-status', 'status', 1);
    host.setAttribute('data-attune-state', state);
    host.style.cssText += 'position:fixed;right:12px;bottom:12px;z-index:2147483645;';
    const text = {
      offline: 'Attune: server not reachable — start it with “attune serve”.',
      unpaired: 'Attune: not paired — paste the token from “attune token” in the options.',
      error: 'Attune: the server answered with an error.',
      unknown: 'Attune doesn’t know this page yet —',
      empty: 'Attune: select the customer’s words first.',
      agent: 'Attune: that is the agent’s text — select a customer message.',
    }[state] || 'Attune is unavailable.';
    const box = el(doc, 'div', { class: 'badge', role: 'status' });
    box.append(el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), el(doc, 'span', {}, text));
    if (handlers.teach) {
      const teach = el(doc, 'button', { class: 'chip', type: 'button', 'data-attune-action': 'teach' }, 'Teach it');
      teach.addEventListener('click', () => {
        host.remove();
        handlers.teach();
      });
      box.append(teach);
    }
    if (handlers.openOptions) {
      const opts = el(doc, 'button', { class: 'chip', type: 'button' }, 'Options');
      opts.addEventListener('click', () => handlers.openOptions());
      box.append(opts);
    }
    const dismiss = el(doc, 'button', { class: 'chip', type: 'button', 'aria-label': 'Dismiss' }, '×');
    dismiss.addEventListener('click', () => host.remove());
    box.append(dismiss);
    shadow.append(box);
    return host;
  }

  // Reply-draft check, shown under the editor; never covers it.
  function createReplyHint(doc, check) {
    const issues = check.issues || [];
    const { host, shadow } = makeHost(doc, 'attune-reply', issues.length ? 'frustrated' : 'grateful', 1);
    host.setAttribute('data-attune-reply', issues.length ? 'issues' : 'ok');
    host.setAttribute('data-attune-issues', issues.map((i) => i.code).join(' '));
    const summary = issues.length ? `Reply check: ${issues.length} suggestion${issues.length > 1 ? 's' : ''}` : 'Reply check: looks good';
    const badge = el(doc, 'button', { class: 'badge', type: 'button', 'aria-expanded': 'false' });
    badge.append(el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), el(doc, 'span', {}, summary));
    const list = el(doc, 'div', { class: 'quote', hidden: '' });
    const ul = el(doc, 'ul');
    for (const i of issues) {
      const li = el(doc, 'li', {}, i.message || i.code);
      if (i.suggestion) li.append(el(doc, 'div', { class: 'muted' }, i.suggestion));
      ul.append(li);
    }
    for (const s of check.strengths || []) ul.append(el(doc, 'li', { class: 'muted' }, `✓ ${s}`));
    list.append(ul);
    badge.addEventListener('click', () => {
      list.hidden = !list.hidden;
      badge.setAttribute('aria-expanded', String(!list.hidden));
    });
    shadow.append(badge, list);
    return host;
  }

  root.render = { createBadge, createThreadSummary, createStatus, createReplyHint, isDark };
})();
