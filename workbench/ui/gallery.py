"""The preset gallery: one card per bundled preset, with its size and a thumbnail of its layers.

A card's numbers come from `workbench.spec.analyze`, computed once per preset
file version and cached for the process.  The panel fills the cards one per
idle tick after the window is up, so opening the app never waits for them;
the name, family and year are read from the files at once (a JSON read, no
analysis), so cards are named, ordered (`gallery_order`) and searchable
from the start.
Each card has a check box: the checked presets are what "Compare" trains
side by side.  The multi-network presets (`presets/networks/`, a GAN's
generator and discriminator) are cards among the others, in the same
order; theirs add up the networks and show each network's parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..spec import PresetError, analyze, load_preset, preset_paths
from ..spec.networks import fit_problems
from ..spec.networks_io import holds_networks, load_networks, network_preset_paths
from ..spec.units import human, shape_text
from ..train.task_specs import input_shape_of
from .gallery_order import gallery_order, match_rank, preset_header
from .graph.theme import ROLE_COLORS, role
from .theme import mark_color


@dataclass(frozen=True)
class PresetCard:
    """What a gallery card shows about one preset file."""

    slug: str
    name: str
    family: str
    description: str
    input_shape: tuple
    layers: int
    params: int
    macs: int
    errors: tuple[str, ...]
    #: (colour role, height 0..1) per layer in graph order: log activation size, for the thumbnail
    profile: tuple[tuple[str, float], ...]
    task: str = "classification"
    #: (network, parameters) per network of a multi-network preset; () for one network
    networks: tuple[tuple[str, int], ...] = ()

    @property
    def summary(self) -> str:
        if self.errors:
            return f"{len(self.errors)} error(s): {self.errors[0]}"
        if self.networks:
            each = " · ".join(f"{name[:1].upper()} {human(params)}" for name, params in self.networks)
            return f"{self.task.upper()} · {human(self.params)} params: {each} · {shape_text(self.input_shape)}"
        return f"{human(self.params)} params · {human(self.macs)} MACs · {shape_text(self.input_shape)}"


_CARDS: dict[tuple[str, int], PresetCard] = {}


def preset_card(slug: str, path: Path) -> PresetCard:
    """The card for a preset file, analysed once per file version."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _CARDS:
        _CARDS[key] = _make_card(slug, path)
    return _CARDS[key]


def _make_card(slug: str, path: Path) -> PresetCard:
    try:
        if holds_networks(path):
            return _networks_card(slug, path)
        spec = load_preset(path)
    except PresetError as exc:
        return PresetCard(slug, slug, "", "", (), 0, 0, 0, tuple(exc.problems), ())
    analysis = analyze(spec)
    return PresetCard(
        slug=slug,
        name=spec.name,
        family=spec.family,
        description=spec.description,
        input_shape=tuple(spec.input_shape),
        layers=len(spec.layers),
        params=analysis.total_params,
        macs=analysis.total_macs,
        errors=tuple(str(p) for p in analysis.errors),
        profile=_profile([analysis]),
        task=spec.task,
    )


def _networks_card(slug: str, path: Path) -> PresetCard:
    """A multi-network preset's card: totals over its networks, each network's parameters, the data's input
    shape, and the networks' strips one after the other."""
    networks = load_networks(path, check_fit=False)
    analyses = {name: analyze(spec) for name, spec in networks.networks.items()}
    errors = [f"{name}: {p}" for name, a in analyses.items() for p in a.errors] or fit_problems(networks)
    return PresetCard(
        slug=slug,
        name=networks.name,
        family=networks.family,
        description=networks.description,
        input_shape=input_shape_of(networks),
        layers=sum(len(spec.layers) for spec in networks.networks.values()),
        params=sum(a.total_params for a in analyses.values()),
        macs=sum(a.total_macs for a in analyses.values()),
        errors=tuple(errors),
        profile=_profile(list(analyses.values())),
        task=networks.task,
        networks=tuple((name, a.total_params) for name, a in analyses.items()),
    )


def _profile(analyses) -> tuple[tuple[str, float], ...]:
    """(colour role, height 0..1) per layer of each analysis in turn: its log activation size."""
    infos = [i for analysis in analyses for i in analysis.layers.values() if i.type != "Input"]
    sizes = [math.log10(max(1, i.activation_bytes // 4)) for i in infos]
    low, high = min(sizes, default=0.0), max(sizes, default=0.0)
    span = (high - low) or 1.0
    return tuple((role(i.type), 0.2 + 0.8 * (s - low) / span) for i, s in zip(infos, sizes))


class GalleryModel(QAbstractListModel):
    """One row per preset file; a row's card is None until it has been analysed."""

    SlugRole = Qt.UserRole + 1
    CardRole = Qt.UserRole + 2
    SearchRole = Qt.UserRole + 3
    ParamsRole = Qt.UserRole + 4
    MacsRole = Qt.UserRole + 5
    HeaderRole = Qt.UserRole + 6

    finished = Signal()  # every card analysed
    checkedChanged = Signal(list)  # the checked slugs, in gallery order

    def __init__(self, parent=None):
        super().__init__(parent)
        self._paths = {**preset_paths(), **network_preset_paths()}
        self._headers = {slug: preset_header(slug, path) for slug, path in self._paths.items()}
        self._slugs = gallery_order(list(self._headers.values()))
        self._cards: dict[str, PresetCard] = {}
        self._checked: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(0)  # one card per pass of the event loop, when it is idle
        self._timer.timeout.connect(self._analyse_next)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._slugs)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        slug = self._slugs[index.row()]
        card = self._cards.get(slug)
        if role == Qt.DisplayRole:
            return card.name if card else self._headers[slug].name
        if role == self.SlugRole:
            return slug
        if role == self.CardRole:
            return card
        if role == self.SearchRole:
            return self._headers[slug].search_text
        if role == self.HeaderRole:
            return self._headers[slug]
        if role == self.ParamsRole:
            return card.params if card else None
        if role == self.MacsRole:
            return card.macs if card else None
        if role == Qt.CheckStateRole:
            return Qt.Checked if slug in self._checked else Qt.Unchecked
        if role == Qt.ToolTipRole and card:
            return f"<b>{card.name}</b> ({card.slug}.json)<br>{card.summary}<p>{card.description}</p>"
        return None

    def flags(self, index):
        flags = super().flags(index)
        return flags | Qt.ItemIsUserCheckable if index.isValid() else flags

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if not index.isValid() or role != Qt.CheckStateRole:
            return False
        slug = self._slugs[index.row()]
        if Qt.CheckState(value) == Qt.Checked:
            self._checked.add(slug)
        else:
            self._checked.discard(slug)
        self.dataChanged.emit(index, index, [Qt.CheckStateRole])
        self.checkedChanged.emit(self.checked_slugs())
        return True

    def checked_slugs(self) -> list[str]:
        return [s for s in self._slugs if s in self._checked]

    def set_checked(self, slugs) -> None:
        """Check exactly `slugs` (unknown ones are ignored)."""
        self._checked = set(slugs) & set(self._slugs)
        if self._slugs:
            self.dataChanged.emit(self.index(0), self.index(len(self._slugs) - 1), [Qt.CheckStateRole])
        self.checkedChanged.emit(self.checked_slugs())

    def slugs(self) -> list[str]:
        return list(self._slugs)

    def card(self, slug: str) -> PresetCard | None:
        return self._cards.get(slug)

    def start(self) -> None:
        """Analyse the remaining presets in idle time."""
        if len(self._cards) < len(self._slugs):
            self._timer.start()

    @Slot()
    def _analyse_next(self) -> None:
        pending = [s for s in self._slugs if s not in self._cards]
        if not pending:
            self._timer.stop()
            self.finished.emit()
            return
        slug = pending[0]
        self._cards[slug] = preset_card(slug, self._paths[slug])
        row = self._slugs.index(slug)
        self.dataChanged.emit(self.index(row), self.index(row))


class _CardDelegate(QStyledItemDelegate):
    """Paints a card: check box, name and family, its numbers, and a strip of one bar per layer.

    The card is painted by hand, so the check box's place is computed here
    (`check_rect`) and a click there toggles it (`editorEvent`).
    """

    HEIGHT = 84
    MARGIN = 6
    CHECK = 16

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thumbs: dict[tuple[str, int, int, float], QPixmap] = {}

    def sizeHint(self, option, index) -> QSize:
        return QSize(option.rect.width() or 260, self.HEIGHT)

    def paint(self, painter: QPainter, option, index) -> None:
        card: PresetCard | None = index.data(GalleryModel.CardRole)
        palette = option.palette
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        rect = QRectF(option.rect).adjusted(self.MARGIN, self.MARGIN / 2, -self.MARGIN, -self.MARGIN / 2)
        selected = bool(option.state & QStyle.State_Selected)
        hovered = bool(option.state & QStyle.State_MouseOver)
        background = palette.color(QPalette.Base)
        border = palette.color(QPalette.Highlight) if selected else palette.color(QPalette.Mid)
        if hovered and not selected:
            border = palette.color(QPalette.Dark)
        painter.setPen(border)
        painter.setBrush(background)
        painter.drawRoundedRect(rect, 6, 6)
        if selected:
            tint = QColor(palette.color(QPalette.Highlight))
            tint.setAlpha(28)
            painter.setBrush(tint)
            painter.drawRoundedRect(rect, 6, 6)

        inner = rect.adjusted(10, 7, -10, -8)
        check = QStyleOptionButton()
        check.rect = self.check_rect(option.rect)
        check.state = QStyle.State_Enabled | (
            QStyle.State_On if index.data(Qt.CheckStateRole) == Qt.Checked else QStyle.State_Off
        )
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PE_IndicatorCheckBox, check, painter, option.widget)
        title_left = check.rect.right() + 6 - inner.left()
        title_font = QFont(option.font)
        title_font.setBold(True)
        title_font.setPointSizeF(option.font.pointSizeF() + 0.5)
        small = QFont(option.font)
        small.setPointSizeF(max(7.5, option.font.pointSizeF() - 1))

        family = index.data(GalleryModel.HeaderRole).family
        painter.setFont(small)
        family_width = painter.fontMetrics().horizontalAdvance(family) + 12 if family else 0
        line = QRectF(inner.left() + title_left, inner.top(), inner.width() - title_left, 20)
        if family:
            chip = QRectF(inner.right() - family_width, inner.top() + 2, family_width, 16)
            painter.setPen(Qt.NoPen)
            painter.setBrush(palette.color(QPalette.AlternateBase).darker(104))
            painter.drawRoundedRect(chip, 8, 8)
            painter.setPen(palette.color(QPalette.PlaceholderText))
            painter.drawText(chip, Qt.AlignCenter, family)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.Text))
        title = painter.fontMetrics().elidedText(
            index.data(Qt.DisplayRole), Qt.ElideRight, int(line.width() - family_width - 6)
        )
        painter.drawText(line, Qt.AlignLeft | Qt.AlignVCenter, title)

        painter.setFont(small)
        painter.setPen(palette.color(QPalette.PlaceholderText))
        summary = card.summary if card else "analysing…"
        if card and card.errors:
            painter.setPen(mark_color("error"))
        summary_rect = QRectF(inner.left(), line.bottom() + 1, inner.width(), 16)
        painter.drawText(
            summary_rect,
            Qt.AlignLeft | Qt.AlignVCenter,
            painter.fontMetrics().elidedText(summary, Qt.ElideRight, int(summary_rect.width())),
        )
        strip = QRectF(inner.left(), summary_rect.bottom() + 5, inner.width(), inner.bottom() - summary_rect.bottom() - 5)
        if card and card.profile and strip.height() > 4:
            painter.drawPixmap(strip.topLeft(), self._thumbnail(card, strip.size().toSize(), painter.device()))
        painter.restore()

    def check_rect(self, item_rect):
        """Where the check box sits in a card: left of the title."""
        return QRectF(item_rect.left() + self.MARGIN + 10, item_rect.top() + self.MARGIN / 2 + 9,
                      self.CHECK, self.CHECK).toRect()

    def editorEvent(self, event, model, option, index) -> bool:
        if event.type() in (QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick) \
                and event.button() == Qt.LeftButton \
                and self.check_rect(option.rect).adjusted(-3, -3, 3, 3).contains(event.position().toPoint()):
            if event.type() == QEvent.MouseButtonRelease:
                checked = index.data(Qt.CheckStateRole) == Qt.Checked
                model.setData(index, Qt.Unchecked if checked else Qt.Checked, Qt.CheckStateRole)
            return True  # a double click on the box must not open the preset
        return False

    def _thumbnail(self, card: PresetCard, size: QSize, device) -> QPixmap:
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        key = (card.slug, size.width(), size.height(), ratio)
        if key not in self._thumbs:
            self._thumbs[key] = render_profile(card.profile, size, ratio)
        return self._thumbs[key]


def render_profile(profile, size: QSize, ratio: float = 1.0) -> QPixmap:
    """One bar per layer, coloured as on the canvas, its height the log of its output size."""
    pixmap = QPixmap(int(size.width() * ratio), int(size.height() * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    width, height = float(size.width()), float(size.height())
    step = width / max(1, len(profile))
    gap = 1.0 if step >= 3 else 0.0
    for i, (color_role, level) in enumerate(profile):
        bar = height * level
        painter.fillRect(
            QRectF(i * step, height - bar, max(step - gap, 0.6), bar),
            QColor(ROLE_COLORS.get(color_role, ROLE_COLORS["unknown"])),
        )
    painter.end()
    return pixmap


class _SearchProxy(QSortFilterProxyModel):
    """Filters the cards by the search text and lists the name matches first (`match_rank`), otherwise
    keeping the gallery's order."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._query = ""
        self.setFilterRole(GalleryModel.SearchRole)
        self.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.sort(0)

    def set_query(self, query: str) -> None:
        self._query = query
        self.setFilterFixedString(query)
        self.invalidate()  # the ranks changed with the query

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        if self._query:
            ranks = [match_rank(self._query, i.data(GalleryModel.HeaderRole)) for i in (left, right)]
            if ranks[0] != ranks[1]:
                return ranks[0] < ranks[1]
        return left.row() < right.row()


class GalleryPanel(QWidget):
    """Search box over the cards; activating a card (double-click, Enter) emits its slug; "Compare"
    emits the checked slugs (`compareRequested`)."""

    presetActivated = Signal(str)
    compareRequested = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search presets (name, family, paper)…")
        self.search.setProperty("search", True)
        self.search.setClearButtonEnabled(True)
        self.model = GalleryModel(self)
        self.proxy = _SearchProxy(self)
        self.proxy.setSourceModel(self.model)
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setItemDelegate(_CardDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setUniformItemSizes(True)
        self.list.setVerticalScrollMode(QListView.ScrollPerPixel)
        self.list.setFrameShape(QListView.NoFrame)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setToolTip("")
        self.checked_label = QLabel()
        self.checked_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # never widens the dock
        self.checked_label.setToolTip("Tick the box on a card to add it to a comparison")
        self.clear_button = QToolButton()  # tool buttons: narrower than push buttons, so the dock stays narrow
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Uncheck every preset")
        self.compare_button = QToolButton()
        self.compare_button.setText("Compare…")
        self.compare_button.setToolTip("Train the checked presets on the same data and rank them")
        checks = QHBoxLayout()
        checks.addWidget(self.checked_label, 1)
        checks.addWidget(self.clear_button)
        checks.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        layout.addLayout(checks)
        self.search.textChanged.connect(self._on_search_changed)
        self.list.activated.connect(self._on_activated)
        self.model.checkedChanged.connect(self._on_checked_changed)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self._on_checked_changed([])

    def start(self) -> None:
        self.model.start()

    def index_of(self, slug: str):
        """The view index of a preset's card (invalid when filtered out)."""
        row = self.model.slugs().index(slug)
        return self.proxy.mapFromSource(self.model.index(row))

    @Slot(str)
    def _on_search_changed(self, text: str) -> None:
        self.proxy.set_query(text.strip())

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        self.presetActivated.emit(index.data(GalleryModel.SlugRole))

    @Slot()
    def _on_clear_clicked(self) -> None:
        self.model.set_checked([])

    @Slot()
    def _on_compare_clicked(self) -> None:
        self.compareRequested.emit(self.model.checked_slugs())

    @Slot(list)
    def _on_checked_changed(self, slugs: list) -> None:
        self.checked_label.setText(f"{len(slugs)} checked")
        self.clear_button.setEnabled(bool(slugs))
