// Reply-check findings as quiet marks on the draft: a wavy underline under the words a finding is
// about, and its message and suggestion in a small tip on hover, or when the caret is inside them.
// The marks use the CSS Custom Highlight API: nothing is written into the editor, so typing, undo
// and the helpdesk's own editor code are untouched. An editor that cannot be decorated (a
// <textarea>) gets the same findings listed under it instead. Switch: Options → "draftMarks".
// A jargon mark on a word or a short phrase offers "Our customers know …": the server then never
// flags it again (the team's coach.json), and the draft is checked again.
(function () {
  'use strict';
  const A = (globalThis.Attune = globalThis.Attune || {});
  if (A.marks) return;

  const NAME = 'attune-mark';
  const STYLE_ID = 'attune-mark-style';
  const CSS_TEXT = `::highlight(${NAME}) { text-decoration: underline wavy rgba(214, 130, 20, 0.85);
    text-decoration-thickness: 1px; text-underline-offset: 3px; }`;

  // --- pure: which words to mark, and where they are in the editor's text --------------------

  // Findings with a span, with the words they are about (offsets are into the checked text).
  function markSpans(text, issues) {
    const out = [];
    for (const i of issues || []) {
      if (i.start == null || i.end == null || i.end <= i.start || i.end > text.length) continue;
      const quote = text.slice(i.start, i.end);
      if (quote.trim()) out.push({ code: i.code, quote, message: i.message || '', suggestion: i.suggestion || '' });
    }
    return out;
  }

  // Whether a mark can be waved off as a word the customers know: jargon on a term, not on a sentence.
  function knownOffer(mark) {
    const quote = mark.quote.trim();
    return mark.code === 'jargon' && quote.length <= 60 && quote.split(/\s+/).length <= 4 && !/[.!?]$/.test(quote);
  }

  // [start, end] of `quote` in `hay`, where any run of spaces in the quote matches any run of
  // spaces (or none: text nodes of separate lines are joined without one); null if absent.
  function locate(hay, quote, from = 0) {
    const words = quote.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    if (!words[0]) return null;
    const rx = new RegExp(words.join('\\s*'), 'g');
    rx.lastIndex = from;
    const m = rx.exec(hay);
    return m ? [m.index, m.index + m[0].length] : null;
  }

  // --- DOM -------------------------------------------------------------------------------------

  function textIndex(doc, editor) {
    const walker = doc.createTreeWalker(editor, 4 /* NodeFilter.SHOW_TEXT */);
    const nodes = [];
    const starts = [];
    let all = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      nodes.push(n);
      starts.push(all.length);
      all += n.data;
    }
    return { nodes, starts, all };
  }

  function point(index, offset) {
    let i = index.starts.length - 1;
    while (i > 0 && index.starts[i] > offset) i--;
    return [index.nodes[i], offset - index.starts[i]];
  }

  function rangeFor(doc, index, start, end) {
    const range = doc.createRange();
    const [sn, so] = point(index, start);
    const [en, eo] = point(index, end - 1);
    range.setStart(sn, so);
    range.setEnd(en, eo + 1);
    return range;
  }

  let enabled = true;
  let current = []; // [{range, mark}]
  let tip = null;
  let listHost = null;
  let watched = null; // the editor with hover/caret listeners
  let onKnown = null; // async (term) => saved?, from show()'s caller
  let hideTimer = null;

  function decoratable(doc, editor) {
    const view = doc.defaultView;
    return Boolean(editor.isContentEditable && view && view.CSS && view.CSS.highlights && view.Highlight);
  }

  function ensureStyle(doc) {
    if (doc.getElementById(STYLE_ID)) return;
    const style = doc.createElement('style');
    style.id = STYLE_ID;
    style.textContent = CSS_TEXT;
    (doc.head || doc.documentElement).append(style);
  }

  function hideTip() {
    clearTimeout(hideTimer);
    if (tip) tip.remove();
    tip = null;
  }

  // Leaving a mark hides its tip a moment later, so the pointer can reach the tip's button.
  function hideSoon() {
    clearTimeout(hideTimer);
    if (tip) hideTimer = setTimeout(hideTip, 300);
  }

  // The "Our customers know …" button: saves the term once, then says so.
  function knownButton(doc, quote) {
    const button = doc.createElement('button');
    button.type = 'button';
    button.className = 'attune-known';
    button.textContent = `Our customers know “${quote.trim()}”`;
    button.setAttribute('style', 'all: initial; font: inherit; margin-top: 5px; padding: 2px 7px; cursor: pointer; '
      + 'border: 1px solid rgba(128,128,128,.6); border-radius: 4px; color: inherit; display: inline-block;');
    button.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep the caret in the editor
    button.addEventListener('click', async () => {
      if (button.disabled || !onKnown) return;
      button.disabled = true;
      const saved = await onKnown(quote.trim());
      button.textContent = saved ? 'Saved: not flagged again' : 'Not saved: is Attune running?';
    });
    return button;
  }

  function showTip(doc, entry) {
    if (tip && tip.attuneEntry === entry && tip.isConnected) return;
    hideTip();
    tip = doc.createElement('attune-mark-tip');
    tip.dataset.code = entry.mark.code;
    tip.attuneEntry = entry;
    const shadow = tip.attachShadow({ mode: 'open' });
    const box = doc.createElement('div');
    box.setAttribute('role', 'tooltip');
    box.setAttribute('style', 'font: 13px/1.4 system-ui, sans-serif; max-width: 320px; padding: 6px 9px; '
      + 'border-radius: 6px; background: #2f3941; color: #fff; box-shadow: 0 2px 8px rgba(0,0,0,.25);');
    const msg = doc.createElement('div');
    msg.textContent = entry.mark.message;
    const sug = doc.createElement('div');
    sug.setAttribute('style', 'opacity: .85; margin-top: 2px;');
    sug.textContent = entry.mark.suggestion;
    box.append(msg, sug);
    if (onKnown && knownOffer(entry.mark)) box.append(doc.createElement('br'), knownButton(doc, entry.mark.quote));
    shadow.append(box);
    const r = entry.range.getBoundingClientRect();
    tip.setAttribute('style', `all: initial; position: fixed; z-index: 2147483647; left: ${Math.max(4, r.left)}px; `
      + `top: ${r.bottom + 6}px;`);
    tip.addEventListener('mouseenter', () => clearTimeout(hideTimer));
    tip.addEventListener('mouseleave', hideSoon);
    doc.body.append(tip);
    // no room below the words (a reply box at the foot of the window): above them, inside the window
    const view = doc.defaultView;
    const t = box.getBoundingClientRect();
    if (view && r.bottom + 6 + t.height > view.innerHeight && r.top - 6 - t.height >= 0) {
      tip.style.top = `${r.top - 6 - t.height}px`;
    }
    if (view && t.right > view.innerWidth) tip.style.left = `${Math.max(4, view.innerWidth - t.width - 4)}px`;
  }

  function entryAt(node, offset) {
    for (const e of current) {
      try {
        if (e.range.isPointInRange(node, offset)) return e;
      } catch (_) {
        // a node from another document or a detached range: not a mark
      }
    }
    return null;
  }

  function watch(doc, editor) {
    if (watched === editor) return;
    watched = editor;
    editor.addEventListener('mousemove', (ev) => {
      if (!current.length) return hideSoon();
      const pos = doc.caretRangeFromPoint ? doc.caretRangeFromPoint(ev.clientX, ev.clientY) : null;
      const e = pos && entryAt(pos.startContainer, pos.startOffset);
      if (e) {
        clearTimeout(hideTimer);
        showTip(doc, e);
      } else hideSoon();
    });
    editor.addEventListener('mouseleave', hideSoon);
    doc.addEventListener('selectionchange', () => {
      const sel = doc.getSelection();
      if (!current.length || !sel || !sel.rangeCount || !editor.contains(sel.anchorNode)) return;
      const e = entryAt(sel.anchorNode, sel.anchorOffset);
      if (e) showTip(doc, e);
      else hideTip();
    });
  }

  function clear(doc) {
    hideTip();
    current = [];
    if (listHost) listHost.remove();
    listHost = null;
    const view = doc.defaultView;
    if (view && view.CSS && view.CSS.highlights) view.CSS.highlights.delete(NAME);
  }

  // Under an editor that cannot be decorated: the words and the suggestion, one line each.
  function showList(doc, editor, marks) {
    listHost = doc.createElement('attune-mark-list');
    const shadow = listHost.attachShadow({ mode: 'open' });
    const ul = doc.createElement('ul');
    ul.setAttribute('style', 'font: 12px/1.4 system-ui, sans-serif; margin: 4px 0; padding-left: 18px; color: #68737d;');
    for (const m of marks) {
      const li = doc.createElement('li');
      li.textContent = `“${m.quote}” — ${m.suggestion || m.message}`;
      if (onKnown && knownOffer(m)) li.append(' ', knownButton(doc, m.quote));
      ul.append(li);
    }
    shadow.append(ul);
    editor.after(listHost);
  }

  // Mark `check`'s findings on `editor`, whose text (as sent to the server) was `text`. Returns
  // the codes marked; `host` (the reply-check hint) records them in data-attune-marks.
  // `options.onKnown(term)`: save a jargon term as known; resolves to whether it was saved.
  function show(doc, editor, text, check, host, options = {}) {
    clear(doc);
    onKnown = options.onKnown || null;
    const marks = enabled ? markSpans(text, check && check.issues) : [];
    if (!marks.length) {
      if (host) host.setAttribute('data-attune-marks', '');
      return [];
    }
    let done = [];
    if (decoratable(doc, editor)) {
      ensureStyle(doc);
      const index = textIndex(doc, editor);
      for (const m of marks) {
        const at = locate(index.all, m.quote);
        if (at) current.push({ range: rangeFor(doc, index, at[0], at[1]), mark: m });
      }
      const view = doc.defaultView;
      view.CSS.highlights.set(NAME, new view.Highlight(...current.map((e) => e.range)));
      watch(doc, editor);
      done = current.map((e) => e.mark.code);
    } else {
      showList(doc, editor, marks);
      done = marks.map((m) => m.code);
    }
    if (host) host.setAttribute('data-attune-marks', done.join(' '));
    return done;
  }

  if (globalThis.chrome && chrome.storage && chrome.storage.local) {
    chrome.storage.local.get('draftMarks').then((s) => {
      enabled = s.draftMarks !== false;
    }, () => {});
    chrome.storage.onChanged.addListener((changes, area) => {
      if (area !== 'local' || !changes.draftMarks) return;
      enabled = changes.draftMarks.newValue !== false;
      if (!enabled && typeof document !== 'undefined') clear(document);
    });
  }

  A.marks = { markSpans, knownOffer, locate, show, clear };
})();
