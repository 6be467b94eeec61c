"""The lecture view: the formula of the selected neuron, connection or the loss, filled in.

For a neuron of layer ``l`` (sample 1 of the current batch)::

    z_j = w_1j·x_1 + w_2j·x_2 + ... + b_j = <numbers> = <value>
    a_j = relu(z_j) = max(0, z_j) = <value>          (or softmax with its sum, ...)

for a connection ``w_ij`` from neuron ``i`` to neuron ``j``::

    dL/dw_ij = dL/dz_j · a_i = <numbers> = <value>   (summed over the batch's samples)
    w_new = w − lr · dL/dw = <numbers> = <value>

and for the loss the chosen loss's formula with the sample's target and prediction.
Rendered as rich text with real subscripts, in a large font for the back of the room.
"""
from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDockWidget, QTextBrowser

__all__ = ["LectureView", "fmt", "MAX_TERMS"]

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


_STYLE = """
body { font-size: %(size)spt; }
h3 { font-size: %(h)spt; margin-bottom: 2px; }
p { margin-top: 2px; margin-bottom: 8px; }
.f { font-family: 'STIX Two Math', 'Cambria Math', 'DejaVu Serif', serif; }
.val { color: #2f6fde; font-weight: 600; }
.hint { color: #5d6676; }
.note { color: #5d6676; font-size: %(small)spt; }
.err { color: #c62f3b; font-weight: 600; }
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
        self.setWidget(self.browser)
        self._scale = 1.0
        self._apply_style()
        self._last_html = None
        self.show_state(None, None, None, {})

    def set_font_scale(self, scale: float) -> None:
        """Larger text for presentation mode (1.0 = normal)."""
        self._scale = float(scale)
        self._apply_style()
        self.browser.setHtml(self._last_html)

    def _apply_style(self) -> None:
        size = round(15 * self._scale)
        self.browser.document().setDefaultStyleSheet(
            _STYLE % {"size": size, "h": round(size * 1.15), "small": round(size * 0.8)})
        font = QFont(self.browser.font())
        font.setPointSize(size)
        self.browser.document().setDefaultFont(font)

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
            self.browser.setHtml(text)

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
                           f"f′({fmt(z_val) if z_val is not None else 'z'}) = {_v(fmt(dz))}</p>")
            else:
                out.append(f'<p class="f">∂L/∂{_sub("z", j + 1)} = {_v(fmt(dz))}</p>')
        return "".join(out)

    def _activation(self, act: str, j: int, z, a, z_row) -> str:
        zj, aj = _sub("z", j + 1), _sub("a", j + 1)
        if z is None:
            formulas = {"relu": f"max(0, {zj})", "sigmoid": f"1 / (1 + e<sup>{MINUS}{zj}</sup>)",
                        "tanh": f"tanh({zj})", "linear": zj,
                        "softmax": f"e<sup>{zj}</sup> / Σ<sub>k</sub> e<sup><i>z</i><sub>k</sub></sup>"}
            return f'<p class="f">{aj} = {formulas.get(act, f"{act}({zj})")}</p>'
        value = _v(fmt(a)) if a is not None else "…"
        zt = fmt(z)
        if act == "relu":
            return f'<p class="f">{aj} = relu({zj}) = max(0, {zt}) = {value}</p>'
        if act == "sigmoid":
            return (f'<p class="f">{aj} = σ({zj}) = 1 / (1 + e<sup>{fmt(-z)}</sup>) = '
                    f"{value}</p>")
        if act == "tanh":
            return f'<p class="f">{aj} = tanh({zt}) = {value}</p>'
        if act == "linear":
            return f'<p class="f">{aj} = {zj} = {value}</p>'
        if act == "softmax" and z_row is not None:
            k = len(z_row)
            exps = _terms([f"e<sup>{fmt(v)}</sup>" for v in z_row], k)
            total = float(np.sum(np.exp(z_row - np.max(z_row)))) * math.exp(float(np.max(z_row)))
            return (f'<p class="f">{aj} = e<sup>{zj}</sup> / Σ<sub>k</sub> '
                    f"e<sup><i>z</i><sub>k</sub></sup> = e<sup>{zt}</sup> / ({exps})</p>"
                    f'<p class="f">&nbsp;&nbsp;= {fmt(math.exp(z))} / {fmt(total)} = {value}</p>')
        return f'<p class="f">{aj} = {html.escape(act)}({zt}) = {value}</p>'

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
        if trace.W_after is not None:
            w_new = float(trace.W_after[layer][i, j])
            w_old = float(trace.W_before[layer][i, j])
            if optimizer == "sgd":
                out.append(f'<p class="f">{_sub("w", "new")} = {_sub("w", "")} − lr · ∂L/∂w = '
                           f"{fmt(w_old)} − {fmt(lr, 5)} · {_p(g)} = {_v(fmt(w_new))}</p>")
            else:
                out.append(f'<p class="f">lr = {fmt(lr, 5)}; {html.escape(optimizer)} scales the '
                           f"step from its running averages: {_sub('w', 'new')} = "
                           f"{_v(fmt(w_new))}</p>")
        else:
            out.append(f'<p class="f">{_sub("w", "new")} = w − lr · ∂L/∂w = {fmt(w)} − '
                       f"{fmt(lr, 5)} · {_p(g)} = {_v(fmt(w - lr * g))}"
                       f'<br><span class="note">(applied at the update step)</span></p>')
        return "".join(out)

    # --- the loss ---------------------------------------------------------------
    def _loss(self, trace, info) -> str:
        name = str(info.get("loss") or "loss")
        y = np.asarray(trace.y[0], dtype=float).ravel()
        yp = np.asarray(trace.y_pred[0], dtype=float).ravel()
        k = len(yp)
        out = [f"<h3>Loss: {html.escape(name.replace('_', ' '))}</h3>"]
        yk, pk = "<i>y</i><sub>k</sub>", "<i>ŷ</i><sub>k</sub>"
        if name == "categorical_crossentropy":
            terms = _terms([f"{fmt(y[c], 0 if y[c] in (0, 1) else 3)}·log {fmt(yp[c])}"
                            for c in range(k)], k)
            value = -float(np.sum(y * np.log(np.clip(yp, 1e-7, 1.0))))
            out.append(f'<p class="f">L = −Σ<sub>k</sub> {yk} · log {pk} = −({terms}) = '
                       f"{_v(fmt(value))}</p>")
        elif name == "binary_crossentropy":
            p = np.clip(yp, 1e-7, 1 - 1e-7)
            value = float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
            out.append(f'<p class="f">L = −[<i>y</i>·log <i>ŷ</i> + (1 − <i>y</i>)·log(1 − '
                       f"<i>ŷ</i>)] with <i>y</i> = {fmt(y[0], 0)}, <i>ŷ</i> = {fmt(yp[0])} "
                       f"= {_v(fmt(value))}</p>")
        elif name == "mean_absolute_error":
            terms = _terms([f"|{fmt(y[c])} − {fmt(yp[c])}|" for c in range(k)], k)
            value = float(np.mean(np.abs(y - yp)))
            out.append(f'<p class="f">L = (1/{k}) Σ<sub>k</sub> |{yk} − {pk}| = ({terms}) / {k}'
                       f" = {_v(fmt(value))}</p>")
        else:
            terms = _terms([f"({fmt(y[c])} − {fmt(yp[c])})²" for c in range(k)], k)
            value = float(np.mean((y - yp) ** 2))
            out.append(f'<p class="f">L = (1/{k}) Σ<sub>k</sub> ({yk} − {pk})² = ({terms}) / {k}'
                       f" = {_v(fmt(value))}</p>")
        if len(trace.x) > 1:
            out.append(f'<p class="f">mean over the {len(trace.x)} samples of the batch: '
                       f"L = {_v(fmt(trace.loss))}</p>")
        return "".join(out)

    @staticmethod
    def _layer_weights(layer: int, trace, weights):
        """The weights the current batch was computed with (before its update)."""
        if trace is not None and trace.W_before is not None:
            return trace.W_before[layer], trace.b_before[layer]
        return weights[2 * layer], weights[2 * layer + 1]
