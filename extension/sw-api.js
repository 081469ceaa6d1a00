// The only code that talks to the Attune server. Errors become ApiError with a stable code:
// offline (cannot connect), unpaired (no or wrong token), or the server's own error code.
import { getSettings } from './sw-settings.js';
import { createResultCache } from './sw-cache.js';

const { planBatches, parseLimits, DEFAULT_LIMITS, RESULT_CACHE_MAX, LABELS } = globalThis.Attune;
const TIMEOUT_MS = 8000;

export class ApiError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let cache = null; // built lazily: the storage area only exists inside the extension
function resultCache() {
  return (cache = cache || createResultCache(chrome.storage.session, { max: RESULT_CACHE_MAX }));
}

// While the server is unreachable, calls fail fast for a growing pause instead of hammering it
// from every open tab. Kept in storage.session so it survives service-worker restarts.
async function offlineGate() {
  const { offlineUntil = 0 } = await chrome.storage.session.get('offlineUntil');
  return Date.now() < offlineUntil;
}
async function markOffline() {
  const { offlineBackoff = 0 } = await chrome.storage.session.get('offlineBackoff');
  const next = Math.min(60000, offlineBackoff ? offlineBackoff * 2 : 3000);
  await chrome.storage.session.set({ offlineUntil: Date.now() + next, offlineBackoff: next });
}
async function markOnline() {
  await chrome.storage.session.remove(['offlineUntil', 'offlineBackoff']);
}

export async function call(settings, path, { method = 'GET', body, auth = true, gate = true } = {}) {
  if (auth && !settings.token) throw new ApiError('unpaired', 'Not paired: paste the token from "attune token" in the Attune options.');
  if (gate && (await offlineGate())) throw new ApiError('offline', `The Attune server at ${settings.serverUrl} is not reachable.`);
  const headers = { Accept: 'application/json' };
  if (auth) headers.Authorization = `Bearer ${settings.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(new URL(path, settings.serverUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (_) {
    if (gate) await markOffline();
    throw new ApiError('offline', `The Attune server at ${settings.serverUrl} is not reachable. Start it with "attune serve".`);
  }
  if (gate) await markOnline();
  let data = null;
  try {
    data = await res.json();
  } catch (_) {
    /* a non-JSON answer is reported below by status */
  }
  if (res.status === 401 || res.status === 403) {
    throw new ApiError('unpaired', 'The server rejected the token: paste the one from "attune token" in the Attune options.', res.status);
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(err.code || 'server_error', err.message || `The server answered HTTP ${res.status}.`, res.status);
  }
  return data;
}

// The server's limits from GET /v1/model, kept in storage.session per server address. Until the
// server has answered (offline, unpaired, an older server) the defaults hold and nothing is kept.
export async function getLimits() {
  const settings = await getSettings();
  const { limits } = await chrome.storage.session.get('limits');
  if (limits && limits.serverUrl === settings.serverUrl) return limits.values;
  let data;
  try {
    data = await call(settings, '/v1/model');
  } catch (_) {
    return { ...DEFAULT_LIMITS };
  }
  const values = parseLimits(data && data.limits);
  await chrome.storage.session.set({ limits: { serverUrl: settings.serverUrl, values } });
  return values;
}

export function validateItems(items, limits = DEFAULT_LIMITS) {
  const max = limits.max_batch_items;
  if (!Array.isArray(items) || items.length > max) throw new ApiError('invalid_input', `items must be a list of at most ${max}`);
  for (const i of items) {
    if (!i || typeof i.id !== 'string' || typeof i.text !== 'string') throw new ApiError('invalid_input', 'each item needs a string id and text');
  }
  return items;
}

// Items [{id, text}] -> {results: [{id, ...result} | {id, error}]}. The id is the text's hash
// (textKey, computed once by the sender) and keys the shared cache; cached results are not
// re-sent, the rest go in as few requests as the server's batch limit allows.
export async function analyzeItems(items, limits = DEFAULT_LIMITS) {
  const settings = await getSettings();
  const cached = await resultCache().getMany(items.map((i) => i.id));
  const missing = new Map();
  for (const i of items) if (!cached.has(i.id) && i.text.trim()) missing.set(i.id, i.text);
  const fresh = new Map();
  const errors = new Map();
  for (const chunk of planBatches([...missing], limits.max_batch_items)) {
    const data = await call(settings, '/v1/analyze/batch', {
      method: 'POST',
      body: { items: chunk.map(([id, text]) => ({ id, text })) },
    });
    for (const r of data.results || []) {
      const { id, ...rest } = r;
      if (rest.error) errors.set(id, rest.error);
      else fresh.set(id, rest);
    }
  }
  if (fresh.size) await resultCache().putMany(fresh);
  return {
    results: items.map((i) => {
      const r = cached.get(i.id) || fresh.get(i.id);
      if (r) return { ...r, id: i.id };
      return { id: i.id, error: errors.get(i.id) || { code: 'empty_text', message: 'Nothing to read.' } };
    }),
  };
}

export async function checkReply(text, label) {
  if (typeof text !== 'string' || !text.trim()) throw new ApiError('empty_text', 'The draft is empty.');
  const body = { text };
  if (LABELS.includes(label)) body.label = label;
  return call(await getSettings(), '/v1/reply/check', { method: 'POST', body });
}

export async function sendFeedback(msg) {
  if (typeof msg.text !== 'string' || !msg.text.trim()) throw new ApiError('empty_text', 'No text to correct.');
  if (!LABELS.includes(msg.label)) throw new ApiError('unknown_label', `Unknown label: ${msg.label}`);
  const body = { text: msg.text, label: msg.label, source: msg.source || 'extension' };
  if (LABELS.includes(msg.predicted)) body.predicted = msg.predicted;
  if (typeof msg.model_version === 'string') body.model_version = msg.model_version;
  return call(await getSettings(), '/v1/feedback', { method: 'POST', body, gate: false });
}

// "Our customers know this word", from a jargon mark: the server keeps it in the team's coach.json.
export async function markKnownTerm(term) {
  if (typeof term !== 'string' || !term.trim() || term.trim().length > 100) {
    throw new ApiError('invalid_input', 'A term is 1 to 100 characters.');
  }
  return call(await getSettings(), '/v1/reply/terms', { method: 'POST', body: { remove: [term.trim()] } });
}

// For the options page: uses the values typed there (not yet saved) and says exactly what is wrong.
export async function testConnection({ serverUrl, token } = {}) {
  const saved = await getSettings();
  const settings = { ...saved, serverUrl: serverUrl || saved.serverUrl, token: token ?? saved.token };
  try {
    new URL(settings.serverUrl);
  } catch (_) {
    return { state: 'invalid', message: `Not a valid address: ${settings.serverUrl}` };
  }
  let health;
  try {
    health = await call(settings, '/v1/health', { auth: false, gate: false });
  } catch (e) {
    return { state: e.code, message: e.message };
  }
  if (!settings.token) return { state: 'unpaired', message: 'Server found, but no token yet: paste the token printed by "attune token".' };
  try {
    await call(settings, '/v1/model', { gate: false });
  } catch (e) {
    return { state: e.code, message: e.message };
  }
  await markOnline();
  await chrome.storage.session.remove('limits'); // a new server (or pairing) may have new limits
  const connected = `Connected to ${settings.serverUrl} — model ${health.model_version || 'unknown'}`;
  if (health.status === 'degraded') {
    // Paired and answering, but the server says something is wrong (its reason never holds ticket text).
    return { state: 'degraded', message: `${connected}, but the server reports a problem: ${health.reason || 'no reason given'}.`, model_version: health.model_version };
  }
  return { state: 'ok', message: `${connected}.`, model_version: health.model_version };
}
