"""`python -m marathon.cli` runs the `marathon` command."""

from . import main

main()
