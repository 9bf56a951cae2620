"""The page at ``/`` in real headless Chromium (Debian's chromium and chromium-driver):
send a prompt, watch the streamed answer arrive rendered, then find it in the log browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    os.environ.setdefault("SE_AVOID_STATS", "true")
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, condition: Any, timeout: float = 20) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_chat_streams_markdown_and_the_log_browser_finds_it(
    server: Running, browser: Any, user_path: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    browser.get(f"{server.base}/#token={server.token}")
    # The token leaves the address bar once read.
    _wait(browser, lambda d: "token=" not in d.current_url)
    _wait(browser, lambda d: len(Select(d.find_element(By.ID, "model")).options) > 1)
    Select(browser.find_element(By.ID, "model")).select_by_value("echo")
    browser.find_element(By.ID, "system").send_keys("You are terse")
    # echo answers with exactly this text when asked for it "raw": Markdown to render.
    raw = '{"raw": "# Weather\\n\\nIt is **sunny** in `Paris`:\\n\\n- warm\\n- dry"}'
    browser.find_element(By.ID, "prompt").send_keys(raw)
    browser.find_element(By.ID, "send").click()
    answer = _wait(
        browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".message.assistant.done"))
    )
    assert "error" not in answer.get_attribute("class")
    assert answer.find_element(By.TAG_NAME, "h1").text == "Weather"
    assert answer.find_element(By.TAG_NAME, "strong").text == "sunny"
    assert answer.find_element(By.TAG_NAME, "code").text == "Paris"
    assert [li.text for li in answer.find_elements(By.CSS_SELECTOR, "ul li")] == ["warm", "dry"]

    # A second turn in the same chat: the model sees the first as history.
    prompt = browser.find_element(By.ID, "prompt")
    prompt.send_keys("and tomorrow pelicans?")
    browser.find_element(By.ID, "send").click()
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".message.assistant.done")) == 2)
    second = browser.find_elements(By.CSS_SELECTOR, ".message.assistant.done")[1].text
    assert '"prompt": "and tomorrow pelicans?"' in second
    assert '"system": "You are terse"' in second

    # The log browser: recent conversations, then full-text search, then one exchange.
    browser.find_element(By.ID, "tab-logs").click()
    first_item = _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#results li")))
    assert "2 responses" in first_item.text
    first_item.click()
    exchanges = _wait(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#detail .exchange") or None
    )
    assert len(exchanges) == 2
    browser.find_element(By.ID, "search").send_keys("pelicans")
    browser.find_element(By.ID, "search-button").click()
    hit = _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#results li")))
    assert "and tomorrow pelicans?" in hit.text
    hit.click()
    detail = _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#detail .exchange")))
    assert "You are terse" in detail.text
    assert "and tomorrow pelicans?" in detail.text
    browser.save_screenshot(str(tmp_path / "logs.png"))


def test_page_asks_for_the_token_when_it_has_none(server: Running, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server.base}/")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{server.base}/")
    _wait(browser, lambda d: d.find_element(By.ID, "token-box").is_displayed())
    assert "A token is needed" in browser.find_element(By.ID, "status").text
    browser.find_element(By.ID, "token").send_keys("wrong")
    browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
    _wait(browser, lambda d: "refused" in d.find_element(By.ID, "status").text)
    token = browser.find_element(By.ID, "token")
    token.clear()
    token.send_keys(str(server.token))
    browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
    _wait(browser, lambda d: "models" in d.find_element(By.ID, "status").text)


def test_page_needs_no_token_with_no_auth(serve: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    with serve(token=None) as running:
        browser.get(f"{running.base}/")
        browser.execute_script("sessionStorage.clear()")
        browser.get(f"{running.base}/")
        _wait(browser, lambda d: "models" in d.find_element(By.ID, "status").text)
        assert not browser.find_element(By.ID, "token-box").is_displayed()
