"""The one local copy of plotly.js that every page loads, so the reports work offline."""

from __future__ import annotations

from pathlib import Path

from plotly.offline import get_plotlyjs

PLOTLY_JS = "assets/plotly.min.js"


def publish_plotlyjs(reports_dir: Path) -> Path:
    """Write plotly.js beside the pages once; rewrite only when the plotly version changed."""
    target = reports_dir / PLOTLY_JS
    script = get_plotlyjs()
    if not target.exists() or target.stat().st_size != len(script.encode("utf-8")):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(script, encoding="utf-8")
    return target
