"""``python -m buurtwatt_app``: the ``buurtwatt`` command without an installed script."""

import sys

from buurtwatt_app import main

sys.exit(main())
