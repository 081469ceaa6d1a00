// The content script's request queue, kept free of DOM and chrome.* so it can be unit-tested:
// texts wait here (keyed by their hash) for the next batch, are never asked twice at once, are
// not asked again once the server refused them, and are re-sent after a growing pause when the
// server is unavailable. Sending and time are injected.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});

  // deps: send(items) -> Promise<{ok, data: {results}} | {ok: false, error: {code}}>,
  //       setTimer(fn, ms) -> id, clearTimer(id), now() -> ms,
  //       onResults(keys), onUnavailable(code), onAvailable()   (all optional but send)
  function createQueue(deps) {
    const { send, setTimer = setTimeout, clearTimer = clearTimeout, now = Date.now } = deps;
    const noop = () => {};
    const onResults = deps.onResults || noop;
    const onUnavailable = deps.onUnavailable || noop;
    const onAvailable = deps.onAvailable || noop;
    const keep = deps.keep || root.RESULT_CACHE_MAX;

    const results = new Map(); // key -> result; insertion order is recency
    const pending = new Map(); // key -> text, waiting for the next batch
    const inFlight = new Set(); // sent, not answered yet
    const refused = new Set(); // the server said no for this text (e.g. nothing readable)
    let limits = root.parseLimits(deps.limits);
    let flushTimer = null;
    let retryTimer = null;
    let pausedUntil = 0;
    let backoff = 0;
    let gone = false; // the extension was reloaded: this page's script is orphaned

    function lookup(key) {
      return results.get(key);
    }

    // Queue a text unless it is known, on its way, waiting already or refused. True when queued.
    function want(key, text) {
      if (gone || results.has(key) || inFlight.has(key) || pending.has(key) || refused.has(key)) return false;
      pending.set(key, text);
      scheduleFlush();
      return true;
    }

    function paused() {
      return now() < pausedUntil;
    }

    function scheduleFlush() {
      if (flushTimer !== null || gone || paused() || !pending.size) return;
      flushTimer = setTimer(flush, 0);
    }

    async function flush() {
      flushTimer = null;
      if (!pending.size || paused() || gone) return;
      const batch = new Map();
      for (const [key, text] of pending) {
        if (batch.size >= limits.max_batch_items) break;
        batch.set(key, text);
      }
      for (const key of batch.keys()) {
        pending.delete(key);
        inFlight.add(key);
      }
      scheduleFlush(); // what did not fit goes in its own batch at once
      // The server reads at most max_text_chars; cues index the same prefix.
      const items = [...batch].map(([id, text]) => ({ id, text: text.slice(0, limits.max_text_chars) }));
      const res = await send(items);
      for (const key of batch.keys()) inFlight.delete(key);
      if (!res || !res.ok) {
        for (const [key, text] of batch) pending.set(key, text); // kept for the retry
        return unavailable(res && res.error ? res.error.code : 'error');
      }
      available();
      const keys = [];
      for (const r of res.data.results) {
        if (r.error) refused.add(r.id);
        else {
          remember(r.id, r);
          keys.push(r.id);
        }
      }
      onResults(keys);
    }

    function remember(key, result) {
      results.delete(key);
      results.set(key, result);
      for (const old of results.keys()) {
        if (results.size <= keep) break;
        results.delete(old);
      }
    }

    // Offline, unpaired or a server error: one pause (growing each time), then one retry.
    // Batches failing together extend the pause once, not once each.
    function unavailable(code) {
      if (code === 'gone') {
        gone = true;
        pending.clear();
        return onUnavailable(code);
      }
      if (!paused()) {
        backoff = root.nextBackoff(backoff);
        pausedUntil = now() + backoff;
        clearTimer(retryTimer);
        retryTimer = setTimer(() => {
          pausedUntil = 0;
          scheduleFlush();
        }, backoff);
      }
      onUnavailable(code);
    }

    function available() {
      backoff = 0;
      pausedUntil = 0;
      onAvailable();
    }

    function setLimits(l) {
      limits = root.parseLimits(l);
    }

    return { want, lookup, paused, flush, setLimits, limits: () => limits };
  }

  root.createQueue = createQueue;
})();
