"""``python -m cashmatch`` runs the command line."""

from cashmatch.cli import main

main()
