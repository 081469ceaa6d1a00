// Content script for enabled helpdesk pages: finds customer messages with the page's rule (built-in
// or taught), asks the service worker for their tone in one batch, and puts a badge after each one.
// A page no rule recognises gets one quiet "Teach it" status. Runs in an IIFE; state lives in this
// closure for the lifetime of the page.
(function () {
  'use strict';
  const A = globalThis.Attune;
  if (!A || A.mainStarted) return; // injected twice (SPA re-registration): keep the first
  A.mainStarted = true;

  const OUR_TAGS = new Set(['ATTUNE-HINT', 'ATTUNE-THREAD', 'ATTUNE-STATUS', 'ATTUNE-REPLY', 'ATTUNE-TEACH', 'ATTUNE-MARK-TIP', 'ATTUNE-MARK-LIST']);
  const UNKNOWN_AFTER_MS = 1500; // a page still unrecognised this long after its last change
  const rendered = new WeakMap(); // message element -> {key, host}
  let adapter = null;
  let taught = []; // this origin's taught rules
  let scanTimer = null;
  let unknownTimer = null;
  let dismissedUnknown = false; // the agent closed the "Teach it" status: not offered again here
  let stopped = false;
  let statusHost = null;
  let threadHost = null;
  let replyHost = null;
  let debugTiming = false;
  const stats = { messages: 0, totalMs: 0, maxMs: 0 };

  async function send(msg) {
    try {
      return await chrome.runtime.sendMessage(msg);
    } catch (_) {
      // The extension was reloaded or removed: this page's script is orphaned; go quiet.
      observer.disconnect();
      return { ok: false, error: { code: 'gone' } };
    }
  }

  // Batching, caching, retries: common/queue.js. This file only finds messages and renders.
  const queue = A.createQueue({
    send: (items) => send({ type: A.MSG.ANALYZE_BATCH, items }),
    onResults: placeResults,
    onUnavailable: unavailable,
    onAvailable: available,
  });

  // Debug timing (only when the debugTiming setting is on): all content-script time spent on
  // messages, divided by the number of distinct messages handled (rescans that found nothing new
  // count too), and the longest single scan.
  function record(ms, newMessages) {
    if (!debugTiming) return;
    stats.messages += newMessages;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    document.documentElement.setAttribute('data-attune-work', JSON.stringify(stats));
  }

  function isPlaced(msg, key) {
    const prev = rendered.get(msg.el);
    return Boolean(prev && prev.key === key && prev.host.isConnected);
  }

  function place(msg, key, result) {
    const prev = rendered.get(msg.el);
    if (prev && prev.host) prev.host.remove();
    const host = A.render.createBadge(document, result, msg.text, {
      feedback: (label) => feedback(msg.text, label, result),
    });
    msg.anchor.after(host);
    rendered.set(msg.el, { key, host });
  }

  async function feedback(text, label, result) {
    return A.answer.unwrap(await send({ type: A.MSG.FEEDBACK, text, label, predicted: result.label, model_version: result.model }));
  }

  function customerMessages() {
    return A.rules.uniqueMessages(A.rules.findMessages(document, adapter)).filter((m) => m.role === 'customer' && m.text);
  }

  function scan() {
    scanTimer = null;
    // Picked again each time: in-app navigation can move to a page another rule covers.
    adapter = A.rules.pick(location, document, taught);
    clearTimeout(unknownTimer);
    if (!adapter) {
      unknownTimer = setTimeout(offerTeaching, UNKNOWN_AFTER_MS);
      return;
    }
    if (statusHost && statusHost.getAttribute('data-attune-state') === 'unknown') available();
    const t0 = performance.now();
    let work = 0;
    const customer = customerMessages();
    for (const msg of customer) {
      const key = A.textKey(msg.text);
      if (isPlaced(msg, key)) continue;
      const cached = queue.lookup(key);
      if (cached) place(msg, key, cached);
      else if (queue.want(key, msg.text)) work++;
    }
    record(performance.now() - t0, work);
    updateThread(customer);
  }

  function scheduleScan() {
    if (!scanTimer && !stopped) scanTimer = setTimeout(scan, 0);
  }

  function placeResults(keys) {
    if (!adapter) return;
    const fresh = new Set(keys);
    const t0 = performance.now();
    for (const msg of customerMessages()) {
      const key = A.textKey(msg.text);
      if (fresh.has(key) && !isPlaced(msg, key)) place(msg, key, queue.lookup(key));
    }
    record(performance.now() - t0, 0); // these messages were counted when first seen
    scheduleScan(); // the thread summary now has more results
  }

  // Server down or not paired: one grey badge (the queue retries after a growing pause).
  function unavailable(code) {
    if (code === 'gone') return;
    const state = code === 'offline' || code === 'unpaired' ? code : 'error';
    if (statusHost && statusHost.isConnected && statusHost.getAttribute('data-attune-state') === state) return;
    if (statusHost) statusHost.remove();
    statusHost = A.render.createStatus(document, state, { openOptions: () => send({ type: A.MSG.OPEN_OPTIONS }) });
    document.documentElement.append(statusHost);
  }

  function available() {
    if (statusHost) statusHost.remove();
    statusHost = null;
  }

  // Nothing here Attune understands: say so once, quietly, with the way to fix it.
  // Not on a site already taught: its other pages (ticket lists, log-in) simply have no messages.
  function offerTeaching() {
    if (adapter || taught.length || A.teach.active() || statusHost || dismissedUnknown) return;
    statusHost = A.render.createStatus(document, 'unknown', { teach: startTeaching });
    statusHost.addEventListener('click', () => (dismissedUnknown = true)); // either button: do not offer again
    document.documentElement.append(statusHost);
  }

  function startTeaching() {
    available();
    A.teach.start({
      save: async (rule) => A.answer.unwrap(await send({ type: A.MSG.SAVE_RULE, rule })),
      done: () => scheduleScan(),
    });
  }

  function updateThread(customer) {
    const known = customer.map((m) => queue.lookup(A.textKey(m.text))).filter(Boolean);
    if (!known.length) return;
    const sig = known.map((r) => r.label + r.intensity).join(',');
    if (threadHost && threadHost.isConnected && threadHost.attuneSig === sig) return;
    if (threadHost) threadHost.remove();
    threadHost = A.render.createThreadSummary(document, known);
    threadHost.attuneSig = sig;
    const container = adapter.thread && document.querySelector(adapter.thread);
    if (container) container.prepend(threadHost);
    else customer[0].el.before(threadHost);
  }

  function latestCustomerLabel() {
    const msgs = customerMessages();
    for (let i = msgs.length - 1; i >= 0; i--) {
      const r = queue.lookup(A.textKey(msgs[i].text));
      if (r) return r.label;
    }
    return undefined;
  }

  const checkDraft = A.debounce(async (editor) => {
    const text = A.rules.editorText(editor);
    if (replyHost) replyHost.remove();
    replyHost = null;
    if (text.length < 3 || queue.paused()) return A.marks && A.marks.clear(document);
    const label = latestCustomerLabel();
    const res = await send({ type: A.MSG.REPLY_CHECK, text, label });
    if (!res || !res.ok) return; // the page-level status badge already says why
    if (replyHost) replyHost.remove();
    replyHost = A.render.createReplyHint(document, res.data);
    editor.after(replyHost);
    if (A.marks) A.marks.show(document, editor, text, res.data, replyHost, { onKnown: (term) => knownTerm(editor, term) });
  }, 700);

  // A jargon mark's "Our customers know …": the server stops flagging the term; check again.
  async function knownTerm(editor, term) {
    const res = await send({ type: A.MSG.KNOWN_TERM, term });
    if (res && res.ok) checkDraft(editor);
    return Boolean(res && res.ok);
  }

  document.addEventListener(
    'input',
    (e) => {
      if (!adapter) return;
      const editor = A.rules.findEditor(e.target, adapter);
      if (editor) checkDraft(editor);
    },
    true,
  );

  // Follow single-page-app navigation and new messages; ignore mutations that are only ours.
  const observer = new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'childList') {
        for (const n of m.addedNodes) if (!OUR_TAGS.has(n.nodeName)) return scheduleScan();
        for (const n of m.removedNodes) if (!OUR_TAGS.has(n.nodeName)) return scheduleScan();
      } else if (m.type === 'characterData') {
        return scheduleScan();
      }
    }
  });

  const forThisOrigin = (rules) => (rules || []).filter((r) => r.origin === location.origin);

  // A rule saved here or imported in the options page applies at once.
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && changes.siteRules) {
      taught = forThisOrigin(changes.siteRules.newValue);
      scheduleScan();
    }
  });
  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.type === A.MSG.START_TEACH) startTeaching();
  });

  // Texts are sliced by the server's limit, so ask for it before the first batch.
  Promise.all([A.readSettings(chrome.storage.local), send({ type: A.MSG.LIMITS })]).then(([settings, limits]) => {
    if (!A.pageAllowed(location, settings)) return stop();
    observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
    taught = forThisOrigin(settings.siteRules);
    debugTiming = Boolean(settings.debugTiming);
    if (limits && limits.ok) queue.setLimits(limits.data);
    scan();
  });

  // Not our page after all (Attune's own server, or a port the agent did not enable): nothing
  // was observed or scanned yet, and nothing will be.
  function stop() {
    stopped = true;
  }
})();
