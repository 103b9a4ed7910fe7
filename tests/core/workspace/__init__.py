"""Tests of the Qt-free workspace (annotator.core.workspace)."""
