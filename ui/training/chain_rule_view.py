"""The chain-rule path: click a weight in a backward stage, see ∂L/∂w as a sum over paths.

:class:`ChainRuleDock` (objectName "chainRuleDock", a tab beside the Lecture view) lists,
for the connection selected on the canvas, every path from the loss back to its weight with
each local factor and its number (∂L/∂ŷ, f′(z), w, a), the paths' products and their sum,
which is the ∂L/∂w the backward stage computed; beside it a finite-difference estimate
``(L(w+ε) − L(w−ε)) / 2ε`` on the same batch, with the difference. The canvas lights the
paths (:class:`ui.canvas.chain_overlay.ChainPathsItem`). The numbers come from
:mod:`nnviz.analysis.chain_rule`; this module only writes them out.

Selecting a connection whose gradient the shown stage has computed brings the tab to the
front; selecting anything else gives the Lecture view its place back.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDockWidget, QTextBrowser

from nnviz.analysis import chain_rule
from nnviz.document.selection import ConnectionSel
from ui.canvas.chain_overlay import ChainPathsItem
from ui.theme import is_dark
from ui.training.lecture_fit import style_browser
from ui.training.lecture_text import _Names, _v, fmt

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: Paths written out in full; the rest are summed in one line (the canvas lights them all
#: up to :data:`nnviz.limits.MAX_CHAIN_PATHS`).
SHOWN_PATHS = 12

_HINT = ('<p class="hint">Step to a backward stage (or later), then click a connection on '
         "the canvas: every path from the loss back to its weight is listed here with its "
         "factors, and their sum is ∂L/∂w.</p>")


def _factor_value(value: float) -> str:
    """A factor as the Lecture view writes one in a product: negative ones in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith("\u2212") else text


def _difference(value: float) -> str:
    """How far two numbers are apart: ``0`` when equal, else ``5.40e−12``."""
    return "0" if value == 0 else fmt(abs(value))


def _weights_of(trace, weights):
    """The weights the trace's forward pass used: before its update once that has run."""
    if trace.W_before is None:
        return weights
    out = []
    for k, kernel in enumerate(trace.W_before):
        out.append(kernel)
        bias = trace.b_before[k] if trace.b_before is not None else None
        if bias is not None:
            out.append(bias)
    return out


class ChainRuleDock(QDockWidget):
    """The dock "chainRuleDock": the chain rule for the selected weight, with its numbers."""

    def __init__(self, window: MainWindow):
        super().__init__("Chain rule", window)
        self.setObjectName("chainRuleDock")
        self._window = window
        self.browser = QTextBrowser(objectName="chainRuleText")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.browser.setOpenLinks(False)
        self.setWidget(self.browser)
        self.overlay = ChainPathsItem()
        window.scene.addItem(self.overlay)
        self._selection = None
        self._raised_over_lecture = False
        #: The last chain shown (None: the hint), and the finite-difference estimate.
        self.rule: chain_rule.ChainRule | None = None
        self.estimate: float | None = None
        self._key = None  # what the shown numbers were computed for
        self._shown_page: str | None = None  # the page set last (None: set it again)
        window.scene.sig_selection_changed.connect(self.set_selection)
        window.training.presenter.sig_frame.connect(self.refresh)
        self._set_style()
        self.refresh()

    # ------------------------------------------------------------------ inputs
    def set_selection(self, selection) -> None:
        """The canvas's selection changed."""
        self._selection = selection
        self.refresh(raise_it=True)

    def refresh(self, raise_it: bool = False) -> None:
        """Recompute for the selection and the shown trace (after every drawn frame)."""
        window = self._window
        presenter = window.training.presenter
        trace, frame = presenter.trace, presenter.frame
        sel = self._selection
        stepper = window.session.stepper
        ids = list(presenter.layer_ids)
        found = None
        if (isinstance(sel, ConnectionSel) and trace is not None and frame is not None
                and stepper is not None and sel.target in ids and ids.index(sel.target) > 0):
            layer = ids.index(sel.target) - 1
            if layer < len(trace.dW) and trace.dW[layer] is not None:
                found = (layer, int(sel.i), int(sel.j))
        if found is None:
            self._show_nothing()
            if raise_it and self._raised_over_lecture:
                self._raised_over_lecture = False
                window.training.lecture.raise_()
            return
        layer, i, j = found
        assert trace is not None and frame is not None and stepper is not None  # found with them
        key = (id(trace), trace.stage, layer, i, j)
        if key != self._key:
            self._key = key
            model = stepper.model
            weights = _weights_of(trace, frame.weights)
            try:
                self.rule = chain_rule.chain_rule(model, weights, trace, layer, i, j)
            except ValueError as error:
                self.rule = self.estimate = None
                self.overlay.clear()
                self._set_page(f'<p class="hint">{html.escape(str(error))}</p>')
                return
            self.estimate = chain_rule.finite_difference(model, weights, trace.x, trace.y,
                                                         layer, i, j)
            self._set_page(self._page(self.rule, self.estimate, trace, len(ids)))
            self.overlay.show_paths(window.scene, ids, self.rule)
        # Clicked on a weight with its gradient: the tab comes to the front (unless closed).
        if raise_it and self.toggleViewAction().isChecked() and self.visibleRegion().isEmpty():
            self._raised_over_lecture = not window.training.lecture.visibleRegion().isEmpty()
            self.raise_()

    def step_back_for_saving(self) -> None:
        """Before the window saves its layout: in front only because a weight was clicked,
        this tab goes back behind the Lecture view (the next window has nothing selected,
        and would open on this tab's hint)."""
        if self._raised_over_lecture:
            self._raised_over_lecture = False
            self._window.training.lecture.raise_()

    # ------------------------------------------------------------------ the page
    def _show_nothing(self) -> None:
        self._key = None
        self.rule = self.estimate = None
        self.overlay.clear()
        self._set_page(_HINT)

    @staticmethod
    def _factor(names: _Names, f: chain_rule.Factor) -> str:
        if f.kind == "dL/dŷ":
            return f"∂L/∂{names.a(f.pos, f.unit)}"
        if f.kind == "dL/dz":
            return f"∂L/∂{names.z(f.pos, f.unit)}"
        if f.kind == "f′(z)":
            return f"f′({names.z(f.pos, f.unit)})"
        if f.kind == "w":
            return names.w(f.pos, f.source, f.unit)
        return names.a(f.pos, f.unit)

    def _page(self, rule: chain_rule.ChainRule, estimate: float, trace, n_layers: int) -> str:
        names = _Names(n_layers)
        pos = rule.layer + 1
        w = names.w(pos, rule.i, rule.j)
        n = rule.samples
        parts = [f"<h3>Chain rule for {w}</h3>",
                 f'<p class="note">Epoch {trace.epoch + 1}, batch {trace.batch + 1}: '
                 f"{rule.n_paths} path{'s' if rule.n_paths != 1 else ''} from the loss back "
                 f"to {w}; each path multiplies its local factors"
                 + (f" (numbers of sample 1; Σ adds all {n} samples)" if n > 1 else "")
                 + ".</p>"]
        for path in rule.paths[:SHOWN_PATHS]:
            symbols = " · ".join(self._factor(names, f) for f in path.factors)
            values = " · ".join(_factor_value(f.value) for f in path.factors)
            line = f'<p class="f">{symbols}<br>&nbsp;&nbsp;= {values} = {_v(fmt(path.product))}'
            if n > 1:
                line += f' <span class="note">Σ {n} samples:</span> {_v(fmt(path.total))}'
            parts.append(line + "</p>")
        rest = rule.n_paths - min(len(rule.paths), SHOWN_PATHS)
        if rest > 0:
            listed = sum(p.total for p in rule.paths[:SHOWN_PATHS])
            parts.append(f'<p class="note">… and {rest} more paths, adding '
                         f"{fmt(rule.total - listed)}.</p>")
        parts.append(f'<p class="f">Σ paths = ∂L/∂{w} = {_v(fmt(rule.total))} '
                     f'<span class="note">(the backward stage: {fmt(rule.shown)}, difference '
                     f"{_difference(rule.total - rule.shown)})</span></p>")
        eps = chain_rule.FD_EPSILON
        parts.append(f'<p class="f">(L({w}+ε) − L({w}−ε)) / 2ε = {_v(fmt(estimate))}</p>'
                     f'<p class="note">Finite difference with ε = {fmt(eps)} on the same '
                     f"batch; it differs from ∂L/∂w by {_difference(estimate - rule.shown)}."
                     "</p>")
        return "".join(parts)

    def _set_page(self, page: str) -> None:
        # The same page again (every training frame, with nothing selected) is no relayout.
        if page != self._shown_page:
            self._shown_page = page
            self.browser.setHtml(page)

    def _set_style(self) -> None:
        self._shown_page = None  # the next page is laid out in the new style
        style_browser(self.browser, self._window.training.lecture.pixel_size(), is_dark())

    def plain_text(self) -> str:
        """The page as plain text (tests, the handout)."""
        return self.browser.toPlainText()
