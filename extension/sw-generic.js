// Generic mode: on any page, the agent selects text and uses the context-menu entry or the
// "Attune: read tone" command. activeTab grants this one tab for this one gesture.
import { analyzeItems, getLimits } from './sw-api.js';

const MENU_ID = 'attune-read-tone';
export const COMMAND = 'read-tone';
const GENERIC_FILES = ['common/messages.js', 'common/core.js', 'content/render.js', 'content/generic.js'];

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
  let text = selectionText;
  try {
    // The context menu's selectionText loses line breaks; read the live selection when allowed.
    const [r] = await chrome.scripting.executeScript({ target, func: () => String(getSelection()) });
    if (r && r.result) text = r.result;
    await chrome.scripting.executeScript({ target, files: GENERIC_FILES });
  } catch (_) {
    return; // pages we may not script (browser pages, web store): nothing to show there
  }
  text = globalThis.Attune.normalizeText(text || '');
  let msg;
  if (!text) {
    msg = { error: { code: 'empty_text', message: 'Select the customer’s words first.' } };
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
