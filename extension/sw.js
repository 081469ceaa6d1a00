// Service worker (Chrome/Edge) and background script (Firefox): the only part that talks to the
// server. Listeners are registered synchronously at the top level, as MV3 requires.
import './common/messages.js';
import './common/core.js';
import './common/sites.js';
import './common/rules.js';
import { ensureDefaults } from './sw-settings.js';
import { analyzeItems, validateItems, getLimits, checkReply, sendFeedback, markKnownTerm, testConnection } from './sw-api.js';
import { syncContentScripts, CONTENT_FILES } from './sw-sites.js';
import { saveRules, deleteRule, testRule } from './sw-rules.js';
import { createMenus, isMenu, readTone, COMMAND } from './sw-generic.js';

const { MSG, answer } = globalThis.Attune;

chrome.runtime.onInstalled.addListener(async () => {
  await ensureDefaults();
  createMenus();
  await syncContentScripts({ injectOpen: true });
});
chrome.runtime.onStartup.addListener(() => syncContentScripts({ injectOpen: true }));
chrome.permissions.onRemoved.addListener(() => syncContentScripts());

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (isMenu(info)) readTone(tab, info.selectionText);
});
chrome.commands.onCommand.addListener((command, tab) => {
  if (command === COMMAND) readTone(tab);
});

async function handle(msg) {
  switch (msg && msg.type) {
    case MSG.ANALYZE_BATCH: {
      const limits = await getLimits();
      return analyzeItems(validateItems(msg.items, limits), limits);
    }
    case MSG.LIMITS:
      return getLimits();
    case MSG.REPLY_CHECK:
      return checkReply(msg.text, msg.label);
    case MSG.FEEDBACK:
      return sendFeedback(msg);
    case MSG.KNOWN_TERM:
      return markKnownTerm(msg.term);
    case MSG.TEST_CONNECTION:
      return testConnection(msg);
    case MSG.SAVE_RULE:
      return { rules: await saveRules([msg.rule]) };
    case MSG.SAVE_RULES:
      return { rules: await saveRules(msg.rules) };
    case MSG.DELETE_RULE:
      return { rules: await deleteRule(msg.id) };
    case MSG.TEST_RULE:
      return testRule(msg.rule);
    case MSG.SYNC_SITES:
      return { patterns: await syncContentScripts({ injectOpen: true }) };
    case MSG.TEACH_TAB:
      // main.js keeps the first copy if it already runs there; the picker opens either way.
      await chrome.scripting.executeScript({ target: { tabId: msg.tabId }, files: CONTENT_FILES });
      await chrome.tabs.sendMessage(msg.tabId, { type: MSG.START_TEACH });
      return {};
    case MSG.OPEN_OPTIONS:
      await chrome.runtime.openOptionsPage();
      return {};
    default:
      throw Object.assign(new Error(`Unknown message type: ${msg && msg.type}`), { code: 'unknown_message' });
  }
}

// One router: every answer is answer.ok(data) or answer.fail(error) (common/messages.js).
chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  if (msg && msg.type === MSG.SHOW_HINT) return false; // meant for tabs, not for us
  handle(msg).then(
    (data) => sendResponse(answer.ok(data)),
    (err) => sendResponse(answer.fail(err)),
  );
  return true;
});

// Debug/test hook: what the context menu and the command do, callable from DevTools.
globalThis.attuneReadTone = readTone;

