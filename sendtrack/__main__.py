"""`python -m sendtrack`."""

from sendtrack.cli.app import main

main()
