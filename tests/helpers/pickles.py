"""Payloads for the readers' safety tests: an object whose unpickling would run code (a marker file appears)."""

import os


class RunsCode:
    """Pickles as a call to ``os.system`` that would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))
