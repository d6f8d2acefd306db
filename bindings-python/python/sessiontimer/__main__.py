"""``python -m sessiontimer``: the same as the ``sessiontimer`` command."""

import sys

from .cli import main

sys.exit(main())
