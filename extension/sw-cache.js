// Results cached by text hash in a storage area (chrome.storage.session in the extension: kept in
// memory, never written to disk, shared by all tabs, survives service-worker restarts).
// Least recently used entries go first; the whole cache is dropped when the model version changes.

export function createResultCache(area, { max = 500, prefix = 'r:' } = {}) {
  const INDEX = 'cacheIndex';
  const MODEL = 'cacheModel';
  let lock = Promise.resolve(); // serialises index updates (a lock, not state)
  const serial = (fn) => (lock = lock.then(fn, fn));

  async function getMany(keys) {
    const wanted = [...new Set(keys)];
    if (!wanted.length) return new Map();
    const got = await area.get(wanted.map((k) => prefix + k));
    const out = new Map();
    for (const k of wanted) if (got[prefix + k]) out.set(k, got[prefix + k]);
    if (out.size) await serial(() => touch([...out.keys()]));
    return out;
  }

  async function touch(keys) {
    const { [INDEX]: index = [] } = await area.get(INDEX);
    const set = new Set(keys);
    await area.set({ [INDEX]: index.filter((k) => !set.has(k)).concat(keys) });
  }

  // entries: Map or array of [key, result]; results carry `model` (the version that made them).
  function putMany(entries) {
    return serial(async () => {
      const list = [...entries];
      if (!list.length) return;
      const version = list[list.length - 1][1].model;
      const { [INDEX]: old = [], [MODEL]: cachedModel } = await area.get([INDEX, MODEL]);
      let index = old;
      if (version && cachedModel && cachedModel !== version) {
        await area.remove(index.map((k) => prefix + k));
        index = [];
      }
      const keys = list.map(([k]) => k);
      const set = new Set(keys);
      index = index.filter((k) => !set.has(k)).concat(keys);
      const evicted = index.length > max ? index.slice(0, index.length - max) : [];
      index = index.slice(evicted.length);
      const values = Object.fromEntries(list.map(([k, v]) => [prefix + k, v]));
      await area.set({ ...values, [INDEX]: index, [MODEL]: version || cachedModel || null });
      if (evicted.length) await area.remove(evicted.map((k) => prefix + k));
    });
  }

  function clear() {
    return serial(async () => {
      const { [INDEX]: index = [] } = await area.get(INDEX);
      await area.remove([...index.map((k) => prefix + k), INDEX, MODEL]);
    });
  }

  return { getMany, putMany, clear };
}
