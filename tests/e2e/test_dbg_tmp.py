import time
from tests.e2e.test_extension import open_ticket, HINT
def test_dbg(browser_context, paired, pages_url):
    page = open_ticket(browser_context, f"{pages_url}/zendesk.html", 3)
    host = page.locator(HINT).nth(1)
    badge = host.locator("button.badge")
    badge.click()
    card = host.locator(".card")
    card.wait_for(state="visible")
    print("viewport", page.viewport_size, "badge", badge.bounding_box(), "card", card.bounding_box())
    print(card.evaluate("c => [c.style.cssText, c.offsetHeight, getComputedStyle(c).position, window.innerHeight, window.scrollY]"))
    page.screenshot(path="/tmp/dbg.png")
