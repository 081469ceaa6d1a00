// The content script's request queue (common/queue.js) with a fake clock and a scripted sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAttune } from './helpers.mjs';

const A = await loadAttune('common/queue.js');

// A clock whose timers run only when the test advances it.
function fakeClock() {
  let t = 1000;
  let seq = 0;
  const timers = new Map();
  return {
    now: () => t,
    setTimer: (fn, ms) => (timers.set(++seq, { fn, at: t + ms }), seq),
    clearTimer: (id) => timers.delete(id),
    async advance(ms) {
      const until = t + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, x]) => x.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn(); // not awaited: a held send must not stall the clock
        await new Promise((r) => setImmediate(r));
      }
      t = until;
      await new Promise((r) => setImmediate(r)); // let answered sends settle
    },
  };
}

// A sender that records each batch and answers with what `reply` returns for it.
function recorder(reply = (items) => ({ ok: true, data: { results: items.map((i) => ({ id: i.id, label: 'neutral' })) } })) {
  const batches = [];
  let hold = null;
  const send = async (items) => {
    batches.push(items);
    if (hold) await hold.promise;
    return reply(items);
  };
  return {
    batches,
    send,
    hold() {
      let release;
      hold = { promise: new Promise((r) => (release = r)) };
      return () => {
        hold = null;
        release();
      };
    },
  };
}

function makeQueue(over = {}) {
  const clock = fakeClock();
  const rec = over.recorder || recorder();
  const events = [];
  const q = A.createQueue({
    send: rec.send, setTimer: clock.setTimer, clearTimer: clock.clearTimer, now: clock.now,
    onResults: (keys) => events.push(['results', keys]),
    onUnavailable: (code) => events.push(['unavailable', code]),
    onAvailable: () => events.push(['available']),
    ...over,
  });
  return { q, clock, rec, events };
}

test('texts wanted in one task go out in one batch on the next tick', async () => {
  const { q, clock, rec, events } = makeQueue();
  assert.equal(q.want('a', 'one'), true);
  assert.equal(q.want('b', 'two'), true);
  assert.equal(rec.batches.length, 0);
  await clock.advance(0);
  assert.deepEqual(rec.batches, [[{ id: 'a', text: 'one' }, { id: 'b', text: 'two' }]]);
  assert.deepEqual(events.at(-1), ['results', ['a', 'b']]);
  assert.equal(q.lookup('a').label, 'neutral');
  assert.equal(q.want('a', 'one'), false); // known now: nothing to send
});

test('a key in flight or already waiting is not asked twice', async () => {
  const { q, clock, rec } = makeQueue();
  const release = rec.hold();
  q.want('a', 'one');
  q.want('a', 'one');
  await clock.advance(0);
  assert.equal(q.want('a', 'one'), false); // in flight
  await clock.advance(0);
  release();
  await clock.advance(0);
  assert.equal(q.lookup('a').label, 'neutral');
  assert.equal(rec.batches.length, 1);
  assert.equal(rec.batches[0].length, 1);
});

test('batches never exceed the limit the server gave, and texts are sliced to its length', async () => {
  const { q, clock, rec } = makeQueue({ limits: { max_batch_items: 2, max_text_chars: 5 } });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.want(k, `${k}-0123456789`);
  await clock.advance(0);
  assert.deepEqual(rec.batches.map((b) => b.length), [2, 2, 1]);
  assert.deepEqual(rec.batches[0][0], { id: 'a', text: 'a-012' });
  q.setLimits({}); // an older server: the defaults
  assert.deepEqual(q.limits(), A.DEFAULT_LIMITS);
});

test('offline: one pause that grows, one retry each time, then results', async () => {
  let down = true;
  const rec = recorder((items) => (down ? { ok: false, error: { code: 'offline' } } : { ok: true, data: { results: items.map((i) => ({ id: i.id, label: 'angry' })) } }));
  const { q, clock, events } = makeQueue({ recorder: rec });
  q.want('a', 'one');
  await clock.advance(0);
  assert.deepEqual(events.at(-1), ['unavailable', 'offline']);
  assert.equal(q.paused(), true);
  q.want('b', 'two'); // waits for the pause, is not sent on its own
  await clock.advance(14999);
  assert.equal(rec.batches.length, 1);
  await clock.advance(1); // 15 s: the one retry, with both texts
  assert.equal(rec.batches.length, 2);
  assert.deepEqual(rec.batches[1].map((i) => i.id).sort(), ['a', 'b']);
  await clock.advance(29999); // the next pause is 30 s
  assert.equal(rec.batches.length, 2);
  down = false;
  await clock.advance(1);
  assert.equal(rec.batches.length, 3);
  assert.deepEqual(events.slice(-2), [['available'], ['results', ['a', 'b']]]);
  assert.equal(q.paused(), false);
});

test('a server error (5xx) backs off like offline', async () => {
  const rec = recorder(() => ({ ok: false, error: { code: 'server_error' } }));
  const { q, clock } = makeQueue({ recorder: rec });
  q.want('a', 'one');
  await clock.advance(0);
  await clock.advance(10000);
  assert.equal(rec.batches.length, 1);
  assert.equal(q.paused(), true);
});

test('batches failing together extend the pause once', async () => {
  const rec = recorder(() => ({ ok: false, error: { code: 'offline' } }));
  const { q, clock } = makeQueue({ recorder: rec, limits: { max_batch_items: 1 } });
  const release = rec.hold();
  q.want('a', 'one');
  q.want('b', 'two');
  await clock.advance(0);
  assert.equal(rec.batches.length, 2); // both in flight at once
  release();
  await clock.advance(0);
  await clock.advance(15000);
  assert.equal(rec.batches.length, 3); // the retry comes after 15 s, not 30 s
});

test('a text the server refused is not asked again', async () => {
  const rec = recorder((items) => ({ ok: true, data: { results: items.map((i) => (i.id === 'bad' ? { id: i.id, error: { code: 'empty_text' } } : { id: i.id, label: 'neutral' })) } }));
  const { q, clock } = makeQueue({ recorder: rec });
  q.want('bad', '...');
  q.want('ok', 'fine');
  await clock.advance(0);
  assert.equal(q.want('bad', '...'), false);
  assert.equal(q.lookup('bad'), undefined);
  await clock.advance(60000);
  assert.equal(rec.batches.length, 1);
});

test('the extension gone: the queue goes quiet for good', async () => {
  const rec = recorder(() => ({ ok: false, error: { code: 'gone' } }));
  const { q, clock, events } = makeQueue({ recorder: rec });
  q.want('a', 'one');
  await clock.advance(0);
  assert.deepEqual(events.at(-1), ['unavailable', 'gone']);
  assert.equal(q.want('b', 'two'), false);
  await clock.advance(600000);
  assert.equal(rec.batches.length, 1);
});

test('the page keeps the newest results up to the one cache size', async () => {
  const { q, clock } = makeQueue({ keep: 2 });
  for (const k of ['a', 'b', 'c']) q.want(k, k);
  await clock.advance(0);
  assert.equal(q.lookup('a'), undefined);
  assert.ok(q.lookup('b') && q.lookup('c'));
  assert.equal(A.RESULT_CACHE_MAX, 500);
});
