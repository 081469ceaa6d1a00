// Selection mode, for any page: injected on demand (context menu or the "Attune: read tone"
// command). Reports the selected text and, when the page has a rule, whose message it is in; then
// shows the hint right after the selected element, in the page's flow, so it scrolls with it.
(function () {
  'use strict';
  const A = globalThis.Attune;
  if (!A || A.genericStarted) return;
  A.genericStarted = true;
  let host = null;
  let anchor = null; // where the hint goes: after the selected message's text, or the selected element

  const STATES = new Set(['offline', 'unpaired', 'empty', 'agent']);

  async function selectionInfo() {
    const sel = document.getSelection();
    const text = sel ? String(sel) : '';
    anchor = null;
    if (!text.trim() || !sel.rangeCount) return { text: '' };
    const range = sel.getRangeAt(sel.rangeCount - 1);
    const end = range.endContainer.nodeType === 1 ? range.endContainer : range.endContainer.parentElement;
    anchor = end && !end.closest('input, textarea') ? end : null;
    const settings = await A.readSettings(chrome.storage.local);
    const taught = settings.siteRules.filter((r) => r.origin === location.origin);
    const rule = A.rules.pick(location, document, taught);
    const msg = rule ? A.rules.messageAt(range.commonAncestorContainer, rule, document) : null;
    if (msg) anchor = msg.anchor;
    return { text, role: msg ? msg.role : null };
  }
  A.selectionInfo = selectionInfo;

  function show({ text, result, error }) {
    if (host) host.remove();
    if (error) {
      const state = STATES.has(error.code) ? error.code : 'error';
      const fix = state === 'empty' || state === 'agent' ? {} : { openOptions: () => chrome.runtime.sendMessage({ type: A.MSG.OPEN_OPTIONS }) };
      host = A.render.createStatus(document, state, fix);
      host.setAttribute('data-attune-generic', '');
      document.documentElement.append(host);
      return;
    }
    host = A.render.createBadge(document, result, text, {
      feedback: async (label) => {
        A.answer.unwrap(await chrome.runtime.sendMessage({
          type: A.MSG.FEEDBACK, text, label, predicted: result.label, model_version: result.model, source: 'extension-generic',
        }));
      },
    });
    host.setAttribute('data-attune-generic', '');
    if (anchor && anchor.isConnected) {
      anchor.after(host);
    } else {
      // A selection inside a text field: no element of the page to follow, so a corner.
      host.style.cssText += 'position:fixed;right:12px;bottom:12px;z-index:2147483645;';
      document.documentElement.append(host);
    }
  }

  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.type === A.MSG.SHOW_HINT) show(msg);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && host && !host.hasAttribute('data-attune-open')) host.remove();
  });
})();
