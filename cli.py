"""Run the ``posynda`` command line from a source checkout: ``python cli.py --help``.

The application lives in :mod:`posynda.cli` (installed as the ``posynda`` command); this shim only
calls it, so it needs the package importable (``pip install -e .``).
"""

from posynda.cli import main

if __name__ == "__main__":
    main()
