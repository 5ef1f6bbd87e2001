"""``python -m rooflib.grade``: see :mod:`rooflib.grade` and ``python -m rooflib.grade -h``."""

import sys

from . import main

sys.exit(main())
