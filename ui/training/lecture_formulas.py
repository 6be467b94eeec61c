"""The Lecture view's formulas for an update, an activation, a connection and the loss,
filled with the engine's numbers (a part of :class:`~ui.training.lecture_view.LectureView`).
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from nnviz.engine import activations, losses, optimizers
from nnviz.session.lecture_info import LectureInfo
from ui.training.lecture_text import (
    MINUS,
    _Names,
    _p,
    _sub,
    _terms,
    _v,
    fmt,
    fmt_lr,
)


class LectureFormulas:
    """How an update, an activation, a connection and the loss are written out: a mixin of
    :class:`~ui.training.lecture_view.LectureView`, which holds the state it reads."""

    if TYPE_CHECKING:  # what LectureView holds and does, named for the type checker
        _names: _Names
        _samples_open: bool

        def _samples_link(self) -> str: ...
        def _samples_table(self, pos: int, i: int, j: int, trace) -> str: ...

    def _neuron_update(self, pos: int, j: int, trace, info: LectureInfo) -> str:
        """The update of the neuron's bias and first incoming weight, old → new."""
        N = self._names
        layer = pos - 1
        out = ["<h3>Update</h3>"]
        if trace.b_before[layer] is not None and trace.db[layer] is not None:
            out.append(self._update_line(
                N.b(pos, j), float(trace.b_before[layer][j]),
                float(trace.b_after[layer][j]), float(trace.db[layer][j]), trace, info))
        out.append(self._update_line(
            N.w(pos, 0, j), float(trace.W_before[layer][0, j]),
            float(trace.W_after[layer][0, j]), float(trace.dW[layer][0, j]), trace, info))
        return "".join(out)

    @staticmethod
    def _optimizer(info: LectureInfo) -> tuple[str, float, str, str]:
        """(name, momentum, title, rule) of the info's optimizer (a name or a preset)."""
        optimizer = info.optimizer or "sgd"
        try:  # a name or a menu preset ("momentum")
            opt_name, opt_settings = optimizers.resolve(optimizer)
            momentum = float(opt_settings.get("momentum", 0.0))
            return (opt_name, momentum, optimizers.title(opt_name, momentum),
                    optimizers.formula(opt_name, momentum))
        except ValueError:
            return optimizer, 0.0, optimizer, ""

    def _update_line(self, sym: str, before: float, after, grad: float, trace,
                     info: LectureInfo) -> str:
        """``new p = old p − lr · ∂L/∂p = ...`` (plain SGD) or old → new.

        ``after`` None: the update is still to come (plain SGD shows what it will do).
        """
        lr = float(trace.learning_rate or info.learning_rate)
        opt_name, momentum, title, rule = self._optimizer(info)
        if opt_name == "sgd" and not momentum:
            # Plain SGD only: p − lr · ∂L/∂p is exactly its rule.
            when = '<span class="note">at the update:</span> ' if after is None else ""
            value = before - lr * grad if after is None else after
            return (f'<p class="f">{when}new {sym} = old {sym} − lr · ∂L/∂{sym} = '
                    f'{fmt(before)} − {fmt_lr(lr)} · {_p(grad)} = {_v(fmt(value))}</p>')
        # Momentum, Adam and RMSprop step from running averages of the gradients, not
        # by lr · ∂L/∂p: show what the engine did, old and new.
        if after is None:
            return (f'<p class="f">{html.escape(title)} (lr = {fmt_lr(lr)}) updates {sym} from '
                    f"its running averages of the gradients{self._rule(rule)}"
                    f'<br><span class="note">(applied at the update step)</span></p>')
        return (f'<p class="f">{html.escape(title)} (lr = {fmt_lr(lr)}) moved {sym} from its '
                f"running averages of the gradients: old {sym} = {fmt(before)}"
                f" → new {sym} = {_v(fmt(after))}{self._rule(rule)}</p>")

    def _activation(self, act: str, pos: int, j: int, z, a, z_row) -> str:
        """``a = f(z)`` from the activation's own formula (``formula_html``), filled in
        with ``z`` and the engine's ``a`` when known."""
        N = self._names
        zj, aj = N.z(pos, j), N.a(pos, j)
        try:
            cls = type(activations.get(act))
        except ValueError:
            cls = None
        template = cls.formula_html if cls is not None else None
        if z is None:
            rhs = template.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj) if template else \
                f"{html.escape(act)}({zj})"
            rule = self._derivative(act, zj, aj)
            return f'<p class="f">{aj} = {rhs}{rule}</p>'
        value = _v(fmt(a)) if a is not None else "…"
        zt = fmt(z)
        if template is None:
            return f'<p class="f">{aj} = {html.escape(act)}({zt}) = {value}</p>'
        assert cls is not None  # it gave the template
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
    def _derivative(act: str, zj: str, aj: str) -> str:
        """`` with f′(z) = ...`` from the activation's ``derivative_html`` ('' if none)."""
        try:
            cls = type(activations.get(act))
        except ValueError:
            return ""
        if not cls.element_wise:
            return ""
        rule = cls.derivative_html.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj)
        return f'<br><span class="note">f′({zj}) = {rule}</span>'

    # --- a connection -----------------------------------------------------------
    def _connection(self, pos: int, i: int, j: int, trace, weights,
                    info: LectureInfo) -> list[tuple[str, str]]:
        """[the weight, its gradient, its update] of the line ``i`` → ``j``, each as (the
        stage kind that computes it, html)."""
        N = self._names
        layer = pos - 1
        names = info.names
        src = html.escape(names[pos - 1]) if pos - 1 < len(names) else "previous layer"
        tgt = html.escape(names[pos]) if pos < len(names) else "layer"
        W, _b = self._layer_weights(layer, trace, weights)
        w = float(W[i, j])
        wij = N.w(pos, i, j)
        zj, a_i = N.z(pos, j), N.a(pos - 1, i)
        head = (f"<h3>Connection {N.unit(pos - 1, i)} → {N.unit(pos, j)}</h3>"
                f'<p class="note">{src} neuron {i + 1} → {tgt} neuron {j + 1}</p>')
        if trace is not None and trace.W_after is not None:
            value = (f'<p class="f">{wij}: old {_v(fmt(w))} → new '
                     f'{_v(fmt(trace.W_after[layer][i, j]))} <span class="note">(this '
                     f"batch's update)</span></p>")
        elif trace is not None:
            value = (f'<p class="f">{wij} = {_v(fmt(w))} <span class="note">(before this '
                     f"batch's update)</span></p>")
        else:
            value = f'<p class="f">{wij} = {_v(fmt(w))}</p>'
        dW = trace.dW[layer] if trace is not None and layer < len(trace.dW) else None
        if dW is None:
            return [("forward", head + value),
                    ("backward", f'<p class="f">∂L/∂{wij} = ∂L/∂{zj} · {a_i} '
                                 f'<span class="hint">(computed at the backward step)</span>'
                                 f'</p>')]
        g = float(dW[i, j])
        assert trace is not None  # dW came from it
        a_prev = trace.x if layer == 0 else trace.a[layer - 1]
        dz = trace.dZ[layer]
        n = len(a_prev)
        # The penalty's slope at this weight (+ 2λw, + λ·sign w), when there is a penalty.
        reg = info.regularizer if trace.penalty else None
        plus_sym = plus_num = note = ""
        if reg is not None:
            plus_sym = " + " + reg.fill(reg.gradient_html, wij, "λ")
            plus_num = " + " + reg.fill(reg.gradient_html, _p(w))
            note = (f'<br><span class="note">+ the slope of the {html.escape(reg.label)} '
                    f'penalty {reg.fill(reg.penalty_html, "w", "λ")} at {wij} '
                    f'(λ = {reg.rate:g})</span>')
        if n == 1:
            grad = (f'<p class="f">∂L/∂{wij} = ∂L/∂{zj} · {a_i}{plus_sym} '
                    f"= {_p(dz[0, j])} · {_p(a_prev[0, i])}{plus_num} = {_v(fmt(g))}"
                    f"{note}</p>")
        else:
            terms = _terms([f"{_p(dz[s, j])}·{_p(a_prev[s, i])}" for s in range(n)], n)
            grad = (f'<p class="f">∂L/∂{wij} = Σ<sub>samples</sub> ∂L/∂{zj} · {a_i}'
                    f'{plus_sym}</p>'
                    f'<p class="f">&nbsp;&nbsp;= {terms}{plus_num} = {_v(fmt(g))}'
                    f'{self._samples_link()}{note}</p>')
            if self._samples_open:
                grad += self._samples_table(pos, i, j, trace)
        after = float(trace.W_after[layer][i, j]) if trace.W_after is not None else None
        before = float(trace.W_before[layer][i, j]) if trace.W_before is not None else w
        return [("forward", head + value), ("backward", grad),
                ("update", self._update_line(wij, before, after, g, trace, info))]

    @staticmethod
    def _rule(rule: str) -> str:
        """The optimizer's update rule (``nnviz.engine.optimizers``) as a note line, or ''."""
        return f'<br><span class="note">{html.escape(rule)}</span>' if rule else ""

    # --- the loss ---------------------------------------------------------------
    @staticmethod
    def _loss_object(info: LectureInfo):
        """The engine's loss named in ``info`` (None if unknown)."""
        try:
            return losses.get(info.loss)
        except ValueError:
            return None

    @staticmethod
    def _clipped(loss, trace, j: int) -> bool:
        """Whether the loss clipped what output ``j``'s gradient of sample 1 depends on (then
        its formula does not apply): binary cross-entropy ``ŷ_j`` itself, the categorical
        ones the rescaled prediction of the true class."""
        if not loss.clips_predictions:
            return False
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y, p = loss.prepare(trace.y[:1], trace.y_pred[:1])
            y, row = np.asarray(y[0], dtype=float), np.asarray(p[0], dtype=float)
            if isinstance(loss, losses.CategoricalCrossentropy):
                row = (row / row.sum())[y != 0]
            else:
                row = row[j:j + 1]
            inside = (row >= losses.EPSILON) & (row <= 1 - losses.EPSILON)
        return not bool(np.all(inside))

    @staticmethod
    def _gradient_fill(loss, trace, j: int) -> tuple[dict, dict]:
        """The placeholders of the loss's gradient templates: symbols, and sample 1's numbers."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y_true, y_pred = loss.prepare(trace.y[:1], trace.y_pred[:1])
        y, p = float(y_true[0, j]), float(y_pred[0, j])
        sym = {"y": _sub("y", j + 1), "p": _sub("ŷ", j + 1), "k": "<i>k</i>", "B": "<i>B</i>",
               "s": "Σ<sub>j</sub> <i>ŷ</i><sub>j</sub>"}
        num = {"y": fmt(y, 0 if y in (-1, 0, 1) else 3), "p": fmt(p), "k": str(y_pred.shape[1]),
               "B": str(len(trace.x)), "s": fmt(float(np.sum(y_pred[0])))}
        return sym, num

    def _loss_line(self, trace) -> str:
        """The loss in one line (the compact page after the loss stage)."""
        n = len(trace.x)
        mean = f" (the mean over the batch's {n} samples)" if n > 1 else ""
        if trace.penalty:
            mean += f" + the weights' penalty {fmt(trace.penalty)}"
        return f'<p class="f">Loss <i>L</i> = {_v(fmt(trace.loss))}<span class="note">{mean}</span></p>'

    @staticmethod
    def _penalty(trace, info: LectureInfo) -> str:
        """The penalty's term of L: its formula, its value and the sum (when regularized)."""
        reg = info.regularizer
        if reg is None or not trace.penalty:  # a trace from before the penalty was set
            return ""
        data = float(trace.loss) - float(trace.penalty)
        mean = f"mean over the {len(trace.x)} samples" if len(trace.x) > 1 else "the sample's loss"
        return (f'<p class="f">+ {html.escape(reg.label)} penalty '
                f'{reg.fill(reg.penalty_html, "w", "λ")} = {reg.fill(reg.penalty_html, "w")} '
                f'= {_v(fmt(trace.penalty))}<br><span class="note">Σ over every weight of '
                f'every layer (not the biases), λ = {reg.rate:g}: Keras adds it to the loss '
                f'it reports</span></p>'
                f'<p class="f"><i>L</i> = {mean} + penalty = {fmt(data)} + '
                f'{fmt(trace.penalty)} = {_v(fmt(trace.loss))}</p>')

    def _loss(self, trace, info: LectureInfo) -> str:
        """The loss of sample 1, computed by the engine's loss (``per_sample``), filled in."""
        name = info.loss or "loss"
        out = [f"<h3>Loss: {html.escape(name.replace('_', ' '))}</h3>"]
        loss = self._loss_object(info)
        if loss is not None:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                y_true, y_pred = loss.prepare(trace.y[:1], trace.y_pred[:1])
                value = float(loss.per_sample(y_true, y_pred)[0])
            y = np.asarray(y_true[0], dtype=float).ravel()
            yp = np.asarray(y_pred[0], dtype=float).ravel()
            out.append(self._loss_terms(loss, y, yp, value))
        penalty = self._penalty(trace, info)
        if (len(trace.x) > 1 or loss is None) and not penalty:
            out.append(f'<p class="f">mean over the {len(trace.x)} samples of the batch: '
                       f"L = {_v(fmt(trace.loss))}</p>")
        out.append(penalty)
        return "".join(out)

    @staticmethod
    def _loss_terms(loss, y, yp, value: float) -> str:
        """The loss's own formula (``formula_html``), then its terms (``term_html``,
        ``combine_html``) with the sample's numbers, then the value."""
        k = len(yp)
        if len(y) != k:
            return f'<p class="f">{html.escape(loss.formula)} = {_v(fmt(value))}</p>'
        terms = _terms([loss.term_html.format(y=fmt(y[c], 0 if y[c] in (-1, 0, 1) else 3),
                                              p=fmt(yp[c])) for c in range(k)], k)
        filled = loss.combine_html.format(terms=terms, k=k)
        return f'<p class="f">{loss.formula_html} = {filled} = {_v(fmt(value))}</p>'

    @staticmethod
    def _layer_weights(layer: int, trace, weights):
        """The weights the current batch was computed with (before its update)."""
        if trace is not None and trace.W_before is not None:
            return trace.W_before[layer], trace.b_before[layer]
        return weights[2 * layer], weights[2 * layer + 1]
