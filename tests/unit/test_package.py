"""The package imports cleanly and states its version."""

import re

import omsim


def test_version_is_semver() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", omsim.__version__)
