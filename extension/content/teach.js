// "Teach Attune this helpdesk": the picker. The agent clicks one customer message, optionally one
// agent reply or note (and the reply editor); common/learn.js turns the clicks into a rule, which
// is previewed on the page (customer messages outlined solid green, replies dashed, notes dotted,
// with counts) until the agent confirms. Esc cancels. Nothing here decides what a rule is.
(function () {
  'use strict';
  const A = globalThis.Attune;
  if (!A || A.teach) return;

  const OUTLINE = {
    hover: '2px solid #1a73e8',
    customer: '3px solid #2e8b3e',
    agent: '2px dashed #80868b',
    internal: '2px dotted #c26a00',
  };
  const CSS = `
    :host { all: initial; }
    .panel { position: fixed; left: 50%; bottom: 16px; transform: translateX(-50%); z-index: 2147483647;
      max-width: min(560px, calc(100vw - 24px)); padding: 10px 14px; border-radius: 10px; box-shadow: 0 4px 20px rgba(0,0,0,.3);
      font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); border: 1px solid var(--line); }
    .title { font-weight: 600; margin-bottom: 4px; }
    .msg { margin: 4px 0; }
    .err { color: var(--err); }
    .row { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
    button { font: inherit; cursor: pointer; padding: 3px 10px; border-radius: 999px; border: 1px solid var(--line); background: transparent; color: inherit; }
    button.primary { background: #2e8b3e; border-color: #2e8b3e; color: #fff; }
    button:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
    .key { font-size: 11px; opacity: .8; }
  `;

  let active = false; // one picker per page

  // opts: {save(rule) -> Promise, done(rule|null)}
  function start(opts) {
    if (active) return;
    active = true;
    createSession(opts);
  }

  function createSession(opts) {
    const doc = document;
    const picks = {};
    let step = 'customer'; // what the next click picks: customer | agent | editor
    let rule = null;
    let hovered = null;
    const styled = new Map(); // element -> its own inline outline, restored at the end

    const host = doc.createElement('attune-teach');
    const shadow = host.attachShadow({ mode: 'open' });
    const dark = A.render.isDark(doc);
    host.setAttribute(
      'style',
      `all: initial; --bg:${dark ? '#202124' : '#fff'}; --fg:${dark ? '#e8eaed' : '#202124'}; --line:${dark ? '#5f6368' : '#dadce0'}; --err:${dark ? '#ff8a80' : '#b3261e'};`,
    );
    const style = doc.createElement('style');
    style.textContent = CSS;
    const panel = doc.createElement('div');
    panel.className = 'panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', 'Teach Attune this helpdesk');
    shadow.append(style, panel);
    doc.documentElement.append(host);

    function outline(el, how) {
      if (!styled.has(el)) styled.set(el, [el.style.getPropertyValue('outline'), el.style.getPropertyPriority('outline')]);
      el.style.setProperty('outline', OUTLINE[how], 'important');
      el.style.setProperty('outline-offset', '2px', 'important');
      if (how !== 'hover') el.setAttribute('data-attune-preview', how);
    }

    function clearOutlines() {
      for (const [el, [value, priority]] of styled) {
        el.style.removeProperty('outline-offset');
        if (value) el.style.setProperty('outline', value, priority);
        else el.style.removeProperty('outline');
        el.removeAttribute('data-attune-preview');
      }
      styled.clear();
    }

    function button(text, onClick, primary) {
      const b = doc.createElement('button');
      b.type = 'button';
      b.textContent = text;
      if (primary) b.className = 'primary';
      b.addEventListener('click', onClick);
      return b;
    }

    function show(lines, buttons, error) {
      const nodes = [];
      const title = doc.createElement('div');
      title.className = 'title';
      title.textContent = 'Teach Attune this helpdesk';
      nodes.push(title);
      for (const line of lines) {
        const p = doc.createElement('div');
        p.className = 'msg';
        p.textContent = line;
        nodes.push(p);
      }
      if (error) {
        const p = doc.createElement('div');
        p.className = 'msg err';
        p.setAttribute('role', 'alert');
        p.textContent = error;
        nodes.push(p);
      }
      const row = doc.createElement('div');
      row.className = 'row';
      row.append(...buttons, button('Cancel (Esc)', () => finish(null)));
      nodes.push(row);
      panel.replaceChildren(...nodes);
    }

    function preview() {
      clearOutlines();
      const { messages, counts, text } = A.learn.describeMatches(doc, rule);
      for (const m of messages) outline(m.el, m.role === 'customer' ? 'customer' : m.role === 'internal' ? 'internal' : 'agent');
      panel.setAttribute('data-attune-counts', JSON.stringify(counts));
      const next = picks.agent
        ? 'If a message is on the wrong side, click another agent reply or note.'
        : 'If agent replies or notes are outlined green, click one of them.';
      show([`${text} — right?`, `Green: customer · dashed: replies · dotted: notes. ${next}`], [
        button('Yes, use this', save, true),
        button(picks.editor ? 'Pick the reply editor again' : 'Pick the reply editor', () => {
          step = 'editor';
          show(['Click the box where you write replies.'], []);
        }),
      ]);
      step = 'agent';
      panel.querySelector('button.primary').focus();
    }

    function derive(lastError) {
      try {
        rule = A.learn.deriveRule(doc, picks, location);
        preview();
      } catch (e) {
        if (lastError) delete picks[lastError];
        if (rule) preview();
        show([rule ? 'The preview above still holds.' : 'Click the text of one customer message.'], rule ? [button('Yes, use this', save, true)] : [], e.message);
      }
    }

    async function save() {
      try {
        await opts.save(rule);
      } catch (e) {
        return show(['The rule was not saved.'], [button('Try again', save, true)], e.message);
      }
      finish(rule);
    }

    function finish(result) {
      clearOutlines();
      for (const [type, fn] of LISTENERS) doc.removeEventListener(type, fn, true);
      host.remove();
      active = false;
      opts.done(result);
    }

    const ours = (e) => e.composedPath().includes(host);

    // The outline that follows the pointer (or the arrow keys): the message that would be picked.
    function highlight(node) {
      const c = node && A.learn.containerOf(node, doc);
      if (c === hovered) return;
      if (hovered && styled.has(hovered) && !hovered.hasAttribute('data-attune-preview')) {
        const [value, priority] = styled.get(hovered);
        styled.delete(hovered);
        hovered.style.removeProperty('outline-offset');
        if (value) hovered.style.setProperty('outline', value, priority);
        else hovered.style.removeProperty('outline');
      }
      hovered = c;
      if (c && !c.hasAttribute('data-attune-preview')) outline(c, 'hover');
    }

    function onMove(e) {
      if (ours(e) || step === 'editor') return;
      // After walk() scrolls, Chromium sends a mousemove with no movement (the page moved under a
      // still pointer): not the agent's hand, so the keyboard keeps its target and Enter still picks.
      if (armed && !e.movementX && !e.movementY) return;
      armed = false;
      highlight(e.target);
    }

    // Keyboard: arrows walk the page's blocks of text, Enter picks the one outlined.
    let keyTarget = null; // where the arrows are (kept across picks: the next pick is further on)
    let armed = false; // an arrow was pressed since the last pick, so Enter picks
    function textBlocks() {
      return [...doc.body.querySelectorAll('*')].filter(
        (el) => !el.closest('attune-teach, attune-hint, attune-status, attune-thread') &&
          [...el.childNodes].some((n) => n.nodeType === 3 && n.nodeValue.trim().length >= 20),
      );
    }
    function walk(delta) {
      const blocks = textBlocks();
      if (!blocks.length) return;
      const i = blocks.indexOf(keyTarget);
      keyTarget = blocks[i < 0 ? (delta > 0 ? 0 : blocks.length - 1) : (i + delta + blocks.length) % blocks.length];
      armed = true;
      highlight(keyTarget);
      keyTarget.scrollIntoView({ block: 'center' });
      if (shadow.activeElement) shadow.activeElement.blur(); // Enter now picks, not the focused button
    }

    // Clicks on the page pick; they must not also open links or focus the page's own widgets.
    function onClick(e) {
      if (ours(e)) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      if (e.type !== 'click') return;
      if (step === 'editor') {
        const ed = e.target.closest('textarea, [contenteditable=""], [contenteditable="true"]');
        if (!ed) return show(['Click the box where you write replies.'], [], 'That is not a text box.');
        picks.editor = ed;
        return derive('editor');
      }
      picks[step] = e.target;
      derive(step);
    }

    function onKey(e) {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopImmediatePropagation();
        finish(null);
      } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && step !== 'editor') {
        e.preventDefault();
        e.stopImmediatePropagation();
        walk(e.key === 'ArrowDown' ? 1 : -1);
      } else if (e.key === 'Enter' && armed && !ours(e)) {
        e.preventDefault();
        e.stopImmediatePropagation();
        picks[step] = keyTarget;
        armed = false;
        derive(step);
      }
    }

    const LISTENERS = [
      ['mousemove', onMove],
      ['mousedown', onClick],
      ['mouseup', onClick],
      ['click', onClick],
      ['keydown', onKey],
    ];
    for (const [type, fn] of LISTENERS) doc.addEventListener(type, fn, true);
    show(['Click the text of one customer message (or use ↓ ↑ and Enter).', 'Then, if you like, one agent reply or internal note.'], []);
  }

  A.teach = { start, active: () => active };
})();
