// Message types, defaults and the answer shape shared by the service worker, content scripts and
// the options page. A classic script (no import/export) so content scripts can load it; modules
// import it for its side effect.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});
  root.MSG = Object.freeze({
    ANALYZE_BATCH: 'attune/analyze-batch', // content -> sw: {items: [{id: textKey(text), text}]}
    LIMITS: 'attune/limits', // content -> sw: the server's {max_text_chars, max_batch_items}
    REPLY_CHECK: 'attune/reply-check', // content -> sw: {text, label}
    FEEDBACK: 'attune/feedback', // content -> sw: {text, label, predicted, model_version}
    KNOWN_TERM: 'attune/known-term', // content -> sw: {term} the customers know: never flag it as jargon
    TEST_CONNECTION: 'attune/test-connection', // options -> sw: {serverUrl?, token?}
    SYNC_SITES: 'attune/sync-sites', // options -> sw: re-register content scripts
    OPEN_OPTIONS: 'attune/open-options', // content -> sw
    SHOW_HINT: 'attune/show-hint', // sw -> generic content script: {text, result} or {error}
    TEACH_TAB: 'attune/teach-tab', // popup -> sw: {tabId}: inject the content scripts if needed, open the picker
    START_TEACH: 'attune/start-teach', // sw -> helpdesk content script: open the picker
    SAVE_RULE: 'attune/save-rule', // content -> sw: {rule} taught on this page
    SAVE_RULES: 'attune/save-rules', // options -> sw: {rules} imported (same id replaces)
    DELETE_RULE: 'attune/delete-rule', // options -> sw: {id}
    TEST_RULE: 'attune/test-rule', // options -> sw: {rule} -> what it finds in the open tabs of its origin
  });
  root.DEFAULTS = Object.freeze({
    serverUrl: 'http://127.0.0.1:8765',
    token: '',
    enabledSites: [],
    customSites: [], // origins ("http://127.0.0.1:8800"), port included
    siteRules: [], // taught rules, see common/rules.js and common/learn.js
    debugTiming: false,
    draftMarks: true, // reply-check findings marked on the draft (content/marks.js)
  });

  // The one settings reader (service worker, options page, content scripts): stored values over
  // the defaults. `area` is chrome.storage.local.
  root.readSettings = async function readSettings(area) {
    return { ...root.DEFAULTS, ...(await area.get(Object.keys(root.DEFAULTS))) };
  };

  // Every answer of the service worker's router is {ok: true, data} or {ok: false, error: {code, message}}.
  root.answer = Object.freeze({
    ok: (data) => ({ ok: true, data }),
    fail: (err) => ({ ok: false, error: { code: (err && err.code) || 'error', message: (err && err.message) || String(err) } }),
    // An answer -> its data, or an Error carrying the code (no answer at all is 'no_answer').
    unwrap(res) {
      if (res && res.ok) return res.data;
      const e = (res && res.error) || { code: 'no_answer', message: 'The extension did not answer.' };
      throw Object.assign(new Error(e.message || e.code), { code: e.code });
    },
  });
})();
