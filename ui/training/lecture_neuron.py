"""The Lecture view's sections for a neuron: its forward pass, its backward pass (the
chain rule with the numbers) and the sums over the batch, with the per-sample table (a
part of :class:`~ui.training.lecture_view.LectureView`).
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from nnviz.engine import activations
from nnviz.session.lecture_info import LectureInfo
from ui.training.lecture_predict import WAITING_HINT
from ui.training.lecture_text import (
    _ASIDE,
    MAX_TERMS,
    MINUS,
    SAMPLES_ANCHOR,
    SAMPLES_LINK,
    _Names,
    _p,
    _terms,
    _v,
    fmt,
)

if TYPE_CHECKING:
    from nnviz.engine.losses import Loss

__all__ = ["LectureNeuron"]


class LectureNeuron:
    """How a neuron's forward and backward pass are written out: a mixin of
    :class:`~ui.training.lecture_view.LectureView`, which holds the state it reads (the
    update, activation and loss lines come from its
    :class:`~ui.training.lecture_formulas.LectureFormulas`)."""

    if TYPE_CHECKING:  # what LectureView holds and does, named for the type checker
        _names: _Names
        _samples_open: bool
        _printed: bool

        def _neuron_update(self, pos: int, j: int, trace, info: LectureInfo) -> str: ...
        def _activation(self, act: str, pos: int, j: int, z, a, z_row) -> str: ...
        @staticmethod
        def _loss_object(info: LectureInfo) -> Loss | None: ...
        @staticmethod
        def _clipped(loss, trace, j: int) -> bool: ...
        @staticmethod
        def _gradient_fill(loss, trace, j: int) -> tuple[dict, dict]: ...
        @staticmethod
        def _layer_weights(layer: int, trace, weights) -> tuple[np.ndarray, np.ndarray]: ...

    def _neuron(self, pos: int, j: int, trace, weights,
                info: LectureInfo) -> list[tuple[str, str]]:
        """[forward pass, backward pass, update] of neuron ``j`` of layer ``pos``, each as
        (the stage kind that computes it, html)."""
        N = self._names
        names = info.names
        name = html.escape(names[pos]) if pos < len(names) else "layer"
        if pos == 0:
            head = f"<h3>Input {N.unit(0, j)} of {name}</h3>"
            if trace is None:
                return [("forward", head + '<p class="hint">Step forward to feed a sample '
                                           'in.</p>')]
            return [("forward", head + f'<p class="f">{N.a(0, j)} = '
                                       f'{_v(fmt(trace.x[0, j]))}</p>')]
        layer = pos - 1
        W, b = self._layer_weights(layer, trace, weights)
        w_col, b_j = W[:, j], float(b[j])
        x = None
        if trace is not None:
            x = trace.x[0] if layer == 0 else (
                trace.a[layer - 1][0] if trace.a[layer - 1] is not None else None)
        n_in = len(w_col)
        zj = N.z(pos, j)
        out = [f"<h3>Neuron {N.unit(pos, j)} of {name}</h3>"]
        symbolic = _terms([f"{N.w(pos, i, j)}·{N.a(pos - 1, i)}" for i in range(n_in)],
                          n_in) + f" + {N.b(pos, j)}"
        updated = trace is not None and trace.W_after is not None
        before = ' <span class="note">(old weights: before this batch\'s update)</span>' \
            if updated else ""
        out.append(f'<p class="f">{zj} = {symbolic}{before}</p>')
        z_val = None
        if trace is not None and trace.z[layer] is not None:
            z_val = float(trace.z[layer][0, j])
        if x is not None:
            filled = _terms([f"{_p(w_col[i])}·{_p(x[i])}" for i in range(n_in)], n_in)
            z_text = _v(fmt(z_val)) if z_val is not None else WAITING_HINT
            out.append(f'<p class="f">&nbsp;&nbsp;= {filled} + {_p(b_j)} = {z_text}</p>')
        else:
            filled = _terms([f"{_p(w_col[i])}·{N.a(pos - 1, i)}" for i in range(n_in)], n_in)
            out.append(f'<p class="f">&nbsp;&nbsp;= {filled} + {_p(b_j)}</p>')
        act = self._act_name(layer, info)
        a_val = None
        if trace is not None and trace.a[layer] is not None:
            a_val = float(trace.a[layer][0, j])
        out.append(self._activation(act, pos, j, z_val, a_val, trace.z[layer][0]
                                    if trace is not None and z_val is not None else None))
        sections = [("forward", "".join(out))]
        if trace is not None and layer < len(trace.dZ) and trace.dZ[layer] is not None:
            sections.append(("backward", self._backward(pos, j, act, trace, weights, info)))
        if updated:
            sections.append(("update", self._neuron_update(pos, j, trace, info)))
        return sections

    def _neuron_summary(self, pos: int, j: int, trace, info: LectureInfo) -> str:
        """The neuron's forward pass in one line: its heading, ``z`` and its output."""
        N = self._names
        names = info.names
        name = html.escape(names[pos]) if pos < len(names) else "layer"
        layer = pos - 1
        z, a = trace.z[layer], trace.a[layer]
        if pos == 0 or z is None or a is None:
            return ""
        return (f"<h3>Neuron {N.unit(pos, j)} of {name}</h3>"
                f'<p class="f">{N.z(pos, j)} = {_v(fmt(z[0, j]))}, '
                f'{N.a(pos, j)} = {_v(fmt(a[0, j]))}</p>')

    @staticmethod
    def _act_name(layer: int, info: LectureInfo) -> str:
        acts = info.activations
        return acts[layer] if layer < len(acts) else "linear"

    def _backward(self, pos: int, j: int, act: str, trace, weights, info: LectureInfo) -> str:
        """Back-propagation through neuron ``j`` of layer ``pos``, with the numbers.

        Output layer: ``∂L/∂ŷ_1`` from the loss's registered gradient (with its ÷B) and
        ``f′(z_y1)``, or the softmax + cross-entropy shortcut ``(ŷ_1 − y_1)/B``. Hidden
        layer: ``∂L/∂a_h1 = w_h1→y1·∂L/∂z_y1 + ...`` over the next layer, then ``· f′``.
        Then ``∂L/∂b`` and ``∂L/∂w`` of its first incoming line, summed over the batch.
        """
        N = self._names
        layer = pos - 1
        zj, aj = N.z(pos, j), N.a(pos, j)
        dz = float(trace.dZ[layer][0, j])
        da = float(trace.dA[layer][0, j])
        n_batch = len(trace.x)
        last = layer == len(trace.dZ) - 1
        # The sample in the heading too: on a long page the top note scrolls away.
        sample = f" · sample 1 of {n_batch}" if n_batch > 1 else ""
        out = [f"<h3>Backward: the chain rule{sample}</h3>"]
        try:
            cls = type(activations.get(act))
        except ValueError:
            cls = None
        element_wise = cls is None or cls.element_wise
        if last:
            loss = self._loss_object(info)
            shortcut = loss.shortcut_html.get(act) if loss is not None else None
            sym, num = self._gradient_fill(loss, trace, j) if loss is not None else ({}, {})
            b_note = (f'<br><span class="note">÷{n_batch}: the loss is the mean over the '
                      f'B = {n_batch} samples of the batch</span>')
            clipped = loss is not None and self._clipped(loss, trace, j)
            if clipped:
                out.append(f'<p class="f">∂L/∂{aj} = {_v(fmt(da))}<br><span class="note">The '
                           f"loss clipped this sample's ŷ to [10<sup>−7</sup>, 1 − "
                           f"10<sup>−7</sup>] (an output outside 0..1): the gradient formula "
                           f"does not apply, and is 0 where it clipped.</span></p>")
                out.append(self._through_activation(cls, pos, j, trace))
            elif shortcut and loss is not None and cls is not None and not element_wise:
                out.append(f'<p class="f">∂L/∂{zj} = {shortcut.format(**sym)} = '
                           f'{shortcut.format(**num)} = {_v(fmt(dz))}'
                           f'<br><span class="note">{html.escape(cls.label)} with '
                           f'{html.escape(loss.label.lower())}: the Jacobian and the ln '
                           f'cancel to ŷ − y; ÷{n_batch}: the mean over the B = {n_batch} '
                           f'samples of the batch</span></p>')
            else:
                if loss is not None:
                    out.append(f'<p class="f">∂L/∂{aj} = {loss.gradient_html.format(**sym)} = '
                               f'{loss.gradient_html.format(**num)} = {_v(fmt(da))}'
                               f'{b_note}</p>')
                else:
                    out.append(f'<p class="f">∂L/∂{aj} = {_v(fmt(da))}</p>')
                out.append(self._through_activation(cls, pos, j, trace))
                if shortcut and loss is not None and cls is not None:
                    out.append(f'<p class="note">{html.escape(cls.label)} with '
                               f'{html.escape(loss.label.lower())}: the same as '
                               f'{shortcut.format(**sym)} = {shortcut.format(**num)} = '
                               f'{fmt(dz)}</p>')
        else:
            names = info.names
            nxt = html.escape(names[pos + 1]) if pos + 1 < len(names) else "next layer"
            W_next = self._layer_weights(layer + 1, trace, weights)[0]
            dz_next = trace.dZ[layer + 1][0]
            count = len(dz_next)
            if count <= MAX_TERMS:  # every term by name: no index to explain
                rule = " + ".join(f"{N.w(pos + 1, j, c)}·∂L/∂{N.z(pos + 1, c)}"
                                  for c in range(count))
                where = ""
            else:
                rule = f"Σ<sub>i</sub> {N.w(pos + 1, j, 'i')} · ∂L/∂{N.z(pos + 1, 'i')}"
                where = (f' <span class="note">(i = 1 … {count}: the neurons of '
                         f'{nxt})</span>')
            terms = _terms([f"{_p(W_next[j, c])}·{_p(dz_next[c])}" for c in range(count)],
                           count)
            out.append(f'<p class="f">∂L/∂{aj} = {rule}{where}</p>'
                       f'<p class="f">&nbsp;&nbsp;= {terms} = {_v(fmt(da))}</p>')
            out.append(self._through_activation(cls, pos, j, trace))
        out.append(self._parameter_gradients(pos, j, trace))
        return "".join(out)

    def _through_activation(self, cls, pos: int, j: int, trace) -> str:
        """``∂L/∂z = ∂L/∂a · f′(z)`` with f′'s value (softmax: its Jacobian)."""
        N = self._names
        layer = pos - 1
        zj, aj = N.z(pos, j), N.a(pos, j)
        dz = float(trace.dZ[layer][0, j])
        da_row = trace.dA[layer][0]
        a_row = trace.a[layer][0]
        da, z, a = float(da_row[j]), float(trace.z[layer][0, j]), float(a_row[j])
        if cls is not None and not cls.element_wise:
            k = len(a_row)
            s = float(np.sum(da_row * a_row))
            terms = _terms([f"{_p(da_row[c])}·{_p(a_row[c])}" for c in range(k)], k)
            a_i = N.a(pos, "i")
            return (f'<p class="f">∂L/∂{zj} = {aj} · (∂L/∂{aj} − Σ<sub>i</sub> '
                    f'∂L/∂{a_i} · {a_i})</p>'
                    f'<p class="f">&nbsp;&nbsp;Σ<sub>i</sub> = {terms} = {fmt(s)}</p>'
                    f'<p class="f">&nbsp;&nbsp;∂L/∂{zj} = {_p(a)} · ({_p(da)} − {_p(s)}) = '
                    f'{_v(fmt(dz))}</p>')
        if cls is None:
            return f'<p class="f">∂L/∂{zj} = {_v(fmt(dz))}</p>'
        with np.errstate(over="ignore", invalid="ignore"):
            fprime = float(cls().derivative(trace.z[layer][:1])[0, j])
        sym_rule = cls.derivative_html.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj)
        num_rule = cls.derivative_html.format(z=fmt(z), zp=_p(z), neg_z=fmt(-z), a=_p(a))
        # A constant derivative (linear: 1) is its own value.
        rule = f"{sym_rule} = {num_rule} = {_v(fmt(fprime))}" if sym_rule != num_rule else \
            _v(sym_rule)
        return (f'<p class="f">∂L/∂{zj} = ∂L/∂{aj} · f′({zj}) = {_p(da)} · {_p(fprime)} = '
                f'{_v(fmt(dz))}</p>'
                f'<p class="f">&nbsp;&nbsp;f′({zj}) = {rule}</p>')

    def _samples_link(self) -> str:
        if self._printed:
            return ""
        label = "hide the samples" if self._samples_open else "per sample"
        return f'&nbsp; <a href="{SAMPLES_LINK}">{label}</a>'

    def _parameter_gradients(self, pos: int, j: int, trace) -> str:
        """``∂L/∂b`` and ``∂L/∂w`` of the first incoming line: sums over the batch."""
        N = self._names
        layer = pos - 1
        dz = trace.dZ[layer][:, j]
        n = len(dz)
        zj = N.z(pos, j)
        out = []
        link = self._samples_link() if n > 1 else ""
        db = trace.db[layer] if layer < len(trace.db) else None
        if db is not None:
            if n == 1:
                out.append(f'<p class="f">∂L/∂{N.b(pos, j)} = ∂L/∂{zj} = '
                           f'{_v(fmt(db[j]))}</p>')
            else:
                terms = _terms([fmt(dz[0])] + [_p(v) for v in dz[1:]], n)
                # The compact page keeps the link of the ∂L/∂w line below only (one line
                # less): the "<!--b-->" marks this one.
                out.append(f'<p class="f">∂L/∂{N.b(pos, j)} = Σ<sub>samples</sub> '
                           f'∂L/∂{zj} = {terms} = {_v(fmt(db[j]))}<!--b-->{link}<!--/b--></p>')
        dW = trace.dW[layer] if layer < len(trace.dW) else None
        if dW is not None:
            a_prev = trace.x if layer == 0 else trace.a[layer - 1]
            terms = _terms([f"{_p(dz[s])}·{_p(a_prev[s, 0])}" for s in range(n)], n)
            sigma = "Σ<sub>samples</sub> " if n > 1 else ""
            out.append(f'<p class="f">∂L/∂{N.w(pos, 0, j)} = {sigma}∂L/∂{zj} · '
                       f'{N.a(pos - 1, 0)} = {terms} = {_v(fmt(dW[0, j]))}{link}{_ASIDE}</p>')
        if n > 1 and self._samples_open:
            out.append(self._samples_table(pos, 0, j, trace))
        return "".join(out)

    def _samples_table(self, pos: int, i: int, j: int, trace) -> str:
        """Every sample of the batch: its inputs x and targets y, the factors of the sums
        (``a`` of the line's source, ``∂L/∂z`` of its target), their product, and the sums
        (``∂L/∂b``, ``∂L/∂w``) in the last row."""
        N = self._names
        layer = pos - 1
        a_prev = trace.x if layer == 0 else trace.a[layer - 1]
        dz = trace.dZ[layer][:, j]
        a_own = trace.a[layer][:, j]
        n = len(dz)

        def row_of(values) -> str:
            values = np.ravel(values)
            shown = ", ".join(fmt(v, 0 if float(v) in (-1, 0, 1) else 3) for v in values[:MAX_TERMS])
            return shown + (", …" if len(values) > MAX_TERMS else "")

        head = ["sample", "<i>x</i>", "<i>y</i>", N.a(pos, j), N.a(pos - 1, i),
                f"∂L/∂{N.z(pos, j)}", f"∂L/∂{N.z(pos, j)}·{N.a(pos - 1, i)}"]
        rows = [f"<tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>"]
        for s in range(n):
            cells = [str(s + 1), row_of(trace.x[s]), row_of(trace.y[s]), fmt(a_own[s]),
                     fmt(a_prev[s, i]), fmt(dz[s]), fmt(dz[s] * a_prev[s, i])]
            rows.append(f"<tr>{''.join(f'<td>{c}</td>' for c in cells)}</tr>")
        db = trace.db[layer][j] if trace.db[layer] is not None else float(np.sum(dz))
        dw = trace.dW[layer][i, j]
        rows.append(f'<tr><td>Σ</td><td></td><td></td><td></td><td></td>'
                    f'<td>{_v(fmt(db))}</td><td>{_v(fmt(dw))}</td></tr>')
        return (f'<p class="note"><a name="{SAMPLES_ANCHOR}">The batch, sample by sample'
                f'</a> (the canvas shows sample 1):</p>'
                f'<table class="samples" cellspacing="0" cellpadding="3">{"".join(rows)}'
                f'</table>')
