// Generic mode, for any site without an adapter: injected on demand (context menu or the
// "Attune: read tone" command) and shows the hint for the selected text beside the selection.
(function () {
  'use strict';
  const A = globalThis.Attune;
  if (!A || A.genericStarted) return;
  A.genericStarted = true;
  let host = null;

  function selectionRect() {
    const sel = document.getSelection();
    if (sel && sel.rangeCount) {
      const r = sel.getRangeAt(sel.rangeCount - 1).getBoundingClientRect();
      if (r.width || r.height) return r;
    }
    return { left: 16, bottom: 16, top: 16 };
  }

  function show({ text, result, error }) {
    if (host) host.remove();
    if (error) {
      const state = error.code === 'offline' || error.code === 'unpaired' ? error.code : 'error';
      host = A.render.createStatus(document, state, { openOptions: () => chrome.runtime.sendMessage({ type: A.MSG.OPEN_OPTIONS }) });
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
    const r = selectionRect();
    const x = Math.max(8, Math.min(r.left, window.innerWidth - 200));
    const y = Math.min(r.bottom + 4, window.innerHeight - 40);
    host.style.cssText += `position:fixed;left:${x}px;top:${y}px;z-index:2147483645;`;
    document.documentElement.append(host);
  }

  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.type === A.MSG.SHOW_HINT) show(msg);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && host && !host.hasAttribute('data-attune-open')) host.remove();
  });
})();
