"""Teaching Attune a helpdesk it has no adapter for, in a real Chromium against the real server.

Four structurally different helpdesk families (tests/e2e/pages/families/), each on its own origin
with three tickets: teach on ticket 1 (at most three clicks), then every customer message on the
other tickets has a hint soon after the page settles and no agent reply or note has one.
"""

import json
import statistics
import time
from pathlib import Path

import pytest

from .conftest import FAMILIES, PAGES, launch, pair_and_enable, worker_of

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BENCH_OUT = ROOT / "bench" / "out"
EXPECTED = json.loads((PAGES / "families" / "expected.json").read_text())
# Every customer message's hint within 150 ms of the page settling: asserted on the median of all
# loads measured here; a single load may take longer when the machine is busy (shared CI runners
# with a load average near 10 showed single loads of 180-250 ms), but not past SLOW_MS.
SETTLE_BUDGET_MS = 150
SLOW_MS = 500

# Installed before any page script: when hints appear, and when the page itself last changed.
TIMING_SCRIPT = """
window.__attune = { hints: [], lastChange: 0 };
new MutationObserver((mutations) => {
  const now = performance.now();
  for (const m of mutations) for (const n of m.addedNodes) {
    if (n.nodeName === 'ATTUNE-HINT') window.__attune.hints.push(now);
    else if (!n.nodeName.startsWith('ATTUNE-')) window.__attune.lastChange = now;
  }
}).observe(document, { childList: true, subtree: true });
"""

# Each hint must follow a customer's text; returns the texts the hints follow.
HINTED_TEXTS = """() => [...document.querySelectorAll('attune-hint:not([data-attune-generic])')]
    .map(h => (h.previousElementSibling || h.parentElement).innerText.trim())"""


def customer_texts(family, ticket):
    return [text for role, text in EXPECTED[family][ticket - 1] if role == "customer"]


def ticket_url(urls, family, n):
    return f"{urls[family]}/families/{family}/t{n}.html"


def message_text(page, family, role, nth=0):
    """The element showing a message's own words (not a quote of it, not the pinned copy)."""
    text = [t for r, t in EXPECTED[family][0] if r == role][nth]
    snippet = text[:28]
    return page.locator(
        f'xpath=//*[not(ancestor-or-self::blockquote) and not(ancestor::aside)][text()[contains(., "{snippet}")]]'
    ).first


def teach(page, family, screenshot=None):
    """Teach through the page's own 'Teach it' status; returns the clicks used and the preview counts."""
    status = page.locator("attune-status[data-attune-state=unknown]")
    status.wait_for(timeout=10000)
    if screenshot:
        box = status.bounding_box()
        page.screenshot(path=str(DOCS / "teach-status.png"),
                        clip={"x": box["x"] - 300, "y": box["y"] - 120, "width": box["width"] + 312, "height": box["height"] + 132})
    status.locator("[data-attune-action=teach]").click()
    panel = page.locator("attune-teach .panel")
    panel.wait_for()
    clicks = 0
    message_text(page, family, "customer").hover()  # the message that a click would pick is outlined
    assert "solid" in message_text(page, family, "customer").evaluate(
        "el => [...document.querySelectorAll('*')].filter(e => e.contains(el)).map(e => e.style.outline).join(' ')")
    message_text(page, family, "customer").click()
    clicks += 1
    panel.get_by_text("right?").wait_for()
    if family != "chat":  # chat bubbles carry their side in a class: one customer click is enough
        message_text(page, family, "agent").click()
        clicks += 1
        page.wait_for_function(
            "() => document.querySelector('[data-attune-preview=agent]') !== null"
        )
    counts = json.loads(panel.get_attribute("data-attune-counts"))
    if screenshot:
        page.screenshot(path=str(DOCS / screenshot))
    page.locator("attune-teach").get_by_role("button", name="Yes, use this").click()
    clicks += 1
    page.locator("attune-teach").wait_for(state="detached")
    return clicks, counts


def wait_for_hints(page, family, ticket):
    want = customer_texts(family, ticket)
    page.wait_for_function(
        f"document.querySelectorAll('attune-hint:not([data-attune-generic])').length >= {len(want)}", timeout=10000
    )
    time.sleep(0.3)  # give any wrong extra hint time to appear
    hinted = page.evaluate(HINTED_TEXTS)
    assert len(hinted) == len(want), (family, ticket, hinted)
    for text in hinted:
        assert any(text.startswith(w) for w in want), f"{family} t{ticket}: a hint after a non-customer message: {text!r}"
    return hinted


def settle_latency(page):
    """ms from the page settling (load done and its own last DOM change) to its last hint."""
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const settled = Math.max(nav ? nav.loadEventEnd : 0, window.__attune.lastChange);
        return Math.max(...window.__attune.hints) - settled;
    }""")


@pytest.fixture(scope="module")
def timing(browser_context):
    browser_context.add_init_script(TIMING_SCRIPT)
    results = {"all_ms": []}
    yield results
    BENCH_OUT.mkdir(parents=True, exist_ok=True)
    (BENCH_OUT / "teach-e2e.json").write_text(json.dumps(results, indent=2))
    print("teach timing:", json.dumps(results))


@pytest.mark.parametrize("family", FAMILIES)
def test_teach_on_one_ticket_then_every_ticket_of_the_site_has_hints(browser_context, paired, family_urls, family, timing):
    page = browser_context.new_page()
    page.goto(ticket_url(family_urls, family, 1))
    expected_roles = [r for r, _ in EXPECTED[family][0]]
    clicks, counts = teach(page, family, screenshot="teach-preview.png" if family == "cards" else None)
    assert clicks <= 3
    assert counts["customer"] == expected_roles.count("customer")
    assert counts["agent"] + counts["internal"] == len(expected_roles) - expected_roles.count("customer")
    wait_for_hints(page, family, 1)
    page.close()

    latencies = []
    for n in (2, 3):
        page = browser_context.new_page()
        page.goto(ticket_url(family_urls, family, n))
        wait_for_hints(page, family, n)
        latencies.append(round(settle_latency(page), 1))
        page.wait_for_selector("attune-thread")  # the thread summary works on a taught site too
        if family == "cards" and n == 2:
            page.locator("main").screenshot(path=str(DOCS / "teach-badges.png"))
        page.close()
    timing[family] = {"clicks": clicks, "hint_ms_after_settle": latencies}
    timing["all_ms"] += latencies
    assert max(latencies) <= SLOW_MS, latencies


def test_taught_page_shows_a_message_shown_twice_once(browser_context, paired, family_urls):
    # the mail family pins the first request above the thread: same text, one hint
    page = browser_context.new_page()
    page.goto(ticket_url(family_urls, "mail", 2))
    hinted = wait_for_hints(page, "mail", 2)
    assert len(set(hinted)) == len(hinted)
    assert page.locator("aside attune-hint").count() == 1  # the first place it appears
    page.close()


def test_in_app_navigation_new_messages_and_a_dark_theme(browser_context, paired, family_urls, timing):
    page = browser_context.new_page()
    page.goto(ticket_url(family_urls, "chat", 1))
    wait_for_hints(page, "chat", 1)
    page.click("a.conv >> nth=2")  # the app swaps the conversation without loading a page
    page.wait_for_url("**/t3.html")
    wait_for_hints(page, "chat", 3)
    nav_ms = settle_latency(page)
    ms = page.evaluate("() => measureHint(() => customerWrites('Still waiting and nobody answers. I am really annoyed now.'))")
    bg = page.locator("attune-hint").first.locator("button.badge").evaluate("b => getComputedStyle(b).backgroundColor")
    r, g, b = [int(x) for x in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3]]
    assert 0.2126 * r + 0.7152 * g + 0.0722 * b < 100, bg  # a dark badge on the dark chat theme
    page.close()
    timing["chat_in_app_navigation_ms_after_settle"] = round(nav_ms, 1)
    timing["chat_new_message_ms"] = round(ms, 1)
    timing["all_ms"] += [round(nav_ms, 1), round(ms, 1)]
    assert nav_ms <= SLOW_MS and ms <= SLOW_MS, (nav_ms, ms)


def test_hints_come_within_150_ms_of_the_page_settling(timing):
    if len(timing["all_ms"]) < 5:
        pytest.skip("the teaching tests above did not all run")
    timing["median_ms"] = statistics.median(timing["all_ms"])
    timing["max_ms"] = max(timing["all_ms"])
    assert timing["median_ms"] <= SETTLE_BUDGET_MS, timing


@pytest.mark.parametrize("family,editor", [("tabled", "#reply-text"), ("cards", ".composer__input")])
def test_reply_check_under_the_taught_editor(browser_context, paired, family_urls, family, editor):
    page = browser_context.new_page()
    page.goto(ticket_url(family_urls, family, 3))
    wait_for_hints(page, family, 3)
    page.click(editor)
    page.keyboard.type("I do apologize for any inconvenience this may have caused.")
    hint = page.wait_for_selector("attune-reply", timeout=10000)
    assert hint.get_attribute("data-attune-reply") in ("ok", "issues")
    page.close()


def test_the_toolbar_popup_path_opens_the_picker_and_a_wrong_click_is_explained(browser_context, paired, extension_id, family_urls):
    # What the popup's "Teach this helpdesk" sends once the site is enabled (headless Chromium has
    # no toolbar to click): the worker injects the scripts if needed and opens the picker.
    page = browser_context.new_page()
    page.goto(ticket_url(family_urls, "tabled", 3))
    wait_for_hints(page, "tabled", 3)
    options = browser_context.new_page()
    options.goto(f"chrome-extension://{extension_id}/popup.html")
    options.evaluate("""async (url) => {
        const [tab] = await chrome.tabs.query({ url });
        globalThis.Attune.answer.unwrap(await chrome.runtime.sendMessage({ type: globalThis.Attune.MSG.TEACH_TAB, tabId: tab.id }));
    }""", page.url)
    options.close()
    panel = page.locator("attune-teach .panel")
    panel.wait_for()
    customer = page.locator("table.article >> nth=0").locator(".body-text")
    customer.click()
    panel.get_by_text("right?").wait_for()
    counts = panel.get_attribute("data-attune-counts")
    customer.click()  # the same message again, as if it were the agent's: refused, the preview holds
    panel.get_by_role("alert").get_by_text("click a reply or note from the agent").wait_for()
    assert panel.get_attribute("data-attune-counts") == counts
    page.keyboard.press("Escape")  # cancels, and the page is as it was
    page.locator("attune-teach").wait_for(state="detached")
    assert page.evaluate("() => document.querySelectorAll('[data-attune-preview], [style*=outline]').length") == 0
    page.close()


def test_a_rule_is_for_its_own_origin_only(browser_context, paired, family_urls, pages_url):
    # the cards rule must not apply to the same path on another port: that origin has no rule
    page = browser_context.new_page()
    page.goto(f"{pages_url}/families/cards/t2.html")
    page.wait_for_selector("attune-status[data-attune-state=unknown]", timeout=10000)
    assert page.locator("attune-hint").count() == 0
    page.close()


def test_selection_mode_under_a_rule_tells_customer_from_agent_and_follows_the_page(browser_context, service_worker, paired, family_urls):
    url = ticket_url(family_urls, "tabled", 2)
    page = browser_context.new_page()
    page.goto(url)
    wait_for_hints(page, "tabled", 2)

    def read_selection(locator):
        page.evaluate("() => document.querySelectorAll('[data-attune-generic]').forEach(h => h.remove())")
        if locator is None:
            page.evaluate("() => getSelection().removeAllRanges()")
        else:
            locator.evaluate("el => { const r = document.createRange(); r.selectNodeContents(el);"
                             " const s = getSelection(); s.removeAllRanges(); s.addRange(r); }")
        service_worker.evaluate("async (url) => { const [tab] = await chrome.tabs.query({url}); await attuneReadTone(tab); }", url)
        return page.wait_for_selector("[data-attune-generic]", timeout=10000)

    agent = page.locator("table.article >> nth=1").locator(".body-text")
    assert read_selection(agent).get_attribute("data-attune-state") == "agent"
    empty = read_selection(None)
    assert empty.get_attribute("data-attune-state") == "empty"
    assert "select the customer’s words first" in empty.evaluate("h => h.shadowRoot.textContent")
    customer = page.locator("table.article >> nth=0").locator(".body-text")
    host = read_selection(customer)
    assert host.get_attribute("data-attune-label")
    # in the page's flow right after the selected text, so it moves when the page scrolls
    assert host.evaluate("h => h.previousElementSibling && h.previousElementSibling.matches('.body-text')")
    before = host.bounding_box()["y"]
    page.evaluate("() => { document.body.style.paddingBottom = '2000px'; window.scrollBy(0, 200); }")
    assert abs(host.bounding_box()["y"] - (before - 200)) < 2
    page.close()


def test_never_injected_into_the_attune_server(browser_context, paired, attune_server, service_worker):
    scripts = service_worker.evaluate("chrome.scripting.getRegisteredContentScripts()")
    (script,) = scripts
    assert all(":" in m.split("//")[1].split("/")[0] for m in script["matches"]), script["matches"]  # ports kept
    assert script.get("excludeMatches") == [f"{attune_server['url']}/*"]
    page = browser_context.new_page()
    page.goto(f"{attune_server['url']}/v1/health")
    time.sleep(2)  # longer than the 'Teach it' status waits
    assert page.evaluate("() => document.querySelectorAll('attune-status, attune-hint').length") == 0
    page.close()


def test_export_delete_import_round_trip(browser_context, paired, extension_id, family_urls, tmp_path):
    from playwright.sync_api import expect  # here: without Playwright the suite skips, not errors

    options = browser_context.new_page()
    options.goto(f"chrome-extension://{extension_id}/options.html")
    options.wait_for_selector("body[data-ready=true]")
    options.locator("#rules li[data-rule-id]").first.wait_for()
    taught = options.locator("#rules li[data-rule-id]").count()  # the families, and RT where installed
    assert taught >= len(FAMILIES)
    tabled = options.locator("#rules li[data-rule-id]", has_text="table.article").locator("input")
    tabled.fill("Old ticket system")
    tabled.press("Enter")
    options.locator("#rulesResult", has_text="Renamed").wait_for()
    options.locator("#rules").screenshot(path=str(DOCS / "teach-options.png"))
    ticket = browser_context.new_page()  # "Test" counts what a rule finds in its site's open tabs
    ticket.goto(ticket_url(family_urls, "cards", 1))
    options.locator("#rules li[data-rule-id]", has_text="li.feed-item").get_by_role("button", name="Test").click()
    options.locator("#rulesResult", has_text="2 customer messages, 1 reply, 1 note").wait_for()
    ticket.close()
    with options.expect_download() as download:
        options.click("#exportRules")
    exported = tmp_path / "attune-rules.json"
    download.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert len(data["rules"]) == taught
    assert "Old ticket system" in [r["name"] for r in data["rules"]]

    rows = options.locator("#rules li[data-rule-id]")
    for left in range(taught - 1, -1, -1):
        rows.first.get_by_role("button", name="Delete").click()
        expect(rows).to_have_count(left)
    page = browser_context.new_page()
    page.goto(ticket_url(family_urls, "cards", 3))
    page.wait_for_selector("attune-status[data-attune-state=unknown]", timeout=10000)  # forgotten
    page.close()

    options.set_input_files("#importRules", str(exported))
    options.locator("#rulesResult", has_text="imported").wait_for()
    expect(rows).to_have_count(taught)
    options.close()
    for family in FAMILIES:
        page = browser_context.new_page()
        page.goto(ticket_url(family_urls, family, 2))
        wait_for_hints(page, family, 2)
        page.close()


def test_a_taught_rule_survives_a_browser_restart(playwright_driver, unpacked_extension, attune_server, family_urls, tmp_path):
    profile = tmp_path / "profile"
    context = launch(playwright_driver, profile, unpacked_extension)
    ext_id = worker_of(context).url.split("/")[2]
    pair_and_enable(context, ext_id, attune_server, [family_urls["cards"]])
    page = context.new_page()
    page.goto(ticket_url(family_urls, "cards", 1))
    # Taught by clicks: the keyboard path (arrows walk, Enter picks) raced with the preview's focus
    # in about one run in four here, so it is left to unit tests until that is fixed in teach.js.
    _, counts = teach(page, "cards")
    assert counts == {"customer": 2, "agent": 1, "internal": 1}
    wait_for_hints(page, "cards", 1)
    context.close()

    context = launch(playwright_driver, profile, unpacked_extension)  # same profile: a restart
    try:
        worker_of(context)
        page = context.new_page()
        page.goto(ticket_url(family_urls, "cards", 3))
        wait_for_hints(page, "cards", 3)
    finally:
        context.close()


def test_teaching_by_keyboard(playwright_driver, unpacked_extension, attune_server, family_urls, tmp_path):
    # Arrows walk the blocks of text, Enter picks, Enter confirms. The pointer stays where it
    # clicked "Teach it"; the page scrolling under it must not take the keyboard's target away.
    context = launch(playwright_driver, tmp_path / "profile", unpacked_extension)  # nothing taught yet
    try:
        pair_and_enable(context, worker_of(context).url.split("/")[2], attune_server, [family_urls["cards"]])
        page = context.new_page()
        page.goto(ticket_url(family_urls, "cards", 1))
        page.locator("attune-status[data-attune-state=unknown] [data-attune-action=teach]").click(timeout=10000)
        panel = page.locator("attune-teach .panel")
        panel.wait_for()
        page.keyboard.press("ArrowDown")  # the first block of text: the customer's first message
        time.sleep(0.3)  # time for the mousemove Chromium sends after a scroll
        page.keyboard.press("Enter")
        panel.get_by_text("right?").wait_for(timeout=5000)
        page.keyboard.press("ArrowDown")  # the agent's reply
        time.sleep(0.3)
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('[data-attune-preview=agent]') !== null", timeout=5000)
        assert json.loads(panel.get_attribute("data-attune-counts")) == {"customer": 2, "agent": 1, "internal": 1}
        page.keyboard.press("Enter")  # "Yes, use this" has the focus
        page.locator("attune-teach").wait_for(state="detached")
        wait_for_hints(page, "cards", 1)
    finally:
        context.close()


def test_a_tab_open_before_its_site_is_enabled_gets_the_script(playwright_driver, unpacked_extension, attune_server, family_urls, tmp_path):
    # The agent opens the helpdesk first and enables it in Options second: no reload needed.
    context = launch(playwright_driver, tmp_path / "profile", unpacked_extension)
    try:
        ext_id = worker_of(context).url.split("/")[2]
        page = context.new_page()
        page.goto(ticket_url(family_urls, "cards", 1))
        time.sleep(0.5)
        assert page.locator("attune-status").count() == 0  # not enabled yet: nothing runs here
        pair_and_enable(context, ext_id, attune_server, [family_urls["cards"]])
        page.wait_for_selector("attune-status", state="attached", timeout=10000)  # the "Teach it" status
    finally:
        context.close()


def test_no_extension_errors_after_teaching(browser_context, extension_id):
    page = browser_context.new_page()
    page.goto("chrome://extensions")
    info = page.evaluate("(id) => new Promise(r => chrome.developerPrivate.getExtensionInfo(id, r))", extension_id)
    page.close()
    assert info.get("runtimeErrors", []) == []
