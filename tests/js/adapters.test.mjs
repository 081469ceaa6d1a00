// Adapter rules on saved DOM fixtures: which messages are the customer's, their text, the editor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAttune, parseHTML, fixture } from './helpers.mjs';

const A = await loadAttune('common/rules.js', 'content/adapters.js');
const at = (hostname) => ({ hostname, origin: `https://${hostname}`, pathname: '/' });

async function messagesOf(name, hostname = 'localhost') {
  const { document } = await parseHTML(fixture(name));
  const adapter = A.rules.pick(at(hostname), document);
  return { document, adapter, messages: adapter ? A.rules.findMessages(document, adapter) : [] };
}

const CASES = [
  ['zendesk.html', 'zendesk', ['customer', 'agent', 'internal', 'customer']],
  ['freshdesk.html', 'freshdesk', ['customer', 'agent', 'internal']],
  ['helpscout.html', 'helpscout', ['customer', 'agent', 'internal']],
  ['intercom.html', 'intercom', ['customer', 'agent', 'internal']],
  ['gmail.html', 'gmail', ['customer', 'agent']],
  ['zoho.html', 'zoho', ['customer', 'agent', 'internal']],
  ['jsm.html', 'jsm', ['customer', 'agent', 'internal']],
];

for (const [file, id, roles] of CASES) {
  test(`${id}: detected by its DOM and roles are ${roles.join(', ')}`, async () => {
    const { adapter, messages } = await messagesOf(file);
    assert.equal(adapter.id, id);
    assert.deepEqual(messages.map((m) => m.role), roles);
    assert.ok(messages.every((m) => m.text.length > 0));
  });
}

test('zendesk: text keeps paragraphs and line breaks, drops the quoted reply', async () => {
  const { messages } = await messagesOf('zendesk.html');
  assert.equal(messages[0].text, "This is the third time I'm writing.\n\nStill not working!");
  assert.equal(messages[3].text, 'Thanks,\nthat fixed it.');
  assert.equal(messages[0].anchor.getAttribute('data-test-id'), 'omni-log-message-content');
});

test('freshdesk and gmail: quoted history is not part of the customer text', async () => {
  const fd = await messagesOf('freshdesk.html');
  assert.ok(!fd.messages[0].text.includes('earlier mail'));
  const gm = await messagesOf('gmail.html');
  assert.equal(gm.messages[0].text, 'I want my money back NOW.');
});

test('hostname wins over DOM detection', async () => {
  const { document } = await parseHTML(fixture('unknown.html'));
  assert.equal(A.rules.pick(at('acme.zendesk.com'), document).id, 'zendesk');
  assert.equal(A.rules.pick(at('mail.google.com'), document).id, 'gmail');
  assert.equal(A.rules.pick(at('DESK.ZOHO.EU'), document).id, 'zoho');
});

test('an unknown helpdesk gets no adapter (generic mode covers it)', async () => {
  const { adapter } = await messagesOf('unknown.html');
  assert.equal(adapter, null);
});

test('our own hint elements never leak into message text', async () => {
  const { document } = await parseHTML(fixture('zendesk.html'));
  const content = document.querySelector('[data-test-id="omni-log-message-content"]');
  content.append(document.createElement('attune-hint'));
  content.lastChild.textContent = 'Angry ●●●';
  const adapter = A.rules.pick(at('x'), document);
  assert.ok(!A.rules.findMessages(document, adapter)[0].text.includes('Angry'));
});

test('the reply editor is found from the element that got the input', async () => {
  for (const [file, selector] of [
    ['zendesk.html', '[data-test-id="ticket-rich-text-editor"] [contenteditable]'],
    ['freshdesk.html', '.fr-element'],
    ['gmail.html', '[g_editable]'],
  ]) {
    const { document, adapter } = await messagesOf(file);
    const editor = document.querySelector(selector);
    assert.equal(A.rules.findEditor(editor, adapter), editor, file);
  }
  const { document, adapter } = await messagesOf('zendesk.html');
  assert.equal(A.rules.findEditor(document.querySelector('article'), adapter), null);
});

test('editorText reads textareas and contenteditable alike', async () => {
  const { document } = await parseHTML('<textarea>  I can’t   do that </textarea><div contenteditable="true"><p>Hi</p><p>there</p></div>');
  assert.equal(A.rules.editorText(document.querySelector('textarea')), 'I can’t do that');
  assert.equal(A.rules.editorText(document.querySelector('div')), 'Hi\n\nthere');
});

test('a taught rule applies to its own origin (port included) and path only, before the built-ins', async () => {
  const { document } = await parseHTML(fixture('zendesk.html'));
  const taught = { id: 't', origin: 'http://127.0.0.1:8800', path: '/tickets/*', message: 'article' };
  const where = (origin, pathname) => ({ origin, hostname: new URL(origin).hostname, pathname });
  assert.equal(A.rules.pick(where('http://127.0.0.1:8800', '/tickets/7'), document, [taught]).id, 't');
  assert.equal(A.rules.pick(where('http://127.0.0.1:8801', '/tickets/7'), document, [taught]).id, 'zendesk');
  assert.equal(A.rules.pick(where('http://127.0.0.1:8800', '/admin'), document, [taught]).id, 'zendesk');
});
