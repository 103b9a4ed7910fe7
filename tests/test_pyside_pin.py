"""PySide6 6.12.0 aborts on Python < 3.12 after a few thousand void Qt calls; it must not be used."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

SCRIPT = """
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication
app = QApplication([])
doc = QTextDocument("x" * 100)
cursor = QTextCursor(doc)
for i in range(10_000):
    cursor.setPosition(i % 100)  # returns nothing: on 6.12.0 + 3.11 each call drops a ref to None
print("clean", cursor.position())
"""


def test_ten_thousand_void_qt_calls_exit_cleanly():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "clean 99"
    assert "none_dealloc" not in result.stderr


def test_installed_pyside_is_not_the_broken_release():
    if sys.version_info < (3, 12):
        assert version("PySide6-Essentials") != "6.12.0"
