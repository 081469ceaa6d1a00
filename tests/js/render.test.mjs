// Rendering into Shadow DOM: data attributes, accessibility, highlighting, and that page or server
// text can never become markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAttune, parseHTML } from './helpers.mjs';

const A = await loadAttune('content/render.js');

const RESULT = {
  label: 'frustrated',
  confidence: 0.81,
  intensity: 0.72,
  scores: {},
  cues: [{ start: 12, end: 26, text: 'third time now', label: 'frustrated', weight: 0.9 }],
  guidance: { label: 'frustrated', headline: 'Own the repeat.', tips: ['Say what changes this time.', 'Give a date.'] },
  model: 'test-1',
};
const TEXT = 'This is the third time now <img src=x onerror=alert(1)>';

// Visible text of a shadow root (linkedom leaves ShadowRoot.textContent null).
const shadowText = (host) => [...host.shadowRoot.childNodes].filter((n) => n.nodeName !== 'STYLE').map((n) => n.textContent).join('');

async function page() {
  const { document, window } = await parseHTML('<!doctype html><html><body><p id="m">msg</p></body></html>');
  window.matchMedia = () => ({ matches: false });
  window.innerWidth = 1024;
  window.innerHeight = 768;
  return { document, window };
}

test('badge host carries label and confidence and an accessible button', async () => {
  const { document } = await page();
  const host = A.render.createBadge(document, RESULT, TEXT, { feedback: async () => ({}) });
  assert.equal(host.nodeName, 'ATTUNE-HINT');
  assert.equal(host.getAttribute('data-attune-label'), 'frustrated');
  assert.equal(host.getAttribute('data-attune-confidence'), '0.81');
  const button = host.shadowRoot.querySelector('button.badge');
  assert.match(button.getAttribute('aria-label'), /frustrated, strong intensity \(81% sure\)/);
  assert.equal(button.getAttribute('aria-expanded'), 'false');
  assert.match(button.textContent, /Frustrated●●●/);
  assert.match(host.getAttribute('style'), /--bg:#ffc987/); // strong frustrated, light mode
});

test('the card is built on first open: cues highlighted, tips listed, page text stays text', async () => {
  const { document } = await page();
  const host = A.render.createBadge(document, RESULT, TEXT, { feedback: async () => ({}) });
  document.body.append(host);
  assert.equal(host.shadowRoot.querySelector('.card').childElementCount, 0); // nothing built up front
  host.shadowRoot.querySelector('button.badge').click();
  const card = host.shadowRoot.querySelector('.card');
  assert.equal(card.hidden, false);
  assert.equal(host.shadowRoot.querySelector('mark').textContent, 'third time now');
  assert.deepEqual([...card.querySelectorAll('li')].map((li) => li.textContent), RESULT.guidance.tips);
  assert.equal(card.querySelector('img'), null);
  assert.match(card.querySelector('.quote').textContent, /<img src=x onerror=alert\(1\)>/);
});

test('"Not right?" offers the other labels and reports the saved correction', async () => {
  const { document } = await page();
  const sent = [];
  const host = A.render.createBadge(document, RESULT, TEXT, { feedback: async (label) => sent.push(label) });
  document.body.append(host);
  host.shadowRoot.querySelector('button.badge').click();
  host.shadowRoot.querySelector('[data-attune-action="not-right"]').click();
  const choices = [...host.shadowRoot.querySelectorAll('[data-attune-correct]')].map((b) => b.getAttribute('data-attune-correct'));
  assert.deepEqual(choices, ['angry', 'anxious', 'confused', 'disappointed', 'grateful', 'neutral']);
  host.shadowRoot.querySelector('[data-attune-correct="angry"]').click();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(sent, ['angry']);
  assert.match(host.shadowRoot.querySelector('[role="status"]').textContent, /saved as angry/);
});

test('a failed correction says so instead of pretending', async () => {
  const { document } = await page();
  const host = A.render.createBadge(document, RESULT, TEXT, {
    feedback: async () => {
      throw new Error('server down');
    },
  });
  document.body.append(host);
  host.shadowRoot.querySelector('button.badge').click();
  host.shadowRoot.querySelector('[data-attune-action="not-right"]').click();
  host.shadowRoot.querySelector('[data-attune-correct="neutral"]').click();
  await new Promise((r) => setTimeout(r, 0));
  assert.match(host.shadowRoot.querySelector('[role="status"]').textContent, /Not saved: server down/);
});

test('thread summary says escalating and lists each message', async () => {
  const { document } = await page();
  const host = A.render.createThreadSummary(document, [
    { label: 'neutral', intensity: 0.2 },
    { label: 'frustrated', intensity: 0.6 },
    { label: 'angry', intensity: 0.9 },
  ]);
  assert.equal(host.getAttribute('data-attune-trend'), 'escalating');
  assert.equal(host.getAttribute('data-attune-labels'), 'neutral frustrated angry');
  assert.equal(host.shadowRoot.querySelectorAll('.dot').length, 3);
  assert.match(shadowText(host), /Neutral → Angry · escalating/);
});

test('status badge explains how to fix each state', async () => {
  const { document } = await page();
  let opened = 0;
  for (const [state, hint] of [
    ['offline', /attune serve/],
    ['unpaired', /attune token/],
  ]) {
    const host = A.render.createStatus(document, state, { openOptions: () => opened++ });
    assert.equal(host.getAttribute('data-attune-state'), state);
    assert.match(shadowText(host), hint);
    host.shadowRoot.querySelector('button').click();
  }
  assert.equal(opened, 2);
});

test('an unknown page offers "Teach it"; selection-mode states say what to do, without an Options button', async () => {
  const { document } = await page();
  let taught = 0;
  const unknown = A.render.createStatus(document, 'unknown', { teach: () => taught++ });
  document.body.append(unknown);
  assert.match(shadowText(unknown), /doesn’t know this page yet/);
  unknown.shadowRoot.querySelector('[data-attune-action=teach]').click();
  assert.equal(taught, 1);
  assert.equal(unknown.isConnected, false); // the picker takes over
  for (const [state, text] of [['empty', /select the customer’s words first/], ['agent', /agent’s text/]]) {
    const host = A.render.createStatus(document, state, {});
    assert.match(shadowText(host), text);
    assert.deepEqual([...host.shadowRoot.querySelectorAll('button')].map((b) => b.textContent), ['×']);
  }
});

test('reply hint lists issues, or says the draft looks good', async () => {
  const { document } = await page();
  const bad = A.render.createReplyHint(document, {
    ok: false,
    issues: [{ code: 'canned_apology', message: 'Sounds canned.', suggestion: 'Name the problem.' }],
    strengths: [],
  });
  assert.equal(bad.getAttribute('data-attune-reply'), 'issues');
  assert.equal(bad.getAttribute('data-attune-issues'), 'canned_apology');
  assert.match(shadowText(bad), /1 suggestion/);
  const good = A.render.createReplyHint(document, { ok: true, issues: [], strengths: ['names a next step'] });
  assert.equal(good.getAttribute('data-attune-reply'), 'ok');
});
