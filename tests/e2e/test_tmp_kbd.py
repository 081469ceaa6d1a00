def test_kbd(browser_context, paired, pages_url):
    page = browser_context.new_page()
    page.goto(f"{pages_url}/unknown.html")
    page.evaluate("() => { const r = document.createRange(); r.selectNodeContents(document.getElementById('q1')); getSelection().addRange(r); }")
    page.bring_to_front()
    page.keyboard.press("Alt+Shift+T")
    h = page.wait_for_selector("attune-hint[data-attune-generic]", timeout=5000)
    print("LABEL", h.get_attribute("data-attune-label"))
