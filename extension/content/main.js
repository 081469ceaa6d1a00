// Content script for enabled helpdesk pages: finds customer messages with the page's adapter,
// asks the service worker for their tone in one batch, and puts a badge after each one.
// Runs in an IIFE; state lives in this closure for the lifetime of the page.
(function () {
  'use strict';
  const A = globalThis.Attune;
  if (!A || A.mainStarted) return; // injected twice (SPA re-registration): keep the first
  A.mainStarted = true;

  const OUR_TAGS = new Set(['ATTUNE-HINT', 'ATTUNE-THREAD', 'ATTUNE-STATUS', 'ATTUNE-REPLY', 'ATTUNE-MARK-TIP', 'ATTUNE-MARK-LIST']);
  const results = new Map(); // text key -> result (this page's cache; the SW keeps the shared one)
  const rendered = new WeakMap(); // message element -> {key, host}
  let adapter = null;
  let pending = new Map(); // key -> text, waiting for the next batch
  const inFlight = new Set(); // keys sent and not answered yet: never asked twice at once
  const failed = new Set(); // keys the server refused (e.g. nothing readable): not asked again
  let flushTimer = null;
  let scanTimer = null;
  let pausedUntil = 0;
  let backoff = 0;
  let retryTimer = null;
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

  // Debug timing (only when the debugTiming setting is on): all content-script time spent on
  // messages, divided by the number of distinct messages handled.
  function record(ms, newMessages) {
    if (!debugTiming) return;
    stats.messages += newMessages;
    stats.totalMs += ms;
    if (newMessages) stats.maxMs = Math.max(stats.maxMs, ms / newMessages);
    document.documentElement.setAttribute('data-attune-work', JSON.stringify(stats));
  }

  function place(msg, result) {
    const prev = rendered.get(msg.el);
    if (prev && prev.host) prev.host.remove();
    const key = A.textKey(msg.text);
    const host = A.render.createBadge(document, result, msg.text, {
      feedback: (label) => feedback(msg.text, label, result),
    });
    msg.anchor.after(host);
    rendered.set(msg.el, { key, host, result });
  }

  async function feedback(text, label, result) {
    const res = await send({ type: A.MSG.FEEDBACK, text, label, predicted: result.label, model_version: result.model });
    if (!res || !res.ok) throw new Error(res && res.error ? res.error.message || res.error.code : 'no answer');
    return res.data;
  }

  function scan() {
    scanTimer = null;
    if (!adapter) adapter = A.adapters.pick(location.hostname, document);
    if (!adapter) return;
    const t0 = performance.now();
    let work = 0;
    const messages = A.adapters.findMessages(document, adapter);
    const customer = [];
    for (const msg of messages) {
      if (msg.role !== 'customer' || !msg.text) continue;
      customer.push(msg);
      const key = A.textKey(msg.text);
      const prev = rendered.get(msg.el);
      if (prev && prev.key === key && prev.host.isConnected) continue;
      if (inFlight.has(key) || failed.has(key)) continue;
      if (!pending.has(key)) work++;
      const cached = results.get(key);
      if (cached) place(msg, cached);
      else pending.set(key, msg.text);
    }
    record(performance.now() - t0, work);
    updateThread(customer);
    if (pending.size) scheduleFlush();
  }

  function scheduleScan() {
    if (!scanTimer) scanTimer = setTimeout(scan, 0);
  }

  function scheduleFlush() {
    if (flushTimer || Date.now() < pausedUntil) return;
    flushTimer = setTimeout(flush, 0);
  }

  async function flush() {
    flushTimer = null;
    if (!pending.size) return;
    const batch = pending;
    pending = new Map();
    // The server reads at most 20000 characters; cues index the same prefix.
    const items = [...batch].map(([id, text]) => ({ id, text: text.slice(0, 20000) }));
    for (const key of batch.keys()) inFlight.add(key);
    const res = await send({ type: A.MSG.ANALYZE_BATCH, items });
    for (const key of batch.keys()) inFlight.delete(key);
    if (!res || !res.ok) {
      for (const [k, v] of batch) pending.set(k, v); // keep them for the retry
      return unavailable(res && res.error ? res.error.code : 'error');
    }
    available();
    for (const r of res.data.results) {
      if (r.error) failed.add(r.id);
      else results.set(r.id, r);
    }
    // A long-lived single-page app sees many tickets: keep the newest 1000 results.
    for (const key of results.keys()) {
      if (results.size <= 1000) break;
      results.delete(key);
    }
    const t0 = performance.now();
    for (const msg of A.adapters.findMessages(document, adapter)) {
      if (msg.role !== 'customer' || !msg.text) continue;
      const key = A.textKey(msg.text);
      const prev = rendered.get(msg.el);
      if (batch.has(key) && results.has(key) && !(prev && prev.key === key && prev.host.isConnected)) {
        place(msg, results.get(key));
      }
    }
    record(performance.now() - t0, 0); // these messages were counted when first seen
    scheduleScan(); // the thread summary now has more results
  }

  // Server down or not paired: one grey badge, then a single retry after a growing pause.
  function unavailable(code) {
    if (code === 'gone') return;
    backoff = A.nextBackoff(backoff);
    pausedUntil = Date.now() + backoff;
    const state = code === 'offline' || code === 'unpaired' ? code : 'error';
    if (!statusHost || !statusHost.isConnected || statusHost.getAttribute('data-attune-state') !== state) {
      if (statusHost) statusHost.remove();
      statusHost = A.render.createStatus(document, state, { openOptions: () => send({ type: A.MSG.OPEN_OPTIONS }) });
      document.documentElement.append(statusHost);
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      pausedUntil = 0;
      scheduleFlush();
    }, backoff);
  }

  function available() {
    backoff = 0;
    pausedUntil = 0;
    if (statusHost) statusHost.remove();
    statusHost = null;
  }

  function updateThread(customer) {
    const known = customer.map((m) => results.get(A.textKey(m.text))).filter(Boolean);
    if (!known.length) return;
    const sig = known.map((r) => r.label + r.intensity).join(',');
    if (threadHost && threadHost.isConnected && threadHost.attuneSig === sig) return;
    if (threadHost) threadHost.remove();
    threadHost = A.render.createThreadSummary(document, known);
    threadHost.attuneSig = sig;
    const container = document.querySelector(adapter.thread);
    if (container) container.prepend(threadHost);
    else customer[0].el.before(threadHost);
  }

  function latestCustomerLabel() {
    const msgs = A.adapters.findMessages(document, adapter).filter((m) => m.role === 'customer' && m.text);
    for (let i = msgs.length - 1; i >= 0; i--) {
      const r = results.get(A.textKey(msgs[i].text));
      if (r) return r.label;
    }
    return undefined;
  }

  const checkDraft = A.debounce(async (editor) => {
    const text = A.adapters.editorText(editor);
    if (replyHost) replyHost.remove();
    replyHost = null;
    if (text.length < 3 || Date.now() < pausedUntil) return A.marks && A.marks.clear(document);
    const label = latestCustomerLabel();
    const res = await send({ type: A.MSG.REPLY_CHECK, text, label });
    if (!res || !res.ok) return; // the page-level status badge already says why
    if (replyHost) replyHost.remove();
    replyHost = A.render.createReplyHint(document, res.data);
    editor.after(replyHost);
    if (A.marks) A.marks.show(document, editor, text, res.data, replyHost); // content/marks.js
  }, 700);

  document.addEventListener(
    'input',
    (e) => {
      if (!adapter) return;
      const editor = A.adapters.findEditor(e.target, adapter);
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
  observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });

  chrome.storage.local.get('debugTiming').then((s) => {
    debugTiming = Boolean(s.debugTiming);
    scan();
  });
})();
