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

// The registrations to try, best first: exact origins with ports and the server excluded; then
// by host for browsers that refuse ports in patterns (Firefox), where pageAllowed in main.js keeps
// the script to the enabled origins and away from the server.
function wantedScripts(allowed, serverUrl) {
  const script = { id: SCRIPT_ID, matches: allowed, js: CONTENT_FILES, runAt: 'document_idle', allFrames: false, persistAcrossSessions: true };
  return [
    { ...script, excludeMatches: [globalThis.Attune.originPattern(serverUrl)] },
    { ...script, matches: [...new Set(allowed.map(withoutPort))] },
  ];
}

const sameList = (a, b) => JSON.stringify([...(a || [])].sort()) === JSON.stringify([...(b || [])].sort());

// Is a registered script already what we want? Then it is left alone: re-registering it opens a
// moment with no content script, and a page loaded then (the first page after a browser restart)
// got no hints until it was reloaded.
function sameScript(registered, wanted) {
  return sameList(registered.matches, wanted.matches) && sameList(registered.excludeMatches, wanted.excludeMatches) &&
    JSON.stringify(registered.js) === JSON.stringify(wanted.js) && (registered.runAt || 'document_idle') === wanted.runAt;
}

async function register(existing, candidates) {
  let error;
  for (const script of candidates) {
    try {
      // update is one step: no moment without a script, as unregister + register would leave.
      if (existing) await chrome.scripting.updateContentScripts([script]);
      else await chrome.scripting.registerContentScripts([script]);
      return;
    } catch (err) {
      error = err;
    }
  }
  throw error;
}

// Pages of the enabled sites opened before the script was registered (a page that loaded while
// the worker started, or a tab open when the site was enabled) get it now; main.js runs once.
async function injectOpenTabs(patterns) {
  let tabs = [];
  try {
    tabs = await chrome.tabs.query({ url: patterns });
  } catch (_) {
    tabs = (await Promise.all(patterns.map((p) => chrome.tabs.query({ url: withoutPort(p) }).catch(() => [])))).flat();
  }
  for (const tab of tabs) {
    try {
      await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: CONTENT_FILES });
    } catch (_) {
      /* a tab we may not script (still loading an error page, permission withdrawn) */
    }
  }
}

export function syncContentScripts({ injectOpen = false } = {}) {
  const run = async () => {
    const { enabledSites, customSites, serverUrl } = await getSettings();
    const allowed = [];
    for (const pattern of globalThis.Attune.enabledPatterns(enabledSites, customSites)) {
      if (await granted(pattern)) allowed.push(pattern);
    }
    const [existing] = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
    if (!allowed.length) {
      if (existing) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
      return allowed;
    }
    const candidates = wantedScripts(allowed, serverUrl);
    if (!(existing && candidates.some((c) => sameScript(existing, c)))) await register(existing, candidates);
    if (injectOpen) await injectOpenTabs(allowed);
    return allowed;
  };
  return (lock = lock.then(run, run));
}
