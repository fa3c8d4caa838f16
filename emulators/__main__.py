"""`python -m emulators graph|connector`: see `emulators.cli`."""

import sys

from emulators.cli import main

sys.exit(main())
