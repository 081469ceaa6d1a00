// Shared helpers for the node --test suites: load the extension's classic scripts (they attach to
// globalThis.Attune) and parse saved DOM fixtures with linkedom (a devDependency of extension/).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const ext = new URL('../../extension/', import.meta.url);
const requireFromExt = createRequire(new URL('package.json', ext));

export async function loadAttune(...files) {
  for (const f of ['common/messages.js', 'common/core.js', 'common/sites.js', ...files]) await import(new URL(f, ext).href);
  return globalThis.Attune;
}

export async function parseHTML(html) {
  const linkedom = await import(pathToFileURL(requireFromExt.resolve('linkedom')).href);
  return linkedom.parseHTML(html);
}

export function fixture(name) {
  return readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
}

// An in-memory chrome.storage area with the same get/set/remove semantics the code relies on.
export function memoryArea() {
  const data = {};
  return {
    data,
    async get(keys) {
      if (keys == null) return { ...data };
      const list = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : Object.keys(keys);
      const out = {};
      for (const k of list) if (k in data) out[k] = structuredClone(data[k]);
      else if (keys && typeof keys === 'object' && !Array.isArray(keys) && k in keys) out[k] = keys[k];
      return out;
    },
    async set(obj) {
      for (const [k, v] of Object.entries(obj)) data[k] = structuredClone(v);
    },
    async remove(keys) {
      for (const k of typeof keys === 'string' ? [keys] : keys) delete data[k];
    },
  };
}
