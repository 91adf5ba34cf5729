"""The ftops command line: one module per command group, each thin (parse -> core -> render)."""
