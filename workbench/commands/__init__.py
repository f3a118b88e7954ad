"""Implementations of the `workbench` sub-commands, one module per command family."""
