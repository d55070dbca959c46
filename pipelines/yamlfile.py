"""YAML as the project reads it: PyYAML's safe loader, with libyaml's parser when PyYAML was built with it.

Building the definitions reads about 260 YAML files (quality suites, source contracts, the column, entity, KPI and
rule catalogs); PyYAML's pure-Python parser spent 1.2 s of every start on them, libyaml's parser a tenth of that.
Only the parser changes: tags resolve and values are constructed by the same safe constructor, so a file reads
as the same values, and a broken file still raises ``yaml.YAMLError`` naming its line and column.
"""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """``yaml.safe_load`` with libyaml's parser when it is there."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - a safe loader (SafeConstructor)
