"""The shared files every page loads from ``assets/`` beside it: one local copy of plotly.js and the pages'
own script and stylesheet, so the reports work offline and no request leaves the machine."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from plotly.offline import get_plotlyjs

PLOTLY_JS = "assets/plotly.min.js"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = ("kinerja.js", "kinerja.css")


def write_atomic(target: Path, content: str | bytes) -> None:
    """Write ``target`` through a temporary file beside it and a rename: a reader sees the old file or the new
    one, never a part of it (nor an empty file)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _write_if_changed(target: Path, content: str) -> None:
    data = content.encode("utf-8")
    if not target.exists() or target.read_bytes() != data:
        write_atomic(target, data)


@functools.cache
def _plotlyjs() -> bytes:
    """plotly.js of the installed plotly, read once per process (3.5 MB; every page asks for it)."""
    return get_plotlyjs().encode("utf-8")


def publish_plotlyjs(reports_dir: Path) -> Path:
    """Write plotly.js beside the pages once; rewrite only when the plotly version changed."""
    target = reports_dir / PLOTLY_JS
    script = _plotlyjs()
    if not target.exists() or target.stat().st_size != len(script):
        write_atomic(target, script)
    return target


def publish_assets(reports_dir: Path) -> list[Path]:
    """plotly.js, kinerja.js and kinerja.css under ``reports_dir/assets``."""
    written = [publish_plotlyjs(reports_dir)]
    for name in STATIC_FILES:
        target = reports_dir / "assets" / name
        _write_if_changed(target, (STATIC_DIR / name).read_text(encoding="utf-8"))
        written.append(target)
    return written
