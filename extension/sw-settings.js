// Settings live in chrome.storage.local (nothing in service-worker globals).
const { DEFAULTS, readSettings } = globalThis.Attune;

export function getSettings() {
  return readSettings(chrome.storage.local);
}

// First install: write the defaults so the options page shows them; keep what the agent set.
export async function ensureDefaults() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  const missing = Object.fromEntries(Object.entries(DEFAULTS).filter(([k]) => !(k in stored)));
  if (Object.keys(missing).length) await chrome.storage.local.set(missing);
}
