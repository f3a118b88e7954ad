"""The checkable list of architectures a comparison trains or a sweep tunes: every preset, then specs added.

A comparison's list also offers the multi-network presets (a GAN's generator
and discriminator, trained as one entry); a sweep's does not, since a sweep
tunes one network's settings.

A preset's spec is read from its file only when the list is turned into
entries (a run starts), so the list opens at once; a spec added from the
canvas or a saved file rides on its item, and adding one of the same label
again replaces it (the canvas' model offered again after edits).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ...compare.runner import CompareEntry, make_entries
from ...spec import ModelSpec, load_preset, preset_paths
from ...spec.networks_io import load_networks, network_preset_paths
from .leaderboard import SPEC_ROLE


class CandidateList(QListWidget):
    """One checkable row per preset slug (with `networks`, per multi-network preset slug too) and per added spec."""

    def __init__(self, parent: QWidget | None = None, networks: bool = False):
        super().__init__(parent)
        self._networks = network_preset_paths() if networks else {}
        for slug, path in {**preset_paths(), **self._networks}.items():
            self._add(slug, None, str(path), checked=False)

    def add_spec(self, label: str, spec: ModelSpec, checked: bool = True) -> None:
        """Offer `spec` under `label`, replacing an added spec of that label."""
        for item in self.findItems(label, Qt.MatchExactly):
            if item.data(SPEC_ROLE) is not None:
                self.takeItem(self.row(item))
        self._add(label, spec, spec.description or spec.name, checked)

    def _add(self, label: str, spec: ModelSpec | None, tip: str, checked: bool) -> None:
        item = QListWidgetItem(label, self)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Checked if checked else Qt.Unchecked)
        item.setData(SPEC_ROLE, spec)
        item.setToolTip(tip)

    def labels(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def checked_labels(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count()) if self.item(i).checkState() == Qt.Checked]

    def set_checked(self, labels: list[str]) -> None:
        """Check exactly these rows."""
        wanted = set(labels)
        for i in range(self.count()):
            self.item(i).setCheckState(Qt.Checked if self.item(i).text() in wanted else Qt.Unchecked)

    def checked_entries(self) -> list[CompareEntry]:
        """The checked rows as entries, presets read now; raises WorkbenchError for an unreadable preset."""
        slugs = preset_paths()
        chosen = []
        for i in range(self.count()):
            item = self.item(i)
            if item.checkState() == Qt.Checked:
                spec, label = item.data(SPEC_ROLE), item.text()
                if spec is None:
                    spec = load_networks(self._networks[label]) if label in self._networks else load_preset(slugs[label])
                chosen.append((label, spec, label))
        return make_entries(chosen)
