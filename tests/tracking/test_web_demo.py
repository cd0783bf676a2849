"""tracking/web_demo.py in a real headless browser: upload the synthetic video, give a box, track, and compare the
page's boxes with the application API's on the same video."""
import shutil
import socket

import numpy as np
import pytest

from lib.app import open_session
from lib.utils.synthetic import render_video
from lib.utils.video import FrameSource

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="chromium and chromedriver are needed for the browser test (install.sh "
                                       "installs them as root: apt-get install chromium chromium-driver)")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def page(tmp_path):
    from tracking.web_demo import App, build

    app = App()
    app.folder = tmp_path
    blocks = build(app)
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    blocks.close()


@pytest.fixture()
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (requirements.txt) is not installed")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1200"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@needs_browser
def test_page_tracks_like_the_api(page, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from tracking.web_demo import synthetic_clip

    upload_folder = tmp_path / "upload"
    upload_folder.mkdir()
    clip = synthetic_clip(upload_folder)
    target = render_video(3, num_frames=30, height=240, width=320).boxes_xywh[0]
    wait = WebDriverWait(browser, 45)
    browser.get(page)
    upload = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#video input[type=file]")))
    upload.send_keys(str(clip))
    image = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#frame img")))  # first frame shown
    # Draw the box: click its two opposite corners on the displayed first frame (scaled to the page).
    scale = image.size["width"] / 320
    for n, (cx, cy) in enumerate(((target[0], target[1]), (target[0] + target[2], target[1] + target[3]))):
        ActionChains(browser).move_to_element_with_offset(
            image, (cx + 0.5) * scale - image.size["width"] / 2, (cy + 0.5) * scale - image.size["height"] / 2
        ).click().perform()
        if n == 0:  # the page shows the kept corner before the second click
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#corner textarea").get_attribute("value"))
            image = browser.find_element(By.CSS_SELECTOR, "#frame img")
    drawn = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#boxes textarea").get_attribute("value"))
    box = [float(v) for v in drawn.split(",")]
    np.testing.assert_allclose(box, target, atol=2)  # where the clicks landed, to the pixel of the scaled image
    browser.find_element(By.CSS_SELECTOR, "#run").click()
    text = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#mot_text textarea").get_attribute("value"))
    browser.save_screenshot(str(tmp_path / "web_demo.png"))
    rows = np.array([[float(v) for v in line.split(",")] for line in text.splitlines()])
    session = open_session("aiatrack")
    expected = []
    for index, image in enumerate(FrameSource(clip)):
        results = session.start(image, [box]) if index == 0 else session.update(image)
        expected += [[index + 1, r.target_id, *r.box] for r in results]
    assert rows.shape == (30, 7)
    np.testing.assert_allclose(rows[:, :6], expected, atol=0.006)


def test_typed_boxes_are_read_per_line_and_errors_name_the_line():
    import gradio as gr

    from tracking.web_demo import boxes_of

    assert boxes_of("1,2,3,4\n\n5 6 7 8\n") == [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]
    with pytest.raises(gr.Error, match="boxes:2: expected x,y,w,h"):
        boxes_of("1,2,3,4\n5,6,0,8")
