"""The command line: typer sub-apps, one module per command group; parse, call, render."""
