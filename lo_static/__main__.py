"""`python -m lo_static` is the `lo-static` command."""

from .cli import main

main()
