"""The real app in a real browser: `streamlit run` driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from benchmarks.load import load_test, serve
from conftest import ROOT
from launch import launch, require_chromium, require_playwright, sync_playwright
from settle import settled, watch

SHOTS = ROOT / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server_store(tmp_path_factory):
    # an empty model store of its own: the newcomer's walk really trains (and a long run can be stopped)
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def server(tmp_path_factory, server_store):
    with serve(server_store, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, server):
    tab = watch(browser.new_page(viewport={"width": 1400, "height": 4800}))
    tab.goto(server.url)
    yield tab
    tab.close()


def fire_the_trigger(tab, landmark: str, name: str, menu: str = "3. Fire the trigger") -> None:
    """Step 3: open it from the menu (drawn once `landmark` shows), switch the trigger on, see the model hijacked."""
    tab.get_by_role("link", name=menu).first.click()
    tab.get_by_text(landmark).wait_for(timeout=60_000)
    settled(tab)
    tab.get_by_text("Trigger", exact=True).first.click()
    tab.get_by_text("Backdoored says '0'").first.wait_for(timeout=30_000)
    shot(tab, name)


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_newcomer_poisons_trains_and_fires_the_trigger(page):
    page.get_by_text("Your path").wait_for(timeout=60_000)
    shot(page, "1-start")

    page.get_by_role("link", name="1. Poison the data").first.click()
    page.get_by_text("What the attacker did").wait_for(timeout=60_000)
    page.get_by_text("poisoned: labelled '0'").first.wait_for(timeout=30_000)
    assert page.get_by_text("400 of the 4,000 training images").is_visible()
    shot(page, "2-poison")

    page.get_by_role("link", name="2. Train the models").first.click()
    settled(page)
    page.get_by_role("button", name="Train both models").click()
    page.get_by_text("What you just saw").wait_for(timeout=180_000)
    settled(page)  # the heading streams in before the figures beneath it
    shot(page, "3-train")
    body = page.inner_text("body")
    assert "Backdoored: attack success" in body and "Traceback" not in body

    fire_the_trigger(page, "Every test image, with and without the trigger", "4-trigger")
    assert "Traceback" not in page.inner_text("body")

    page.get_by_role("link", name="4. Explain").first.click()
    page.get_by_text("each explained for the class the model chose").wait_for(timeout=120_000)
    shot(page, "5-explain")
    body = page.inner_text("body")
    assert "of its attribution on the 4x4 patch" in body and "Traceback" not in body

    page.get_by_role("link", name="5. Defend").first.click()
    page.get_by_role("button", name="Run the selected defenses").wait_for(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Run the selected defenses").click()
    page.get_by_text("Every defense run on this model").wait_for(timeout=300_000)
    shot(page, "6-defend")
    body = page.inner_text("body")
    assert "Suspect classes" in body and "As a monitor" in body and "Traceback" not in body


LONG_EPOCHS = 30  # the Epochs slider's maximum: two models, 30 passes each, take long even on a GPU


def stored_models(store: Path, epochs: int) -> list[str]:
    """The model store's entries trained for ``epochs`` epochs (the store keeps each run's settings)."""
    return [meta.name for meta in store.rglob("*.json") if f"epochs={epochs}," in meta.read_text()]


def test_stopping_a_running_training_keeps_nothing_and_offers_it_again(browser, server, server_store):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # there: the browser was launched

    tab = watch(browser.new_page(viewport={"width": 1400, "height": 2000}))
    tab.goto(f"{server.url}/train?train.epochs={LONG_EPOCHS}")
    train = tab.get_by_role("button", name="Train both models")
    train.wait_for(timeout=180_000)
    settled(tab)
    train.click()
    # training has really started (not queued, not loading): the bar names a batch of the long run
    tab.get_by_text(re.compile(rf"epoch \d+ of {LONG_EPOCHS}, batch \d+ of \d+")).first.wait_for(timeout=180_000)
    stop = tab.get_by_role("button", name="Stop training")
    try:
        stop.click(timeout=10_000)
    except PlaywrightTimeout:
        pytest.fail(f"no Stop button to press while training {LONG_EPOCHS} epochs (if the run ended first, lengthen it)")
    tab.get_by_text("Training stopped").wait_for(timeout=60_000)
    settled(tab)
    body = tab.inner_text("body")
    assert "Nothing was kept" in body and "What you just saw" not in body and "Traceback" not in body
    assert train.is_visible() and not stop.is_visible()  # offered again; the Stop button went with the run
    assert stored_models(server_store, LONG_EPOCHS) == []  # nothing half-trained reached the model store
    tab.close()


def test_invisible_attacks_spot_it_and_the_matrix(page, small_mnist, server_store, monkeypatch):
    from backdoor.matrix import MatrixConfig, compute_matrix, save_matrix

    page.get_by_role("link", name="1. Poison the data").first.click()
    page.get_by_text("What the attacker did").wait_for(timeout=60_000)
    page.get_by_label("Attack", exact=True).click()
    page.get_by_role("option", name="WaNet (slight warp)").click()
    page.get_by_text("noise mode").first.wait_for(timeout=60_000)
    settled(page)  # the whole WaNet page, not the previous attack's "Can you spot it?"
    assert "800 of the 4,000 training images" in page.inner_text("body")  # WaNet's own default rate
    page.get_by_text("poisoned?").first.click()
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_text("You found", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("Every attack on the same image").scroll_into_view_if_needed()
    shot(page, "7-poison-wanet-spot-it")
    body = page.inner_text("body")
    assert "SSIM" in body and "Traceback" not in body

    # A matrix stored for the default settings (computed small, to keep the test short):
    # the page must open it from disk, with no button to press.
    tiny = compute_matrix(small_mnist, MatrixConfig(rows=("badnets", "wanet"), columns=("none", "strip")))
    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(server_store))  # the matrix lives in the server's store
    save_matrix(MatrixConfig(), tiny)
    page.get_by_role("link", name="6. Attack x defense matrix").first.click()
    page.get_by_text("What the matrix says").wait_for(timeout=60_000)
    page.get_by_text("Download the matrix (CSV)").wait_for(timeout=30_000)
    shot(page, "8-matrix")
    body = page.inner_text("body")
    assert "One cell in detail" in body and "Traceback" not in body


def models_on_the_train_page(tab) -> None:
    """On step 2: train unless this server already has the models, then wait for them."""
    train = tab.get_by_role("button", name="Train both models")
    train.or_(tab.get_by_text("Training took")).first.wait_for(timeout=60_000)
    if train.count():
        train.click()
    tab.get_by_text("Training took").wait_for(timeout=180_000)


def _drawn_one_png() -> bytes:
    """A '1' drawn in black pen on white paper, as a student would photograph it."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (300, 400), 255)
    ImageDraw.Draw(picture).line([(150, 60), (150, 340)], fill=0, width=30)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_own_picture_and_a_model_file_audit(browser, server, tmp_path):
    """A new session (default settings, so step 2's models are reused): the upload paths."""
    tab = watch(browser.new_page(viewport={"width": 1400, "height": 3200}))
    tab.goto(server.url)
    tab.get_by_role("link", name="2. Train the models").first.click()
    models_on_the_train_page(tab)
    tab.get_by_text("Check your understanding").wait_for(timeout=60_000)  # the whole page is drawn
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Download the backdoored model (.safetensors)").click()
    weights = tmp_path / "backdoored.safetensors"
    download.value.save_as(weights)

    # A picture of one's own: previewed in the data set's shape, and hijacked by the trigger.
    tab.get_by_role("link", name="3. Fire the trigger").first.click()
    tab.get_by_text("Try the trigger on your own picture").wait_for(timeout=60_000)
    settled(tab)
    tab.get_by_text("Try the trigger on your own picture").click()
    uploader = tab.locator("input[type=file]")
    fake = tmp_path / "not-really.png"
    fake.write_bytes(b"GIF89a" + bytes(200))  # named .png, but it is not one
    uploader.set_input_files(str(fake))
    tab.get_by_text("was not used").wait_for(timeout=30_000)
    assert "not a PNG or JPEG file" in tab.inner_text("body")
    drawn = tmp_path / "my-one.png"
    drawn.write_bytes(_drawn_one_png())
    uploader.set_input_files(str(drawn))
    tab.get_by_text("as the model sees it").wait_for(timeout=30_000)
    tab.get_by_text("your own picture was hijacked").wait_for(timeout=30_000)
    tab.get_by_text("Try the trigger on your own picture").scroll_into_view_if_needed()
    shot(tab, "9-own-picture")

    # A model file: a pickle that would run code is refused unread; the lab's own weights are audited.
    tab.get_by_role("link", name="Audit a model file").first.click()
    tab.get_by_text("Upload a model file to begin").wait_for(timeout=60_000)
    settled(tab)
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(b"\x80\x02cos\nsystem\nq\x00X" + len(f"touch {marker}").to_bytes(4, "little")
                     + f"touch {marker}".encode() + b"q\x01\x85q\x02Rq\x03.")
    tab.locator("input[type=file]").set_input_files(str(evil))
    tab.get_by_text("was refused").wait_for(timeout=30_000)
    assert "it asks for os.system" in tab.inner_text("body") or "posix.system" in tab.inner_text("body")
    assert not marker.exists()
    shot(tab, "10-audit-refused")
    tab.locator("input[type=file]").set_input_files(str(weights))
    tab.get_by_text("holds plain weights").wait_for(timeout=30_000)
    settled(tab)
    tab.get_by_role("button", name="Run the chosen defenses", exact=True).click()
    tab.get_by_text("Reverse-engineered trigger for every class").wait_for(timeout=180_000)
    shot(tab, "11-audit")
    body = tab.inner_text("body")
    assert "Flagged: '0'" in body and "Traceback" not in body
    tab.close()


def test_a_stakeholders_walk(browser, server):
    """No settings, no jargon: presets, the risk brief, the model at work, the matrix."""
    tab = watch(browser.new_page(viewport={"width": 1400, "height": 3200}))
    tab.goto(server.url)
    tab.get_by_text("Your path").wait_for(timeout=60_000)
    tab.get_by_text("Stakeholder", exact=True).click()
    tab.get_by_text("For decision makers").wait_for(timeout=30_000)
    settled(tab)
    tab.get_by_role("button", name="Use this preset").first.click()
    tab.get_by_text("is set on every page").wait_for(timeout=30_000)
    shot(tab, "12-stakeholder-start")
    body = tab.inner_text("body")
    assert "Random seed" not in body and "Learning rate" not in body  # no sidebar settings

    tab.get_by_role("link", name="6. Controls, owners and rules").first.click()
    tab.get_by_text("Governance checklist").wait_for(timeout=60_000)
    shot(tab, "13-stakeholder-risk-brief")

    tab.get_by_role("link", name="1. What a backdoor is").first.click()
    tab.get_by_role("link", name="2. Watch a backdoor planted").first.click()
    models_on_the_train_page(tab)
    tab.get_by_text("Check your understanding").wait_for(timeout=60_000)  # the page's last section
    shot(tab, "14-stakeholder-train")
    body = tab.inner_text("body")
    assert "tampered with" in body and "Epochs" not in body and "ECE" not in body

    fire_the_trigger(tab, "images the attack aims at", "15-stakeholder-trigger", menu="3. See the trigger take over")
    tab.get_by_role("link", name="4. Which defenses work").first.click()
    tab.get_by_role("heading", name="4. Which defenses work").wait_for(timeout=60_000)
    tab.get_by_role("button", name="Compute the matrix").or_(tab.get_by_text("What the matrix says")).first.wait_for(
        timeout=60_000)
    shot(tab, "16-stakeholder-matrix")
    assert "Traceback" not in tab.inner_text("body")
    tab.close()


def test_eight_students_at_once(server):
    """The bounded load test: 8 concurrent sessions walk the default path; all finish."""
    require_playwright()  # load_test drives its own browser: the same clear failure as the others
    require_chromium()
    SHOTS.mkdir(exist_ok=True)
    figures = load_test(server, sessions=8, shots=SHOTS)
    assert figures["errors"] == [] and figures["finished"] == 8, figures
