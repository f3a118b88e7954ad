"""The one base class for problems a user can fix (bad file, bad data, bad graph).

Every package raises a subclass with a readable message; the CLI prints the
`problems` one per line and exits 2, the GUI shows them in a dialog.  Anything
that is not a `WorkbenchError` is a bug and keeps its traceback.
"""

from __future__ import annotations


class WorkbenchError(ValueError):
    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
