"""The window on a real X server (Xvfb, Qt's xcb platform, not offscreen), through the same code
the `annotator` command runs; and with no display, one line instead of Qt's abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import PERSIAN_SEED, SEEDS

CHILD = r"""
import sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from annotator.gui import app as app_module

app = app_module.create_app()
QSettings().setValue("annotator/name", "tester")
seen = {}

def look():
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowHandle()]
    main = next(w for w in windows if type(w).__name__ == "MainWindow")
    main.open_document(sys.argv[2])
    image = main.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    seen.update(platform=QApplication.platformName(), exposed=main.windowHandle().isExposed(),
                colours=len(colours), size=(image.width(), image.height()))
    app.quit()

QTimer.singleShot(1500, look)
status = app_module.run(sys.argv[1])  # what `annotator --db FILE` runs
print("RESULT", status, seen["platform"], seen["exposed"], seen["colours"], *seen["size"])
"""


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise AssertionError("no free X display number between 90 and 199")


def test_the_window_opens_on_a_real_x_server(tmp_path: Path, run):
    xvfb = shutil.which("Xvfb")
    assert xvfb, "this test needs Xvfb: apt-get install xvfb (see README; .ci/run installs it)"
    assert run("import", str(SEEDS)).exit_code == 0
    number = _free_display()
    log = tmp_path / "xvfb.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                  stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert server.poll() is None, f"Xvfb exited: {log.read_text(errors='replace')[-500:]}"
            assert time.monotonic() < deadline, "Xvfb did not start within 15 s"
            time.sleep(0.1)
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        child = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "project.db"), PERSIAN_SEED],
                               env=env, capture_output=True, text=True, timeout=120)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)
    assert child.returncode == 0, child.stderr[-2000:]
    result = next(line for line in child.stdout.splitlines() if line.startswith("RESULT")).split()
    status, platform, exposed, colours, width, height = result[1:]
    assert (status, platform, exposed) == ("0", "xcb", "True")
    assert int(colours) > 20 and int(width) > 600 and int(height) > 400  # a drawn window, not a blank one


def test_no_display_is_one_line_and_exit_1(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    out = subprocess.run([sys.executable, "-m", "annotator", "--db", str(tmp_path / "x.db")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "Error: no display to open the window on (DISPLAY is not set): run it on the desktop, over `ssh -X`, "
        "or under `xvfb-run`; the command line works without one (annotator --help)"]
