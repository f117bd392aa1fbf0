"""The cockpit in a real browser: Debian's headless Chromium, driven by selenium through the
system chromedriver (SE_OFFLINE: selenium-manager never downloads anything), against
`python -m cockpit` started on a free local port over the hand-built fixture warehouse.

One journey, as a credit manager would take it: sign in, see the KPI page with its charts, the
forecast page, open a customer, hold one contact-list row and approve the rest, mark a worklist
call done; then the decisions store (what the next run reads) must say exactly that. Each page
is saved to tests/artifacts/cockpit-*.png for people to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from cockpit import auth, decisions
from tests.cockpit_warehouse import EMAIL_CUSTOMERS, PLAN_DAY, build, message_id

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds an element may take to appear on 2 busy cores; a bound, not a measured time

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False


@contextmanager
def running_cockpit(tmp_path: Path, **env: str):
    """`python -m cockpit` on a free port over the fixture warehouse, stopped afterwards."""
    env = (
        os.environ
        | {
            "COCKPIT_WAREHOUSE": str(build(tmp_path / "warehouse.duckdb")),
            "COCKPIT_STATE_DIR": str(tmp_path / "state"),
            "RELANCE_HOME": str(tmp_path),
            "MLFLOW_TRACKING_URI": "",  # no MLflow store: the model-health table says so
        }
        | env
    )
    port = _free_port()
    log = (tmp_path / "cockpit.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(None, WAIT, poll_frequency=0.5).until(lambda _: _healthy(url) or server.poll() is not None)
        assert server.poll() is None, (tmp_path / "cockpit.log").read_text()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def cockpit(tmp_path, monkeypatch):
    """The app with the local password file (one user, alice) and approval mode on."""
    monkeypatch.delenv("COCKPIT_SECRETS", raising=False)
    state = tmp_path / "state"
    auth.add_user(state / "users", "alice", "correct-horse-battery")
    decisions.set_approval_mode(True, "admin", path=state / "decisions.sqlite")
    with running_cockpit(tmp_path) as url:
        yield url, state


@pytest.fixture
def browser():
    os.environ["SE_OFFLINE"] = "1"  # never let selenium-manager fetch a browser or driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1500,1300",
        "--disable-background-networking",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


class Page:
    """Explicit waits over Streamlit's dynamic page: every step waits for what it needs."""

    def __init__(self, driver):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.wait = WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,))

    def find(self, xpath: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait.until(ec.visibility_of_element_located((By.XPATH, xpath)))

    def click(self, xpath: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        self.wait.until(ec.element_to_be_clickable((By.XPATH, xpath))).click()

    def type(self, label: str, text: str, enter: bool = True) -> None:
        from selenium.webdriver.common.keys import Keys

        field = self.find(f"//input[@aria-label='{label}']")
        field.click()
        field.send_keys(text + (Keys.ENTER if enter else ""))

    def choose(self, label: str, text: str) -> None:
        """Pick the first option of a multiselect matching ``text``, then close its list."""
        from selenium.webdriver.common.keys import Keys

        self.type(label, text)
        self.find(f"//input[@aria-label='{label}']").send_keys(Keys.ESCAPE)

    def text(self, text: str):
        return self.find(
            f'//*[contains(normalize-space(.), "{text}") and not(*[contains(normalize-space(.), "{text}")])]'
        )

    def open(self, page: str) -> None:
        self.click(f"//a[@data-testid='stSidebarNavLink'][contains(., '{page}')]")

    def charts(self, at_least: int) -> int:
        from selenium.webdriver.common.by import By

        drawn = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg.marks"
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, drawn)) >= at_least)
        return len(self.driver.find_elements(By.CSS_SELECTOR, drawn))

    def no_errors(self) -> None:
        from selenium.webdriver.common.by import By

        errors = self.driver.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
        assert not errors, errors[0].text

    def screenshot(self, name: str) -> None:
        self.wait_idle()
        ARTIFACTS.mkdir(exist_ok=True)
        self.driver.save_screenshot(str(ARTIFACTS / f"cockpit-{name}.png"))

    def wait_idle(self) -> None:
        from selenium.webdriver.common.by import By

        running = "[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningIcon']"
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, running))


def test_sign_in_read_kpis_open_a_customer_hold_one_row_and_approve_the_rest(cockpit, browser):
    url, state = cockpit
    page = Page(browser)
    browser.get(url)
    page.find("//input[@aria-label='User name']")
    page.screenshot("signin")
    page.type("User name", "alice", enter=False)
    page.type("Password", "wrong-password")
    page.text("Unknown user name or wrong password.")
    page.type("Password", "\b" * 20 + "correct-horse-battery")

    page.find("//h1[contains(., 'Collections KPIs')]")
    assert page.charts(at_least=4) >= 4  # aging, DSO, ADD, CEI
    page.text("Signed in as")
    page.no_errors()
    page.screenshot("kpis")

    page.open("Forecast, experiments, models")
    page.find("//h1[contains(., 'Forecast, experiments and models')]")
    page.text("2 week(s) over")  # the 15 June forecast is picked: its first two weeks have actuals
    assert page.charts(at_least=3) >= 3  # cash forecast, experiment, drift
    page.no_errors()
    page.screenshot("forecast")

    page.open("Customer 360")
    page.type("Find a customer (id or name)", "C001")
    page.find("//h2[contains(., 'Customer C001 (C001)')]")
    page.charts(at_least=1)
    page.no_errors()
    page.screenshot("customer")
    page.click("//*[@role='tab'][contains(., 'Messages')]")
    page.text("invoice_in_dispute")  # the "why not" of the blocked reminder
    page.screenshot("customer-messages")

    page.open("Contact list review")
    page.text("Approval mode is on")
    page.choose("Rows to decide", "C002")
    page.text("C002 · reminder_2 · 1,250 EUR")  # the chip of the picked row
    page.click("//button[contains(., 'Hold selected')]")
    page.text("1 row(s) held by alice.")
    page.click("//button[contains(., 'Approve the 3 pending rows shown')]")
    page.text("3 row(s) approved by alice")
    page.no_errors()
    page.screenshot("review")

    page.open("Collector worklist")
    page.text("3 open of 3 items, best value per minute first.")
    page.click("//button[contains(., 'Record')]")  # the first row: the top-ranked call to C001
    page.text("done recorded by alice.")
    page.text("2 open of 3 items, best value per minute first.")
    page.screenshot("worklist")

    ids = {customer: message_id(customer, "email") for customer in EMAIL_CUSTOMERS}
    store = state / "decisions.sqlite"
    assert decisions.held_message_ids(PLAN_DAY, store) == {ids["C002"]}
    assert decisions.approved_message_ids(PLAN_DAY, store) == {ids[c] for c in ("C001", "C003", "C004")}
    assert decisions.deliverable_message_ids(PLAN_DAY, ids.values(), store) == {
        ids[c] for c in ("C001", "C003", "C004")
    }
    done = decisions.worklist_actions(PLAN_DAY, store)[message_id("C001", "call")]
    assert (done["action"], done["decided_by"]) == ("done", "alice")


def test_with_an_auth_section_in_the_secrets_people_sign_in_by_oidc_not_by_password(tmp_path, browser):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "test-only-secret"\n'
        'client_id = "cockpit"\nclient_secret = "test-only"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
    )
    with running_cockpit(tmp_path, COCKPIT_SECRETS=str(secrets)) as url:
        page = Page(browser)
        browser.get(url)
        page.find("//button[contains(., 'Sign in with your company account')]")
        assert not browser.find_elements("xpath", "//input[@aria-label='Password']")
