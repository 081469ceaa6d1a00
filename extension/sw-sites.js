// Content scripts are registered only for the helpdesks the agent enabled (and granted) in the
// options page, so the manifest needs no broad host permissions.
import { getSettings } from './sw-settings.js';

const SCRIPT_ID = 'attune-helpdesk';
export const CONTENT_FILES = [
  'common/messages.js', 'common/core.js', 'common/sites.js', 'common/queue.js', 'common/rules.js', 'content/adapters.js',
  'common/learn.js', 'content/render.js', 'content/marks.js', 'content/teach.js', 'content/main.js',
];

let lock = Promise.resolve(); // options page and startup may sync at once (a lock, not state)

// Match patterns without ports, for browsers that refuse ports in them (Firefox).
const withoutPort = (pattern) => pattern.replace(/^(\w+:\/\/[^/:]+):\d+/, '$1');

async function granted(pattern) {
  try {
    return await chrome.permissions.contains({ origins: [pattern] });
  } catch (_) {
    return chrome.permissions.contains({ origins: [withoutPort(pattern)] });
  }
}

export function syncContentScripts() {
  const run = async () => {
    const { enabledSites, customSites, serverUrl } = await getSettings();
    const allowed = [];
    for (const pattern of globalThis.Attune.enabledPatterns(enabledSites, customSites)) {
      if (await granted(pattern)) allowed.push(pattern);
    }
    const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
    if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    if (allowed.length) {
      const script = { id: SCRIPT_ID, matches: allowed, js: CONTENT_FILES, runAt: 'document_idle', allFrames: false, persistAcrossSessions: true };
      try {
        // Never into Attune's own server, even if its host is enabled (main.js checks again).
        await chrome.scripting.registerContentScripts([{ ...script, excludeMatches: [globalThis.Attune.originPattern(serverUrl)] }]);
      } catch (_) {
        // Match patterns without ports (Firefox): register by host; pageAllowed in main.js
        // keeps the script to the enabled origins and away from the server.
        await chrome.scripting.registerContentScripts([{ ...script, matches: [...new Set(allowed.map(withoutPort))] }]);
      }
    }
    return allowed;
  };
  return (lock = lock.then(run, run));
}
