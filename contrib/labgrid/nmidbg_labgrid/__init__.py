# SPDX-License-Identifier: GPL-3.0-or-later
"""nmidbg for labgrid: a driver that breaks into a hung board over the
place's serial line (NmidbgDriver), and a pytest hook that runs triage on
a board that hung in a failed test (nmidbg_labgrid.pytest_plugin).

Importing the package registers the driver with labgrid's target
factory: name it in the environment file's `imports:`."""
from .driver import NmidbgDriver, NmidbgError

__all__ = ["NmidbgDriver", "NmidbgError"]
