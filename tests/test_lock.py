"""requirements.lock (issue 16, point 13): every dependency of pyproject.toml, the dev extra
included, is pinned there with hashes at a version its specifier allows, so `make setup`
installs what was tested. A dependency added without `make lock` fails here, naming it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _pins() -> dict[str, tuple[Version, str]]:
    """name -> (pinned version, the whole entry with its hash lines)."""
    text = (ROOT / "requirements.lock").read_text()
    pins = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        if match := PIN.match(entry):
            pins[canonicalize_name(match.group(1))] = (Version(match.group(2)), entry)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(spec) for spec in specs]


def test_every_dependency_is_pinned_with_hashes():
    pins = _pins()
    assert pins, "requirements.lock holds no pins"
    missing = [str(r) for r in _declared() if canonicalize_name(r.name) not in pins]
    assert not missing, f"not in requirements.lock (run make lock): {missing}"
    outside = {
        str(r): str(pins[canonicalize_name(r.name)][0])
        for r in _declared()
        if pins[canonicalize_name(r.name)][0] not in r.specifier
    }
    assert not outside, f"pinned outside pyproject.toml's range (run make lock): {outside}"
    unhashed = [name for name, (_v, entry) in pins.items() if "--hash=sha256:" not in entry]
    assert not unhashed, f"pinned without a hash: {unhashed}"


def test_setup_installs_from_the_lock_and_reinstalls_when_it_changes():
    makefile = (ROOT / "Makefile").read_text()
    installed = re.search(r"^\$\(BIN\)/\.installed:(.*)$", makefile, re.M)
    assert installed and "$(LOCK)" in installed.group(1)
    assert "--require-hashes -r $(LOCK)" in makefile
    assert "--no-deps -e ." in makefile
