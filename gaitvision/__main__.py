"""``python -m gaitvision``."""

import sys

from gaitvision.cli import main

sys.exit(main())
