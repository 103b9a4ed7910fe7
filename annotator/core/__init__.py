"""The Qt-free core of annotator: domain rules, import, search and the services over storage.

Nothing under ``annotator.core`` or ``annotator.storage`` imports PySide6 or click
(tests/test_layers.py enforces it), so the CLI, the GUI and the tests share one library.
"""
