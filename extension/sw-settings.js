// Settings live in chrome.storage.local (nothing in service-worker globals).
const { DEFAULTS } = globalThis.Attune;

export async function getSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored };
}

// First install: write the defaults so the options page shows them; keep what the agent set.
export async function ensureDefaults() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  const missing = Object.fromEntries(Object.entries(DEFAULTS).filter(([k]) => !(k in stored)));
  if (Object.keys(missing).length) await chrome.storage.local.set(missing);
}
