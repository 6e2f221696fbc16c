"""The `java` marker is enforced: an unmarked test cannot start a JVM (tests/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def test_an_unmarked_test_cannot_start_a_jvm() -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("no Java on this machine: the guard has nothing to stop")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DmkgTestNotMarkedJava" in result.stderr


@pytest.mark.java
def test_a_marked_test_can() -> None:
    java = shutil.which("java")
    assert java, "the java marker promises a Java runtime"
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
