"""Checks on the folders omsim is asked to write, made before any long work starts."""

from __future__ import annotations

import tempfile
from pathlib import Path


def unwritable_folder(folder: Path | str) -> str | None:
    """Why ``folder`` could not be made and written, or None when it can: checked on its
    nearest existing parent with a real write (permissions, read-only file systems and quotas
    all show), before any long work starts. The reason names the parent."""
    parent = Path(folder).absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is a file, so no folder can be made under it"
    try:
        with tempfile.TemporaryDirectory(dir=parent, prefix=".omsim-write-check-"):
            pass
    except OSError as error:
        return f"cannot write in {parent} ({error.strerror})"
    return None
