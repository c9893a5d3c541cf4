"""``python -m posynda.cli``."""

from posynda.cli import main

main()
