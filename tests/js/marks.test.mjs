// Draft marks (content/marks.js): which words are marked, finding them in the editor's text, and the
// list under an editor that cannot be decorated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAttune, parseHTML } from './helpers.mjs';

const A = await loadAttune('content/marks.js');

const TEXT = 'I do apologize for any inconvenience. As I already said, it is on the site.';
const ISSUES = [
  { code: 'canned_apology', start: 2, end: 36, message: 'Scripted.', suggestion: 'Say it in your words.' },
  { code: 'no_next_step', start: null, end: null, message: 'No next step.', suggestion: 'Say what happens.' },
  { code: 'blame', start: 38, end: 55, message: 'Blames.', suggestion: 'Drop the reproach.' },
  { code: 'bogus', start: 70, end: 400, message: 'Out of range.', suggestion: '' },
];

test('only findings with a span inside the text are marked, with their words', () => {
  const marks = A.marks.markSpans(TEXT, ISSUES);
  assert.deepEqual(marks.map((m) => [m.code, m.quote]), [
    ['canned_apology', 'do apologize for any inconvenience'],
    ['blame', 'As I already said'],
  ]);
});

test('locate finds the words across changed spacing and joined lines, and escapes regex characters', () => {
  assert.deepEqual(A.marks.locate('Hi.I do  apologize\nfor any', 'do apologize for'), [5, 22]);
  assert.deepEqual(A.marks.locate('line oneline two', 'one line'), [5, 12]);
  assert.deepEqual(A.marks.locate('costs $5 (or more)?', '$5 (or more)?'), [6, 19]);
  assert.equal(A.marks.locate('nothing here', 'missing words'), null);
});

test('a textarea gets the findings listed under it; nothing is written into the editor', async () => {
  const { document } = await parseHTML('<!doctype html><html><body><textarea id="e"></textarea></body></html>');
  const editor = document.getElementById('e');
  editor.value = TEXT;
  const host = document.createElement('attune-reply');
  const codes = A.marks.show(document, editor, TEXT, { issues: ISSUES }, host);
  assert.deepEqual(codes, ['canned_apology', 'blame']);
  assert.equal(host.getAttribute('data-attune-marks'), 'canned_apology blame');
  const list = document.querySelector('attune-mark-list');
  assert.ok(list && list.previousElementSibling === editor);
  assert.match([...list.shadowRoot.childNodes].map((n) => n.textContent).join(''), /“As I already said” — Drop the reproach\./);
  assert.equal(editor.value, TEXT);
  A.marks.clear(document);
  assert.equal(document.querySelector('attune-mark-list'), null);
});

test('a jargon mark on a term, not on a sentence, can be waved off as known to the customers', () => {
  const mark = (code, quote) => ({ code, quote, message: '', suggestion: '' });
  assert.equal(A.marks.knownOffer(mark('jargon', 'DNS')), true);
  assert.equal(A.marks.knownOffer(mark('jargon', 'silver service')), true);
  assert.equal(A.marks.knownOffer(mark('jargon', 'Your plan now uses net pricing from March.')), false);
  assert.equal(A.marks.knownOffer(mark('blame', 'As I already said')), false);
});

test('under a textarea, a jargon term gets the "our customers know" button; it saves the term once', async () => {
  const { document } = await parseHTML('<!doctype html><html><body><textarea id="e"></textarea></body></html>');
  const editor = document.getElementById('e');
  const text = 'Your DNS settings are fine. As I already said, it is on the site.';
  editor.value = text;
  const issues = [
    { code: 'jargon', start: 5, end: 8, message: 'Jargon.', suggestion: 'Explain it.' },
    { code: 'blame', start: 28, end: 45, message: 'Blames.', suggestion: 'Drop the reproach.' },
  ];
  const saved = [];
  const onKnown = async (term) => saved.push(term) > 0;
  A.marks.show(document, editor, text, { issues }, null, { onKnown });
  const buttons = [...document.querySelector('attune-mark-list').shadowRoot.querySelectorAll('button')];
  assert.equal(buttons.length, 1); // the blame finding has none
  assert.equal(buttons[0].textContent, 'Our customers know “DNS”');
  buttons[0].dispatchEvent(new document.defaultView.Event('click'));
  buttons[0].dispatchEvent(new document.defaultView.Event('click'));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(saved, ['DNS']);
  assert.equal(buttons[0].textContent, 'Saved: not flagged again');
  assert.equal(editor.value, text);
  A.marks.show(document, editor, text, { issues }, null); // no saver given: no button
  assert.equal(document.querySelector('attune-mark-list').shadowRoot.querySelectorAll('button').length, 0);
  A.marks.clear(document);
});
