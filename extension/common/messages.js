// Message types shared by the service worker, content scripts and the options page.
// A classic script (no import/export) so content scripts can load it; modules import it for its side effect.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});
  root.MSG = Object.freeze({
    ANALYZE_BATCH: 'attune/analyze-batch', // content -> sw: {items: [{id, text}]}
    REPLY_CHECK: 'attune/reply-check', // content -> sw: {text, label}
    FEEDBACK: 'attune/feedback', // content -> sw: {text, label, predicted, model_version}
    TEST_CONNECTION: 'attune/test-connection', // options -> sw: {serverUrl?, token?}
    SYNC_SITES: 'attune/sync-sites', // options -> sw: re-register content scripts
    OPEN_OPTIONS: 'attune/open-options', // content -> sw
    SHOW_HINT: 'attune/show-hint', // sw -> generic content script: {text, result} or {error}
  });
  root.DEFAULTS = Object.freeze({
    serverUrl: 'http://127.0.0.1:8765',
    token: '',
    enabledSites: [],
    customSites: [],
    debugTiming: false,
    draftMarks: true, // reply-check findings marked on the draft (content/marks.js)
  });
})();
