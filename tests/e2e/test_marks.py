"""Reply-check findings as marks on the draft, in a real Chromium on a fixture helpdesk editor."""

import pytest

pytestmark = pytest.mark.e2e

DRAFT = "I do apologize for any inconvenience. As I already said, the form is on our website."

# The screen position of some words in #editor (computed in the page, like a pointer would find them).
WORDS_AT = """words => {
  const editor = document.getElementById('editor');
  const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.data.indexOf(words);
    if (i < 0) continue;
    const r = document.createRange();
    r.setStart(n, i);
    r.setEnd(n, i + words.length);
    const b = r.getBoundingClientRect();
    return {x: b.left + b.width / 2, y: b.top + b.height / 2};
  }
  return null;
}"""


def open_zendesk(context, pages_url):
    page = context.new_page()
    page.goto(f"{pages_url}/zendesk.html")
    page.wait_for_function("document.querySelectorAll('attune-hint').length >= 3", timeout=15000)
    return page


def type_draft(page, text):
    page.click("#editor")
    page.keyboard.type(text, delay=5)
    return page.wait_for_selector("attune-reply[data-attune-marks]", timeout=10000)


def test_findings_are_marked_on_the_draft_with_the_suggestion_on_hover(browser_context, service_worker, paired,
                                                                       pages_url):
    service_worker.evaluate("chrome.storage.local.set({draftMarks: true})")
    page = open_zendesk(browser_context, pages_url)
    hint = type_draft(page, DRAFT)
    marked = hint.get_attribute("data-attune-marks").split()
    assert "canned_apology" in marked and "blame" in marked
    assert page.eval_on_selector("#editor", "e => e.textContent") == DRAFT  # nothing written into the editor

    at = page.evaluate(WORDS_AT, "already said")
    page.mouse.move(at["x"], at["y"])
    tip = page.wait_for_selector("attune-mark-tip", timeout=5000)
    assert tip.get_attribute("data-code") == "blame"
    text = tip.evaluate("t => t.shadowRoot.textContent")
    assert "reproach" in text.lower()  # the shipped suggestion for blame

    page.mouse.move(2, 2)
    page.wait_for_selector("attune-mark-tip", state="detached", timeout=5000)
    page.close()


def test_marks_can_be_switched_off_in_options(browser_context, service_worker, paired, pages_url):
    service_worker.evaluate("chrome.storage.local.set({draftMarks: false})")
    try:
        page = open_zendesk(browser_context, pages_url)
        hint = type_draft(page, DRAFT)
        assert hint.get_attribute("data-attune-issues")  # the check still runs and lists its findings
        assert hint.get_attribute("data-attune-marks") == ""
        page.close()
    finally:
        service_worker.evaluate("chrome.storage.local.set({draftMarks: true})")


def test_a_jargon_term_the_customers_know_is_never_flagged_again(browser_context, service_worker, paired,
                                                                 attune_server, pages_url):
    import json
    import time

    service_worker.evaluate("chrome.storage.local.set({draftMarks: true})")
    data_file = attune_server["home"] / "coach.json"
    # jargon is checked for confused customers only; the fixture page's customers may be anything
    data_file.write_text(json.dumps({"gates": {"jargon": {"labels": ["angry", "frustrated", "anxious", "confused",
                                                                     "disappointed", "grateful", "neutral"],
                                                          "when_unknown": True}}}), encoding="utf-8")
    time.sleep(1.2)  # the server looks at its data files at most once a second
    try:
        page = open_zendesk(browser_context, pages_url)
        hint = type_draft(page, "Your DNS settings look fine to me.")
        assert "jargon" in hint.get_attribute("data-attune-marks").split()

        at = page.evaluate(WORDS_AT, "DNS")
        page.mouse.move(at["x"], at["y"])
        tip = page.wait_for_selector("attune-mark-tip[data-code='jargon']", timeout=5000)
        button = page.locator("attune-mark-tip button")
        assert button.text_content() == "Our customers know “DNS”"
        button.click()  # the pointer leaves the word for the tip: the tip stays until it is clicked
        page.wait_for_function("""() => {
            const h = document.querySelector('attune-reply[data-attune-marks]');
            return h && !h.getAttribute('data-attune-marks').split(' ').includes('jargon');
        }""", timeout=10000)
        assert json.loads(data_file.read_text(encoding="utf-8"))["rules"]["jargon_known"] == ["dns"]
        assert page.eval_on_selector("#editor", "e => e.textContent") == "Your DNS settings look fine to me."
        assert tip is not None
        page.close()
    finally:
        data_file.unlink(missing_ok=True)
        time.sleep(1.2)
