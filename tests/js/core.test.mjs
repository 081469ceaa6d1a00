import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAttune } from './helpers.mjs';

const A = await loadAttune('common/rules.js', 'content/adapters.js');

test('textKey is stable and tells texts apart', () => {
  assert.equal(A.textKey('I am so angry'), A.textKey('I am so angry'));
  assert.notEqual(A.textKey('I am so angry'), A.textKey('I am so angry!'));
  assert.match(A.textKey(''), /^[0-9a-z]+$/);
});

test('normalizeText collapses spacing but keeps paragraphs', () => {
  assert.equal(A.normalizeText('  Hello\u00a0 there \n\n\n\n  second   line  '), 'Hello there\n\nsecond line');
});

test('cue offsets in code points map onto UTF-16 around emoji', () => {
  const text = '😡😡 this is the third time now';
  // Python: text.index("third") == 15 code points; in UTF-16 it is 17.
  const [r] = A.cueRanges(text, [{ start: 15, end: 20, label: 'frustrated' }]);
  assert.equal(text.slice(r.start, r.end), 'third');
});

test('overlapping, inverted and out-of-range cues are dropped, not rendered twice', () => {
  const text = 'never again, never';
  const ranges = A.cueRanges(text, [
    { start: 0, end: 11, label: 'angry' },
    { start: 6, end: 11, label: 'angry' },
    { start: 5, end: 2, label: 'angry' },
    { start: 13, end: 500, label: 'angry' },
  ]);
  assert.deepEqual(ranges.map((r) => text.slice(r.start, r.end)), ['never again', 'never']);
});

test('highlightSegments rebuilds a short text exactly, with the cue marked', () => {
  const text = 'Still not working after three tries.';
  const segs = A.highlightSegments(text, [{ start: 0, end: 17, label: 'frustrated' }]);
  assert.equal(segs.map((s) => s.text).join(''), text);
  assert.deepEqual(segs[0], { text: 'Still not working', label: 'frustrated' });
});

test('highlightSegments shows windows around cues in a long text', () => {
  const text = 'x'.repeat(1000) + ' unacceptable ' + 'y'.repeat(1000);
  const segs = A.highlightSegments(text, [{ start: 1001, end: 1013, label: 'angry' }], 600, 20);
  const joined = segs.map((s) => s.text).join('');
  assert.ok(joined.length < 100, joined.length);
  assert.ok(joined.startsWith('… '));
  assert.ok(segs.some((s) => s.label === 'angry' && s.text === 'unacceptable'));
});

test.describe('badgeModel', () => {
  for (const [intensity, level, dots] of [
    [0.1, 1, '●○○'],
    [0.5, 2, '●●○'],
    [0.9, 3, '●●●'],
  ]) {
    test(`intensity ${intensity} reads as level ${level} without colour`, () => {
      const m = A.badgeModel({ label: 'angry', confidence: 0.8123, intensity });
      assert.equal(m.level, level);
      assert.equal(m.dots, dots);
      assert.equal(m.text, 'Angry');
      assert.match(m.aria, /angry/);
      assert.match(m.aria, /81% sure/);
    });
  }
  test('an unknown label falls back to neutral rather than breaking', () => {
    assert.equal(A.badgeModel({ label: 'bogus', confidence: 2 }).label, 'neutral');
    assert.equal(A.badgeModel({ label: 'bogus', confidence: 2 }).confidence, 1);
  });
});

test('every label colour pair meets WCAG AA contrast in light and dark mode', () => {
  for (const mode of ['light', 'dark']) {
    for (const [label, p] of Object.entries(A.PALETTE[mode])) {
      for (const bg of p.bg) {
        const ratio = A.contrastRatio(p.fg, bg);
        assert.ok(ratio >= 4.5, `${mode} ${label} ${p.fg} on ${bg}: ${ratio.toFixed(2)}`);
      }
    }
  }
});

test.describe('threadTrend', () => {
  const r = (label, intensity = 0.7) => ({ label, intensity });
  const cases = [
    [[r('neutral'), r('frustrated'), r('angry', 0.9)], 'escalating'],
    [[r('angry', 0.9), r('frustrated', 0.5), r('grateful')], 'calming'],
    [[r('frustrated'), r('frustrated')], 'steady'],
    [[r('anxious')], 'single'],
    [[], 'none'],
  ];
  for (const [results, trend] of cases) {
    test(`${results.map((x) => x.label).join(' → ') || 'no messages'} is ${trend}`, () => {
      assert.equal(A.threadTrend(results).trend, trend);
    });
  }
  test('trendText names the path', () => {
    assert.equal(A.trendText(A.threadTrend([r('neutral'), r('angry', 0.9)])), 'Customer: Neutral → Angry · escalating ↑');
  });
});

test('planBatches respects the server limit of 256 items', () => {
  const items = Array.from({ length: 600 }, (_, i) => i);
  assert.deepEqual(A.planBatches(items).map((b) => b.length), [256, 256, 88]);
  assert.deepEqual(A.planBatches([]), []);
});

test('back-off grows and is capped, so an offline server is never polled in a tight loop', () => {
  let ms = 0;
  const seen = [];
  for (let i = 0; i < 8; i++) seen.push((ms = A.nextBackoff(ms)));
  assert.equal(seen[0], 15000);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]));
  assert.equal(seen[seen.length - 1], 300000);
});

test('feedback offers every other label', () => {
  assert.deepEqual(A.feedbackChoices('angry'), ['frustrated', 'anxious', 'confused', 'disappointed', 'grateful', 'neutral']);
});

test('site patterns: known sites and custom origins, each with its exact port', () => {
  assert.equal(A.originPattern('http://127.0.0.1:8800/ticket/1'), 'http://127.0.0.1:8800/*');
  assert.equal(A.originPattern('http://127.0.0.1:8800/', { port: false }), 'http://127.0.0.1/*');
  assert.throws(() => A.originPattern('ftp://x'), /http/);
  assert.throws(() => A.originPattern('not a url'), /full address/);
  assert.deepEqual(A.enabledPatterns(['zendesk'], ['https://help.example.com', 'garbage']), [
    'https://*.zendesk.com/*',
    'https://help.example.com/*',
  ]);
});

test('the content script runs on enabled origins only, never on the Attune server', () => {
  const loc = (u) => new URL(u);
  const settings = { serverUrl: 'http://127.0.0.1:8765', customSites: ['http://127.0.0.1:8800'], enabledSites: ['zendesk'] };
  assert.equal(A.pageAllowed(loc('http://127.0.0.1:8800/t/1'), settings), true);
  assert.equal(A.pageAllowed(loc('http://127.0.0.1:8765/v1/health'), settings), false);
  assert.equal(A.pageAllowed(loc('http://127.0.0.1:9000/'), settings), false); // another local port
  assert.equal(A.pageAllowed(loc('https://acme.zendesk.com/agent/tickets/1'), settings), true);
  assert.equal(A.pageAllowed(loc('https://acme.freshdesk.com/a/tickets/1'), settings), false);
  // even a custom site on the server's own origin is refused
  assert.equal(A.pageAllowed(loc('http://127.0.0.1:8765/'), { ...settings, customSites: ['http://127.0.0.1:8765'] }), false);
});
