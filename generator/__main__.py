"""``python -m generator``: generate the demo company (see generator.cli)."""

import sys

from generator.cli import main

sys.exit(main())
