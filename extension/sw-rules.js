// Taught site rules: stored in chrome.storage.local as `siteRules` (data, one per origin and path
// pattern), shared between browsers and agents as JSON through the options page.
import { getSettings } from './sw-settings.js';
import { CONTENT_FILES } from './sw-sites.js';

const { rules: engine } = globalThis.Attune;

let lock = Promise.resolve(); // a save and an import at once must not lose either (a lock, not state)
const serial = (fn) => (lock = lock.then(fn, fn));

// Rules with the same id replace the stored ones; the rest are kept.
export function saveRules(input) {
  return serial(async () => {
    const incoming = input.map((r) => engine.validateRule(r));
    const { siteRules } = await getSettings();
    const ids = new Set(incoming.map((r) => r.id));
    const next = [...siteRules.filter((r) => !ids.has(r.id)), ...incoming];
    await chrome.storage.local.set({ siteRules: next });
    return next;
  });
}

export function deleteRule(id) {
  return serial(async () => {
    const { siteRules } = await getSettings();
    const next = siteRules.filter((r) => r.id !== id);
    await chrome.storage.local.set({ siteRules: next });
    return next;
  });
}

// What a rule finds in the open tabs of its origin: [{title, url, counts}] (Options → Test).
export async function testRule(input) {
  const rule = engine.validateRule(input);
  const tabs = await chrome.tabs.query({ url: `${rule.origin}/*` });
  const out = [];
  for (const tab of tabs) {
    try {
      await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: CONTENT_FILES.filter((f) => !f.endsWith('main.js')) });
      const [r] = await chrome.scripting.executeScript({
        target: { tabId: tab.id },
        func: (rule) => globalThis.Attune.learn.describeMatches(document, rule).counts,
        args: [rule],
      });
      out.push({ title: tab.title, url: tab.url, counts: r.result });
    } catch (_) {
      /* a tab we may not script (permission withdrawn): not counted */
    }
  }
  return out;
}
