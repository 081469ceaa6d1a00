// Generic mode: on any page, the agent selects text and uses the context-menu entry or the
// "Attune: read tone" command. activeTab grants this one tab for this one gesture.
import { analyzeItems, getLimits } from './sw-api.js';

const MENU_ID = 'attune-read-tone';
export const COMMAND = 'read-tone';
const GENERIC_FILES = ['common/messages.js', 'common/core.js', 'common/rules.js', 'content/adapters.js', 'content/render.js', 'content/generic.js'];

export function createMenus() {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: MENU_ID, title: 'Attune: read tone', contexts: ['selection'] });
  });
}

export function isMenu(info) {
  return info.menuItemId === MENU_ID;
}

async function activeTab() {
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab;
}

export async function readTone(tab, selectionText = '') {
  tab = tab && tab.id !== undefined ? tab : await activeTab();
  if (!tab) return;
  const target = { tabId: tab.id };
  let info;
  try {
    await chrome.scripting.executeScript({ target, files: GENERIC_FILES });
    // The live selection keeps line breaks (the menu's selectionText loses them), and the page's
    // rule, if any, says whose words they are.
    const [r] = await chrome.scripting.executeScript({ target, func: () => globalThis.Attune.selectionInfo() });
    info = r.result || {};
  } catch (_) {
    return; // pages we may not script (browser pages, web store): nothing to show there
  }
  const text = globalThis.Attune.normalizeText(info.text || selectionText || '');
  let msg;
  if (!text) {
    msg = { error: { code: 'empty', message: 'Select the customer’s words first.' } };
  } else if (info.role && info.role !== 'customer') {
    msg = { error: { code: 'agent', message: 'That is the agent’s text: select a customer message.' } };
  } else {
    try {
      const limits = await getLimits();
      const item = { id: globalThis.Attune.textKey(text), text: text.slice(0, limits.max_text_chars) };
      const { results } = await analyzeItems([item], limits);
      msg = results[0].error ? { error: results[0].error } : { text, result: results[0] };
    } catch (e) {
      msg = { error: { code: e.code || 'error', message: e.message } };
    }
  }
  await chrome.tabs.sendMessage(tab.id, { type: globalThis.Attune.MSG.SHOW_HINT, ...msg });
}
