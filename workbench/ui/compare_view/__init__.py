"""The comparison screen: pick presets, train them alike in a worker, rank and chart them live.

Left: the candidates (preset check boxes, plus saved specs the user adds),
one data set and the shared hyperparameters.  Right: the leaderboard (one
row per candidate, sortable, with its progress while it trains), and the
charts: validation accuracy and loss of the selected rows (all rows when
none is selected) against epoch or wall time, and best accuracy against
multiply-adds with circle area proportional to parameters.

Training runs as one `BackgroundTask` through `workbench.compare.runner`; its
events arrive, queued, at one slot of this widget and go to their handlers.
Charts are redrawn by a 10 Hz timer when something changed.
"""

from .charts import bubble_diameters
from .leaderboard import COLUMN_NAMES, PROGRESS_ROLE, LeaderboardModel
from .view import COMPARE_FIELDS, CompareView

__all__ = ["COLUMN_NAMES", "COMPARE_FIELDS", "PROGRESS_ROLE", "CompareView", "LeaderboardModel", "bubble_diameters"]
