// Content scripts are registered only for the helpdesks the agent enabled (and granted) in the
// options page, so the manifest needs no broad host permissions.
import { getSettings } from './sw-settings.js';

const SCRIPT_ID = 'attune-helpdesk';
export const CONTENT_FILES = ['common/messages.js', 'common/core.js', 'content/adapters.js', 'content/render.js', 'content/marks.js', 'content/main.js'];

let lock = Promise.resolve(); // options page and startup may sync at once (a lock, not state)

export function syncContentScripts() {
  const run = async () => {
    const { enabledSites, customSites } = await getSettings();
    const granted = [];
    for (const pattern of globalThis.Attune.enabledPatterns(enabledSites, customSites)) {
      if (await chrome.permissions.contains({ origins: [pattern] })) granted.push(pattern);
    }
    const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
    if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    if (granted.length) {
      await chrome.scripting.registerContentScripts([
        { id: SCRIPT_ID, matches: granted, js: CONTENT_FILES, runAt: 'document_idle', allFrames: false, persistAcrossSessions: true },
      ]);
    }
    return granted;
  };
  return (lock = lock.then(run, run));
}
