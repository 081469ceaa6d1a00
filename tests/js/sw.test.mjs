// Service-worker logic outside the browser: the result cache and the API client (batching, caching,
// error mapping), against a small HTTP server on a free loopback port that records each request.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { loadAttune, memoryArea } from './helpers.mjs';

const A = await loadAttune();
globalThis.chrome = { storage: { local: memoryArea(), session: memoryArea() } };
await import('../../extension/common/rules.js');
const { createResultCache } = await import('../../extension/sw-cache.js');
const rules = await import('../../extension/sw-rules.js');
const api = await import('../../extension/sw-api.js');

const requests = [];
let mode = 'ok';
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    requests.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: body ? JSON.parse(body) : null });
    const send = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (mode === 'badtoken' && req.url !== '/v1/health') return send(401, { error: { code: 'unauthorized', message: 'bad token' } });
    if (req.url === '/v1/health') return send(200, mode === 'degraded' ? { status: 'degraded', model_version: 'm-1', reason: 'the model process fell back' } : { status: 'ok', model_version: 'm-1' });
    if (req.url === '/v1/model') return send(200, { version: 'm-1', ...(mode === 'limits' ? { limits: { max_text_chars: 50, max_batch_items: 4 } } : {}) });
    if (req.url === '/v1/analyze/batch') {
      const results = JSON.parse(body).items.map((i) =>
        i.text.includes('FAIL') ? { id: i.id, error: { code: 'invalid_input', message: 'no' } } : { id: i.id, label: i.text.includes('!') ? 'angry' : 'neutral', confidence: 0.9, intensity: 0.5, cues: [], model: mode === 'newmodel' ? 'm-2' : 'm-1' },
      );
      return send(200, { results });
    }
    if (req.url === '/v1/feedback') return send(201, { id: 7 });
    if (req.url === '/v1/reply/check') return send(200, { ok: true, issues: [], strengths: [] });
    if (req.url === '/v1/reply/terms') return send(200, { added: [], removed: ['dns'], unchanged: [] });
    send(404, { error: { code: 'not_found', message: 'no route' } });
  });
});
let base;
before(async () => {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());
beforeEach(async () => {
  requests.length = 0;
  mode = 'ok';
  globalThis.chrome.storage.session = memoryArea();
  await globalThis.chrome.storage.local.set({ serverUrl: base, token: 'tok' });
});

test.describe('result cache', () => {
  test('returns what was stored and nothing else', async () => {
    const c = createResultCache(memoryArea());
    await c.putMany([['a', { label: 'angry', model: 'm' }]]);
    const got = await c.getMany(['a', 'b']);
    assert.deepEqual([...got.keys()], ['a']);
    assert.equal(got.get('a').label, 'angry');
  });
  test('evicts the least recently used beyond max', async () => {
    const area = memoryArea();
    const c = createResultCache(area, { max: 2 });
    await c.putMany([['a', { model: 'm' }], ['b', { model: 'm' }]]);
    await c.getMany(['a']); // a is now the most recent
    await c.putMany([['c', { model: 'm' }]]);
    assert.deepEqual([...(await c.getMany(['a', 'b', 'c'])).keys()].sort(), ['a', 'c']);
    assert.ok(!('r:b' in area.data));
  });
  test('a new model version drops results of the old one', async () => {
    const c = createResultCache(memoryArea());
    await c.putMany([['a', { model: 'v1' }]]);
    await c.putMany([['b', { model: 'v2' }]]);
    assert.deepEqual([...(await c.getMany(['a', 'b'])).keys()], ['b']);
  });
});

// Content scripts send each text with its hash as the id (hashed once, there); the worker keys its
// cache by that id.
const item = (text) => ({ id: A.textKey(text), text });

test('a page of messages goes in one batch request, duplicates once', async () => {
  const items = [item('I am furious!'), item('Please update my address'), item('I am furious!')];
  const { results } = await api.analyzeItems(items);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].auth, 'Bearer tok');
  assert.equal(requests[0].body.items.length, 2);
  assert.deepEqual(results.map((r) => [r.id, r.label]), items.map((i, n) => [i.id, ['angry', 'neutral', 'angry'][n]]));
});

test('the worker uses the id it is given and does not hash again', async () => {
  await api.analyzeItems([{ id: 'given-id', text: 'hello there!' }]);
  assert.equal(requests[0].body.items[0].id, 'given-id');
  await api.analyzeItems([{ id: 'given-id', text: 'hello there!' }]);
  assert.equal(requests.length, 1); // served from the cache under the given id
});

test('cached texts are not sent again', async () => {
  await api.analyzeItems([item('one!')]);
  await api.analyzeItems([item('one!'), item('two')]);
  assert.equal(requests.length, 2);
  assert.deepEqual(requests[1].body.items.map((i) => i.text), ['two']);
});

test('more than 256 messages are split into server-sized batches', async () => {
  const items = Array.from({ length: 300 }, (_, i) => item(`message ${i}`));
  const { results } = await api.analyzeItems(items);
  assert.deepEqual(requests.map((r) => r.body.items.length), [256, 44]);
  assert.equal(results.length, 300);
});

test('the server\'s own batch limit, from GET /v1/model, splits the batches and bounds a message', async () => {
  mode = 'limits';
  const limits = await api.getLimits();
  assert.deepEqual(limits, { max_text_chars: 50, max_batch_items: 4 });
  await api.getLimits(); // kept for this server address: asked once
  assert.equal(requests.filter((r) => r.url === '/v1/model').length, 1);
  const items = Array.from({ length: 4 }, (_, i) => item(`limited ${i}`));
  await api.analyzeItems(items, limits);
  assert.deepEqual(requests.filter((r) => r.url === '/v1/analyze/batch').map((r) => r.body.items.length), [4]);
  assert.throws(() => api.validateItems([...items, item('one more')], limits), { code: 'invalid_input' });
});

test('an older server without limits: the defaults', async () => {
  assert.deepEqual(await api.getLimits(), A.DEFAULT_LIMITS);
});

test('a per-item error is passed on for that item only', async () => {
  const { results } = await api.analyzeItems([item('FAIL me'), item('fine')]);
  assert.equal(results[0].error.code, 'invalid_input');
  assert.equal(results[1].label, 'neutral');
});

test('no token: unpaired, without calling the server', async () => {
  await globalThis.chrome.storage.local.set({ token: '' });
  await assert.rejects(api.analyzeItems([item('hi')]), { code: 'unpaired' });
  assert.equal(requests.length, 0);
});

test('a rejected token is reported as unpaired', async () => {
  mode = 'badtoken';
  await assert.rejects(api.analyzeItems([item('hi')]), { code: 'unpaired' });
});

test('server down: offline, then calls fail fast instead of retrying', async () => {
  await globalThis.chrome.storage.local.set({ serverUrl: 'http://127.0.0.1:9' });
  await assert.rejects(api.analyzeItems([item('hi')]), { code: 'offline' });
  const { offlineUntil } = await globalThis.chrome.storage.session.get('offlineUntil');
  assert.ok(offlineUntil > Date.now());
  // back on a working server, the pause still holds until it ends
  await globalThis.chrome.storage.local.set({ serverUrl: base });
  await assert.rejects(api.analyzeItems([item('hello')]), { code: 'offline' });
  assert.equal(requests.length, 0);
});

test('bad messages from a content script are refused', () => {
  assert.throws(() => api.validateItems('nope'), { code: 'invalid_input' });
  assert.throws(() => api.validateItems([{ id: 1, text: 'x' }]), { code: 'invalid_input' });
  assert.throws(() => api.validateItems(Array.from({ length: 257 }, () => item('x'))), { code: 'invalid_input' });
});

test('feedback posts the corrected label; an unknown label never reaches the server', async () => {
  const data = await api.sendFeedback({ text: 'I am furious!', label: 'angry', predicted: 'neutral', model_version: 'm-1' });
  assert.deepEqual(data, { id: 7 });
  assert.deepEqual(requests[0].body, { text: 'I am furious!', label: 'angry', source: 'extension', predicted: 'neutral', model_version: 'm-1' });
  await assert.rejects(api.sendFeedback({ text: 'x', label: 'furious' }), { code: 'unknown_label' });
  assert.equal(requests.length, 1);
});

test('reply check sends the draft with the customer label', async () => {
  await api.checkReply('We will fix it today.', 'angry');
  await api.checkReply('We will fix it today.', 'not-a-label');
  assert.deepEqual(requests.map((r) => r.body), [{ text: 'We will fix it today.', label: 'angry' }, { text: 'We will fix it today.' }]);
});

test('a term the customers know is sent to be never flagged; a non-term never reaches the server', async () => {
  assert.deepEqual(await api.markKnownTerm(' DNS '), { added: [], removed: ['dns'], unchanged: [] });
  assert.deepEqual(requests.map((r) => [r.url, r.body]), [['/v1/reply/terms', { remove: ['DNS'] }]]);
  await assert.rejects(api.markKnownTerm('  '), { code: 'invalid_input' });
  await assert.rejects(api.markKnownTerm('x'.repeat(101)), { code: 'invalid_input' });
  await assert.rejects(api.markKnownTerm(7), { code: 'invalid_input' });
  assert.equal(requests.length, 1);
});

test.describe('test connection', () => {
  test('ok names the model', async () => {
    const r = await api.testConnection({ serverUrl: base, token: 'tok' });
    assert.equal(r.state, 'ok');
    assert.match(r.message, /m-1/);
  });
  test('a degraded server is connected but says why', async () => {
    mode = 'degraded';
    const r = await api.testConnection({ serverUrl: base, token: 'tok' });
    assert.equal(r.state, 'degraded');
    assert.match(r.message, /m-1.*fell back/);
  });
  test('a wrong token is told apart from a missing server', async () => {
    mode = 'badtoken';
    assert.equal((await api.testConnection({ serverUrl: base, token: 'bad' })).state, 'unpaired');
    assert.equal((await api.testConnection({ serverUrl: base, token: '' })).state, 'unpaired');
    assert.equal((await api.testConnection({ serverUrl: 'http://127.0.0.1:9', token: 'x' })).state, 'offline');
    assert.equal((await api.testConnection({ serverUrl: 'nonsense', token: 'x' })).state, 'invalid');
  });
});

test.describe('taught rules', () => {
  const rule = (over = {}) => ({ id: 'r1', name: 'Desk', origin: 'http://127.0.0.1:8800', path: '/t/*', message: 'li.msg', customer: '.in', defaultRole: 'agent', ...over });
  test('saved by id: the same id replaces, others are kept; delete removes one', async () => {
    await globalThis.chrome.storage.local.set({ siteRules: [] });
    await rules.saveRules([rule(), rule({ id: 'r2', origin: 'https://help.example.com' })]);
    const after = await rules.saveRules([rule({ name: 'Renamed' })]);
    assert.deepEqual(after.map((r) => [r.id, r.name]), [['r2', 'Desk'], ['r1', 'Renamed']]);
    assert.deepEqual((await rules.deleteRule('r2')).map((r) => r.id), ['r1']);
    assert.deepEqual((await globalThis.chrome.storage.local.get('siteRules')).siteRules.map((r) => r.id), ['r1']);
  });
  test('a bad rule is refused with the field named, and nothing is stored', async () => {
    await globalThis.chrome.storage.local.set({ siteRules: [] });
    await assert.rejects(rules.saveRules([rule({ origin: 'http://127.0.0.1:8800/path' })]), /origin/);
    await assert.rejects(rules.saveRules([rule({ message: 42 })]), /message/);
    await assert.rejects(rules.saveRules([rule({ author: { selector: '.user' } })]), /author and requester/);
    assert.deepEqual((await globalThis.chrome.storage.local.get('siteRules')).siteRules, []);
  });
  test('unknown fields are dropped and a bad role becomes unknown', async () => {
    await globalThis.chrome.storage.local.set({ siteRules: [] });
    const [saved] = await rules.saveRules([rule({ defaultRole: 'boss', script: 'alert(1)' })]);
    assert.equal(saved.defaultRole, 'unknown');
    assert.equal('script' in saved, false);
  });
});

const { syncContentScripts } = await import('../../extension/sw-sites.js');

test.describe('content script registration', () => {
  // A browser whose match patterns may or may not carry ports (Chromium does, Firefox does not).
  // `registered` is what the browser holds (it persists across calls, as across sessions);
  // `calls` records every change made to it.
  function fakeBrowser({ ports, tabs = [] }) {
    const registered = [];
    const calls = [];
    const check = (patterns) => {
      if (!ports && patterns.some((p) => /:\/\/[^/]+:\d+\//.test(p))) throw new Error('Invalid url pattern');
    };
    globalThis.chrome.permissions = { contains: async ({ origins }) => (check(origins), true) };
    globalThis.chrome.scripting = {
      getRegisteredContentScripts: async () => registered.map((s) => ({ ...s })),
      unregisterContentScripts: async () => (calls.push('unregister'), registered.splice(0)),
      registerContentScripts: async ([s]) => (check([...s.matches, ...(s.excludeMatches || [])]), calls.push('register'), registered.push(s)),
      updateContentScripts: async ([s]) => (check([...s.matches, ...(s.excludeMatches || [])]), calls.push('update'), registered.splice(0, 1, s)),
      executeScript: async ({ target }) => calls.push(`inject ${target.tabId}`),
    };
    const covers = (p, url) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '[^]*')}$`).test(url);
    globalThis.chrome.tabs = { query: async ({ url }) => (check(url), tabs.filter((t) => url.some((p) => covers(p, t.url)))) };
    return { registered, calls };
  }
  const settings = { serverUrl: 'http://127.0.0.1:8765', customSites: ['http://127.0.0.1:8800'], enabledSites: ['zendesk'] };

  test('exact origins with their port, and the server excluded', async () => {
    const { registered } = fakeBrowser({ ports: true });
    await globalThis.chrome.storage.local.set(settings);
    assert.deepEqual(await syncContentScripts(), ['https://*.zendesk.com/*', 'http://127.0.0.1:8800/*']);
    assert.deepEqual(registered[0].matches, ['https://*.zendesk.com/*', 'http://127.0.0.1:8800/*']);
    assert.deepEqual(registered[0].excludeMatches, ['http://127.0.0.1:8765/*']);
  });

  test('a browser without ports in patterns: by host, and main.js checks the origin', async () => {
    const { registered } = fakeBrowser({ ports: false });
    await globalThis.chrome.storage.local.set(settings);
    await syncContentScripts();
    assert.deepEqual(registered[0].matches, ['https://*.zendesk.com/*', 'http://127.0.0.1/*']);
    assert.equal(registered[0].excludeMatches, undefined);
  });

  for (const ports of [true, false]) {
    test(`a script persisted from the last session is left alone (ports ${ports}): no moment without it`, async () => {
      const { calls } = fakeBrowser({ ports });
      await globalThis.chrome.storage.local.set(settings);
      await syncContentScripts();
      assert.deepEqual(calls, ['register']);
      await syncContentScripts(); // browser start: the same settings
      assert.deepEqual(calls, ['register']);
    });
  }

  test('changed sites update the script in one step; none left: it is removed', async () => {
    const { registered, calls } = fakeBrowser({ ports: true });
    await globalThis.chrome.storage.local.set(settings);
    await syncContentScripts();
    await globalThis.chrome.storage.local.set({ ...settings, customSites: [] });
    await syncContentScripts();
    assert.deepEqual(calls, ['register', 'update']);
    assert.deepEqual(registered[0].matches, ['https://*.zendesk.com/*']);
    await globalThis.chrome.storage.local.set({ ...settings, customSites: [], enabledSites: [] });
    assert.deepEqual(await syncContentScripts(), []);
    assert.deepEqual(calls, ['register', 'update', 'unregister']);
    assert.equal(registered.length, 0);
  });

  test('open tabs of the enabled sites get the script when asked, others do not', async () => {
    const tabs = [{ id: 1, url: 'http://127.0.0.1:8800/ticket/1' }, { id: 2, url: 'https://example.com/' }, { id: 3, url: 'https://acme.zendesk.com/agent' }];
    const { calls } = fakeBrowser({ ports: true, tabs });
    await globalThis.chrome.storage.local.set(settings);
    await syncContentScripts();
    assert.deepEqual(calls, ['register']);
    await syncContentScripts({ injectOpen: true });
    assert.deepEqual(calls, ['register', 'inject 1', 'inject 3']);
  });
});
