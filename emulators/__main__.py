"""`python -m emulators graph|connector|token-service`: see `emulators.cli`."""

import sys

from emulators.cli import main

sys.exit(main())
