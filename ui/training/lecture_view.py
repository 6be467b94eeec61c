"""The lecture view: the formula of the selected neuron, connection or the loss, filled in.

For a neuron of layer ``l`` (sample 1 of the current batch)::

    z_j = w_1j·x_1 + w_2j·x_2 + ... + b_j = <numbers> = <value>
    a_j = relu(z_j) = max(0, z_j) = <value>          (or softmax with its sum, ...)

for a connection ``w_ij`` from neuron ``i`` to neuron ``j``::

    dL/dw_ij = dL/dz_j · a_i = <numbers> = <value>   (summed over the batch's samples)
    w_new = w − lr · dL/dw = <numbers> = <value>

and for the loss the chosen loss's formula with the sample's target and prediction.
Rendered as rich text with real subscripts, in a font large enough for the back of a
room (20 px at scale 1, :meth:`LectureView.set_font_scale` for presentation mode,
Ctrl+plus / Ctrl+minus / Ctrl+0 or Ctrl+wheel inside the view), with the live numbers in
bold, in the theme's colour.
"""
from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import QDockWidget, QTextBrowser

from nnviz import activations, losses, optimizers
from ui.theme import is_dark, theme_for

__all__ = ["LectureView", "fmt", "MAX_TERMS", "BASE_PIXEL_SIZE"]

#: The formulas' size in pixels at font scale 1: readable from the back of a lecture room.
BASE_PIXEL_SIZE = 20
#: The font scales Ctrl+plus / Ctrl+minus step through, and the limits of set_font_scale.
ZOOM_STEP = 1.15
MIN_SCALE, MAX_SCALE = 0.5, 4.0

#: How many terms of a long sum are written out before "… + (n more)".
MAX_TERMS = 4
MINUS = "\u2212"


def fmt(value: float, digits: int = 3) -> str:
    """A number as the lecture view writes it: ``digits`` decimals, a real minus sign.

    Tiny values keep significant digits (``2.5e−05``) so a gradient never reads as 0.
    """
    v = float(value)
    if not math.isfinite(v):
        return "NaN" if v != v else ("∞" if v > 0 else MINUS + "∞")
    if v != 0 and abs(v) < 10 ** -digits:
        text = f"{v:.2e}"
    else:
        text = f"{v:.{digits}f}"
        if text.startswith("-") and float(text) == 0:
            text = text[1:]
    return text.replace("-", MINUS)


def _p(value: float) -> str:
    """A number as a factor: negative numbers in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith(MINUS) else text


def _sub(name: str, *idx) -> str:
    return f"<i>{name}</i><sub>{','.join(str(i) for i in idx)}</sub>"


def _v(text: str) -> str:
    """A computed value, set off in bold colour."""
    return f'<span class="val">{text}</span>'


def _terms(parts: list[str], n_total: int) -> str:
    if n_total > MAX_TERMS:
        return " + ".join(parts[:MAX_TERMS]) + f" + … ({n_total - MAX_TERMS} more)"
    return " + ".join(parts)


# Sizes in pixels (not points) so the text is as large on every screen's DPI setting.
# The hanging indent keeps a wrapped formula's continuation lines under its right side.
_STYLE = """
body { font-size: %(size)spx; }
h3 { font-size: %(h)spx; font-weight: 600; margin-top: %(gap)spx; margin-bottom: 4px; }
p { margin-top: 2px; margin-bottom: %(gap)spx; line-height: 135%%; }
.f { font-family: 'STIX Two Math', 'Cambria Math', 'DejaVu Serif', serif;
     margin-left: %(indent)spx; text-indent: -%(indent)spx; }
.val { color: %(value)s; font-weight: bold; }
.hint { color: %(muted)s; }
.note { color: %(muted)s; font-size: %(small)spx; }
.err { color: %(error)s; font-weight: bold; }
"""


class LectureView(QDockWidget):
    """The dock "lectureView": a rich-text browser the controller refills every frame.

    :meth:`show_state` takes the selection and the latest trace and weights; it only
    formats text (the numbers come from the engine's trace, never recomputed here, except
    the written-out terms of a sum).
    """

    def __init__(self, parent=None):
        super().__init__("Lecture view", parent)
        self.setObjectName("lectureView")
        self.browser = QTextBrowser(objectName="lectureText")
        self.browser.setOpenLinks(False)
        self.browser.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.setWidget(self.browser)
        self._scale = 1.0
        self._dark = is_dark()
        self._last_html: str | None = None  # the page shown (None: nothing rendered yet)
        self._apply_style()
        self.browser.installEventFilter(self)
        self.browser.viewport().installEventFilter(self)
        self.show_state(None, None, None, {})

    # ------------------------------------------------------------------ size and theme
    def set_font_scale(self, factor: float) -> None:
        """Scale the text: 1.0 = 20 px formulas, 1.7 for presentation mode (0.5 to 4)."""
        self._scale = min(max(float(factor), MIN_SCALE), MAX_SCALE)
        self._apply_style()

    def font_scale(self) -> float:
        """The current text scale (1.0 = normal)."""
        return self._scale

    def pixel_size(self) -> int:
        """The formulas' font size in pixels now: ``round(20 * scale)``."""
        return round(BASE_PIXEL_SIZE * self._scale)

    def set_theme(self, dark: bool) -> None:
        """Colour the live numbers, hints and errors for the light or dark theme.

        The window's theme switch reaches this by itself (see :meth:`changeEvent`); the
        background and the plain text follow the application palette anyway.
        """
        if dark == self._dark:
            return
        self._dark = dark
        self._apply_style()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Follow the application's theme when its palette changes."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.set_theme(is_dark())
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Ctrl+plus / Ctrl+minus / Ctrl+0 and Ctrl+wheel scale the text of this view only;
        a font change from outside (a new application style sheet) is undone.

        The window's Ctrl+plus zooms the canvas; while the lecture view has the focus, the
        shortcut is claimed here (ShortcutOverride) so the key reaches this view instead.
        """
        kind = event.type()
        if kind == QEvent.Type.FontChange and watched is self.browser and \
                self.browser.font().pixelSize() != self.pixel_size():
            # The application style sheet (set by the theme switch) gave the browser the
            # dock's font and the document that font's size: put the scale back.
            self._apply_style()
            return False
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and \
                watched is self.browser:
            factor = self._zoom_factor(event)
            if factor is not None:
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self.set_font_scale(1.0 if factor == 0 else self._scale * factor)
                return True
        if kind == QEvent.Type.Wheel and watched is self.browser.viewport() and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_font_scale(self._scale * ZOOM_STEP ** steps)
            return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _zoom_factor(event) -> float | None:
        """ZOOM_STEP for Ctrl+plus (or Ctrl+=), its inverse for Ctrl+minus, 0 for Ctrl+0."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return None
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) or \
                event.matches(QKeySequence.StandardKey.ZoomIn):
            return ZOOM_STEP
        if key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) or \
                event.matches(QKeySequence.StandardKey.ZoomOut):
            return 1 / ZOOM_STEP
        if key == Qt.Key.Key_0:
            return 0
        return None

    def _apply_style(self) -> None:
        """Set the style sheet and default font for the scale and theme, then re-render."""
        t = theme_for(self._dark)
        size = self.pixel_size()
        self.browser.document().setDefaultStyleSheet(_STYLE % {
            "size": size, "h": size, "small": round(size * 0.8),
            "gap": round(size * 0.4), "indent": round(size * 1.5), "value": t.value,
            "muted": t.muted_text, "error": t.error})
        # The widget's own font, not only the document's: an application style sheet
        # (the theme switch) resets a text browser's document font to the widget's.
        font = QFont(self.browser.font())
        font.setPixelSize(size)
        self.browser.setFont(font)
        self.browser.document().setDefaultFont(font)
        if self._last_html is not None:
            # The default style sheet applies when HTML is parsed: parse the page again.
            self._render(self._last_html)

    def _render(self, text: str) -> None:
        # Qt's rich text takes the body's size from an inline style, not the default sheet.
        self.browser.setHtml(f'<body style="font-size: {self.pixel_size()}px">{text}</body>')

    def plain_text(self) -> str:
        """What the view shows, as plain text (for tests and for copying)."""
        return self.browser.toPlainText()

    # ------------------------------------------------------------------ content
    def show_state(self, selection, trace, weights, info: dict) -> None:
        """Show the formulas for ``selection`` with the numbers of ``trace``.

        ``selection``: None, ("layer", id), ("neuron", id, j) or ("connection", src, tgt, i, j)
        as the canvas announces it. ``weights``: ``model.get_weights()`` as last published.
        ``info``: ``ids`` (layer ids input..output), ``names``, ``activations`` (per Dense
        layer), ``loss`` (its name), ``optimizer`` (name), ``learning_rate``, ``diverged``.
        """
        parts: list[str] = []
        if info.get("diverged"):
            parts.append(f'<p class="err">{html.escape(info["diverged"])}</p>')
        if trace is not None:
            n = len(trace.x)
            parts.append(
                f'<p class="note">{html.escape(trace.stage.label)} · epoch {trace.epoch + 1} · '
                f'batch {trace.batch + 1} · sample 1 of {n} in the batch</p>')
        ids = info.get("ids") or []
        body = ""
        if weights is None and (trace is None or trace.W_before is None):
            selection = None
        try:
            if selection and selection[0] == "neuron" and selection[1] in ids:
                body = self._neuron(ids.index(selection[1]), int(selection[2]), trace, weights,
                                    info)
            elif selection and selection[0] == "connection" and selection[2] in ids:
                body = self._connection(ids.index(selection[2]), int(selection[3]),
                                        int(selection[4]), trace, weights, info)
        except (IndexError, ValueError):
            # The selection refers to neurons the last published model did not have yet
            # (an edit in flight); the next frame brings the rebuilt model.
            body = ""
        if body:
            parts.append(body)
        elif not trace or trace.loss is None:
            parts.append('<p class="hint">Select a neuron or a connection on the canvas to see '
                         'its formula filled in with the live numbers; press Step to run '
                         'training one stage at a time.</p>')
        if trace is not None and trace.loss is not None:
            parts.append(self._loss(trace, info))
        text = "".join(parts)
        if text != self._last_html:  # an unchanged page costs no relayout
            self._last_html = text
            self._render(text)

    # --- a neuron -------------------------------------------------------------
    def _neuron(self, pos: int, j: int, trace, weights, info) -> str:
        names = info.get("names") or []
        name = html.escape(names[pos]) if pos < len(names) else "layer"
        if pos == 0:
            head = f"<h3>Input {j + 1} of {name}</h3>"
            if trace is None:
                return head + '<p class="hint">Step forward to feed a sample in.</p>'
            return head + f'<p class="f">{_sub("x", j + 1)} = {_v(fmt(trace.x[0, j]))}</p>'
        layer = pos - 1
        W, b = self._layer_weights(layer, trace, weights)
        w_col, b_j = W[:, j], float(b[j])
        x = None
        if trace is not None:
            x = trace.x[0] if layer == 0 else (
                trace.a[layer - 1][0] if trace.a[layer - 1] is not None else None)
        prev = "x" if layer == 0 else "a"
        n_in = len(w_col)
        out = [f"<h3>Neuron {j + 1} of {name}</h3>"]
        symbolic = _terms([f"{_sub('w', i + 1, j + 1)}·{_sub(prev, i + 1)}"
                           for i in range(n_in)], n_in) + f" + {_sub('b', j + 1)}"
        out.append(f'<p class="f">{_sub("z", j + 1)} = {symbolic}</p>')
        z_val = None
        if trace is not None and trace.z[layer] is not None:
            z_val = float(trace.z[layer][0, j])
        if x is not None:
            filled = _terms([f"{_p(w_col[i])}·{_p(x[i])}" for i in range(n_in)], n_in)
            z_text = _v(fmt(z_val)) if z_val is not None else \
                '<span class="hint">(computed at the forward step)</span>'
            out.append(f'<p class="f">&nbsp;&nbsp;= {filled} + {_p(b_j)} = {z_text}</p>')
        else:
            filled = _terms([f"{_p(w_col[i])}·{_sub(prev, i + 1)}" for i in range(n_in)], n_in)
            out.append(f'<p class="f">&nbsp;&nbsp;= {filled} + {_p(b_j)}</p>')
        acts = info.get("activations") or []
        act = acts[layer] if layer < len(acts) else "linear"
        a_val = None
        if trace is not None and trace.a[layer] is not None:
            a_val = float(trace.a[layer][0, j])
        out.append(self._activation(act, j, z_val, a_val,
                                    trace.z[layer][0] if z_val is not None else None))
        if trace is not None and layer < len(trace.dZ) and trace.dZ[layer] is not None:
            dz = float(trace.dZ[layer][0, j])
            da = trace.dA[layer]
            if da is not None and act != "softmax":
                out.append(f'<p class="f">∂L/∂{_sub("z", j + 1)} = ∂L/∂{_sub("a", j + 1)} · '
                           f"f′({_sub('z', j + 1)}) = {_p(float(da[0, j]))} · "
                           f"f′({fmt(z_val) if z_val is not None else 'z'}) = {_v(fmt(dz))}"
                           f"{self._derivative(act, j)}</p>")
            else:
                out.append(f'<p class="f">∂L/∂{_sub("z", j + 1)} = {_v(fmt(dz))}</p>')
        return "".join(out)

    def _activation(self, act: str, j: int, z, a, z_row) -> str:
        """``a_j = f(z_j)`` from the activation's own formula (``formula_html``), filled in
        with ``z`` and the engine's ``a`` when known."""
        zj, aj = _sub("z", j + 1), _sub("a", j + 1)
        try:
            cls = type(activations.get(act))
        except ValueError:
            cls = None
        template = cls.formula_html if cls is not None else None
        if z is None:
            rhs = template.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj) if template else \
                f"{html.escape(act)}({zj})"
            return f'<p class="f">{aj} = {rhs}</p>'
        value = _v(fmt(a)) if a is not None else "…"
        zt = fmt(z)
        if template is None:
            return f'<p class="f">{aj} = {html.escape(act)}({zt}) = {value}</p>'
        symbolic = template.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj)
        if not cls.element_wise and z_row is not None:
            # Softmax: each output needs the whole row, so the row's sum is written out.
            k = len(z_row)
            exps = _terms([f"e<sup>{fmt(v)}</sup>" for v in z_row], k)
            # np.exp, not math.exp: a diverging z (> ~709) gives inf, which fmt writes as ∞
            # (math.exp raised OverflowError and the frame failed).
            with np.errstate(over="ignore", invalid="ignore"):
                total = float(np.sum(np.exp(z_row - np.max(z_row))) * np.exp(np.max(z_row)))
                e_z = float(np.exp(z))
            return (f'<p class="f">{aj} = {symbolic} = e<sup>{zt}</sup> / ({exps})</p>'
                    f'<p class="f">&nbsp;&nbsp;= {fmt(e_z)} / {fmt(total)} = {value}</p>')
        filled = template.format(z=zt, zp=_p(z), neg_z=fmt(-z), a=value)
        if filled == zt:  # linear: nothing to fill in
            return f'<p class="f">{aj} = {zj} = {value}</p>'
        return f'<p class="f">{aj} = {cls.name}({zj}) = {filled} = {value}</p>'

    @staticmethod
    def _derivative(act: str, j: int) -> str:
        """`` with f′(z_j) = ...`` from the activation's ``derivative_html`` ('' if none)."""
        try:
            cls = type(activations.get(act))
        except ValueError:
            return ""
        if not cls.element_wise:
            return ""
        zj, aj = _sub("z", j + 1), _sub("a", j + 1)
        rule = cls.derivative_html.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj)
        return f'<br><span class="note">f′({zj}) = {rule}</span>'

    # --- a connection -----------------------------------------------------------
    def _connection(self, pos: int, i: int, j: int, trace, weights, info) -> str:
        layer = pos - 1
        names = info.get("names") or []
        src = html.escape(names[pos - 1]) if pos - 1 < len(names) else "previous layer"
        tgt = html.escape(names[pos]) if pos < len(names) else "layer"
        W, _b = self._layer_weights(layer, trace, weights)
        w = float(W[i, j])
        wij = _sub("w", i + 1, j + 1)
        prev = "x" if layer == 0 else "a"
        out = [f"<h3>Connection {src} {i + 1} → {tgt} {j + 1}</h3>",
               f'<p class="f">{wij} = {_v(fmt(w))}</p>']
        dW = trace.dW[layer] if trace is not None and layer < len(trace.dW) else None
        if dW is None:
            out.append(f'<p class="f">∂L/∂{wij} = ∂L/∂{_sub("z", j + 1)} · '
                       f'{_sub(prev, i + 1)} <span class="hint">(computed at the backward '
                       f"step)</span></p>")
            return "".join(out)
        g = float(dW[i, j])
        a_prev = trace.x if layer == 0 else trace.a[layer - 1]
        dz = trace.dZ[layer]
        n = len(a_prev)
        if n == 1:
            out.append(f'<p class="f">∂L/∂{wij} = ∂L/∂{_sub("z", j + 1)} · {_sub(prev, i + 1)} '
                       f"= {_p(dz[0, j])} · {_p(a_prev[0, i])} = {_v(fmt(g))}</p>")
        else:
            terms = _terms([f"{_p(dz[s, j])}·{_p(a_prev[s, i])}" for s in range(n)], n)
            out.append(f'<p class="f">∂L/∂{wij} = Σ<sub>samples</sub> ∂L/∂{_sub("z", j + 1)} · '
                       f"{_sub(prev, i + 1)}</p>"
                       f'<p class="f">&nbsp;&nbsp;= {terms} = {_v(fmt(g))}</p>')
        lr = float(trace.learning_rate or info.get("learning_rate") or 0.0)
        optimizer = str(info.get("optimizer") or "sgd")
        try:  # a name or a menu preset ("momentum")
            opt_name, opt_settings = optimizers.resolve(optimizer)
            momentum = float(opt_settings.get("momentum", 0.0))
            title = optimizers.title(opt_name, momentum)
            rule = optimizers.formula(opt_name, momentum)
        except ValueError:
            opt_name, momentum, title, rule = optimizer, 0.0, optimizer, ""
        if opt_name == "sgd" and not momentum:
            # Plain SGD only: w_new = w − lr · ∂L/∂w is exactly its rule.
            if trace.W_after is not None:
                w_old = float(trace.W_before[layer][i, j])
                w_new = float(trace.W_after[layer][i, j])
                out.append(f'<p class="f">{_sub("w", "new")} = {_sub("w", "")} − lr · ∂L/∂w = '
                           f"{fmt(w_old)} − {fmt(lr, 5)} · {_p(g)} = {_v(fmt(w_new))}</p>")
            else:
                out.append(f'<p class="f">{_sub("w", "new")} = w − lr · ∂L/∂w = {fmt(w)} − '
                           f"{fmt(lr, 5)} · {_p(g)} = {_v(fmt(w - lr * g))}"
                           f'<br><span class="note">(applied at the update step)</span></p>')
        elif trace.W_after is not None:
            # Momentum, Adam and RMSprop step from running averages of the gradients, not
            # by lr · ∂L/∂w: show what the engine did, before and after.
            w_old = float(trace.W_before[layer][i, j])
            w_new = float(trace.W_after[layer][i, j])
            out.append(f'<p class="f">{html.escape(title)} (lr = {fmt(lr, 5)}) moved the '
                       f"weight from its running averages of the gradients: "
                       f"{_sub('w', 'before')} = {fmt(w_old)} → {_sub('w', 'after')} = "
                       f"{_v(fmt(w_new))}{self._rule(rule)}</p>")
        else:
            out.append(f'<p class="f">{html.escape(title)} (lr = {fmt(lr, 5)}) updates the '
                       f"weight from its running averages of the gradients{self._rule(rule)}"
                       f'<br><span class="note">(applied at the update step)</span></p>')
        return "".join(out)

    @staticmethod
    def _rule(rule: str) -> str:
        """The optimizer's update rule (``nnviz.optimizers``) as a note line, or ''."""
        return f'<br><span class="note">{html.escape(rule)}</span>' if rule else ""

    # --- the loss ---------------------------------------------------------------
    def _loss(self, trace, info) -> str:
        """The loss of sample 1, computed by the engine's loss (``per_sample``), filled in."""
        name = str(info.get("loss") or "loss")
        out = [f"<h3>Loss: {html.escape(name.replace('_', ' '))}</h3>"]
        try:
            loss = losses.get(name)
        except ValueError:
            loss = None
        if loss is not None:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                y_true, y_pred = loss.prepare(trace.y[:1], trace.y_pred[:1])
                value = float(loss.per_sample(y_true, y_pred)[0])
            y = np.asarray(y_true[0], dtype=float).ravel()
            yp = np.asarray(y_pred[0], dtype=float).ravel()
            out.append(self._loss_terms(loss, y, yp, value))
        if len(trace.x) > 1 or loss is None:
            out.append(f'<p class="f">mean over the {len(trace.x)} samples of the batch: '
                       f"L = {_v(fmt(trace.loss))}</p>")
        return "".join(out)

    @staticmethod
    def _loss_terms(loss, y, yp, value: float) -> str:
        """The loss's own formula (``formula_html``), then its terms (``term_html``,
        ``combine_html``) with the sample's numbers, then the value."""
        k = len(yp)
        if len(y) != k:
            return f'<p class="f">{html.escape(loss.formula)} = {_v(fmt(value))}</p>'
        terms = _terms([loss.term_html.format(y=fmt(y[c], 0 if y[c] in (0, 1) else 3),
                                              p=fmt(yp[c])) for c in range(k)], k)
        filled = loss.combine_html.format(terms=terms, k=k)
        return f'<p class="f">{loss.formula_html} = {filled} = {_v(fmt(value))}</p>'

    @staticmethod
    def _layer_weights(layer: int, trace, weights):
        """The weights the current batch was computed with (before its update)."""
        if trace is not None and trace.W_before is not None:
            return trace.W_before[layer], trace.b_before[layer]
        return weights[2 * layer], weights[2 * layer + 1]
