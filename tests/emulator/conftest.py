from ftops.emulator.testing import emulator  # noqa: F401
