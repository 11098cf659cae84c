"""Custom ``autograd.Function`` in forward mode, against torch: ``jvp`` and
``ctx.save_for_forward``, what ``jvp`` receives, the tangents of the outputs (several outputs,
non-differentiable ones, views of inputs, in-place), mixing with reverse mode, and the
errors (no ``jvp``, a wrong number or shape of tangents, ...)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import npgrad
import npgrad.func
from test_forward_ad import no_level_left_open  # noqa: F401
from torch_oracle import raises_same, same_closely

NO_JVP = (
    "You must implement the jvp function for custom autograd.Function to use it with forward "
    "mode AD."
)


same = same_closely


def fw(m):
    return m.autograd.forward_ad


def t(m, a, requires_grad=False):
    return m.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def functions(m):
    """The same custom Functions, written once for either library."""

    class Sq(m.autograd.Function):  # M32
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x)
            return x**2

        @staticmethod
        def jvp(ctx, tx):
            (x,) = ctx.saved_tensors
            return 2 * x * tx

    class MulK(m.autograd.Function):
        """x·y·k with k a number; records what forward and jvp see."""

        log: list = []

        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_forward(x, y)
            ctx.save_for_backward(x, y)
            ctx.k = k
            MulK.log.append(("forward", m.is_grad_enabled(), fw(m).unpack_dual(x * 2).tangent))
            return x * y * k

        @staticmethod
        def jvp(ctx, tx, ty, tk):
            MulK.log.append(("jvp", tx, ty, tk, len(ctx.saved_tensors)))
            x, y = ctx.saved_tensors
            return (tx * y + x * ty) * ctx.k

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            MulK.log.append(("backward", len(ctx.saved_tensors)))
            return g * y * ctx.k, g * x * ctx.k, None

    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.exp(), x * 3

        @staticmethod
        def jvp(ctx, tx):
            return tx * 2, tx * 3

    class OnlyBackwardSaves(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def jvp(ctx, tx):
            return (tx * 2 + len(ctx.saved_tensors),)  # a 1-tuple for one output

    class SaveOutput(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_forward(y)
            return y

        @staticmethod
        def jvp(ctx, tx):
            (y,) = ctx.saved_tensors
            return y * tx

    class Power(m.autograd.Function):  # setup_context style
        @staticmethod
        def forward(x, n):
            return x**n

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_forward(inputs[0])
            ctx.save_for_backward(inputs[0])
            ctx.n = inputs[1]

        @staticmethod
        def jvp(ctx, tx, tn):
            (x,) = ctx.saved_tensors
            return ctx.n * x ** (ctx.n - 1) * tx

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return ctx.n * x ** (ctx.n - 1) * g, None

    class Mixed(m.autograd.Function):
        """A float, an int, a marked non-differentiable and a non-tensor output."""

        @staticmethod
        def forward(ctx, x):
            a, b, c = x * 2, x.argmax(), x * 3
            ctx.mark_non_differentiable(c)
            return a, b, c, 5

        @staticmethod
        def jvp(ctx, tx):
            return tx * 2, None, None, None

    class Alias(m.autograd.Function):
        """Returns its input as it is; the jvp must return a view."""

        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def jvp(ctx, tx):
            return tx.view_as(tx)

    class Scale(m.autograd.Function):  # in place, marked dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def jvp(ctx, tx):
            tx.mul_(2)
            return tx

    class NoJvp(m.autograd.Function):  # M33
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    MulK.log = []
    return {
        c.__name__: c
        for c in (Sq, MulK, Two, OnlyBackwardSaves, SaveOutput, Power, Mixed, Alias, Scale, NoJvp)
    }


def _tangents(m, outputs):
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return [(o, fw(m).unpack_dual(o).tangent) if isinstance(o, m.Tensor) else o for o in outputs]


def _apply(name, *args):
    """Within a level, apply Function ``name`` to a dual of ``[1., 2.]`` (tangent
    ``[1., 0.5]``) and the other ``args`` (functions of m); the outputs and their tangents."""

    def body(m):
        fn = functions(m)[name]
        with fw(m).dual_level():
            x = fw(m).make_dual(t(m, [1.0, 2.0]), t(m, [1.0, 0.5]))
            return _tangents(m, fn.apply(x, *(a(m) for a in args)))

    return body


@pytest.mark.parametrize(
    "name, args",
    [
        ("Sq", ()),
        ("MulK", (lambda m: t(m, [3.0, 4.0]), lambda m: 2.0)),
        ("Two", ()),
        ("OnlyBackwardSaves", ()),
        ("SaveOutput", ()),
        ("Power", (lambda m: 3,)),
        ("Mixed", ()),
        ("Alias", ()),
    ],
)
def test_outputs_get_the_tangents_of_jvp(name, args):
    same(_apply(name, *args))


def test_m32_the_probe():
    def body(m):
        with fw(m).dual_level():
            d = fw(m).make_dual(m.tensor([3.0]), m.tensor([1.0]))
            return fw(m).unpack_dual(functions(m)["Sq"].apply(d)).tangent

    same(body)


def test_what_forward_and_jvp_see():
    """forward runs with grad mode off and without forward AD; jvp gets one tangent per
    input: zeros for a floating tensor without one, None for a number or an integer
    tensor; in jvp ``saved_tensors`` are those of save_for_forward, in backward those of
    save_for_backward."""

    def body(m):
        fns = functions(m)
        mulk = fns["MulK"]
        with fw(m).dual_level():
            x = fw(m).make_dual(t(m, [1.0, 2.0]), t(m, [1.0, 0.0]))
            y = t(m, [3.0, 4.0], requires_grad=True)
            out = mulk.apply(y, x, 2.0)
            tangent = fw(m).unpack_dual(out).tangent
            out.backward(t(m, [1.0, 1.0]))
        return mulk.log, out, tangent, y.grad

    same(body)


def test_int_tensor_input_gets_none():
    def body(m):
        seen = []

        class AddInt(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, n):
                return x + n

            @staticmethod
            def jvp(ctx, tx, tn):
                seen.append(tn)
                return tx

        with fw(m).dual_level():
            x = fw(m).make_dual(t(m, [1.0, 2.0]), t(m, [1.0, 0.0]))
            out = AddInt.apply(x, m.tensor([1, 2]))
            return seen, fw(m).unpack_dual(out).tangent

    same(body)


def test_an_input_returned_as_it_is_gives_a_new_tensor():
    def body(m):
        with fw(m).dual_level():
            tangent = t(m, [1.0, 0.5])
            x = fw(m).make_dual(t(m, [1.0, 2.0]), tangent)
            out = functions(m)["Alias"].apply(x)
            return out is x, fw(m).unpack_dual(x).tangent is tangent, _tangents(m, out)

    same(body)


def test_in_place_function_marked_dirty():
    def body(m):
        with fw(m).dual_level():
            x = fw(m).make_dual(t(m, [1.0, 2.0]).clone(), t(m, [1.0, 1.0]))
            out = functions(m)["Scale"].apply(x)
            return _tangents(m, out)

    same(body)


def test_tangents_are_differentiable_and_backward_still_works():
    """An input in a graph: the output and its tangent require grad; reverse mode through
    the tangent (reverse over forward) and through the output."""

    def body(m):
        power = functions(m)["Power"]
        x = t(m, [1.0, 2.0], requires_grad=True)
        with fw(m).dual_level():
            d = fw(m).make_dual(x, t(m, [1.0, -1.0]))
            out = power.apply(d, 3)
            tangent = fw(m).unpack_dual(out).tangent
            g_tangent = m.autograd.grad(tangent, x, t(m, [1.0, 1.0]), retain_graph=True)[0]
            g_out = m.autograd.grad(out, x, t(m, [1.0, 1.0]))[0]
        return out, tangent, g_tangent, g_out

    same(body)


def test_without_a_tangent_jvp_is_not_needed():
    def body(m):
        no_jvp = functions(m)["NoJvp"]
        plain = no_jvp.apply(t(m, [1.0, 2.0]))
        with fw(m).dual_level():
            fw(m).make_dual(t(m, [1.0]), t(m, [1.0]))  # another tensor is dual
            inside = no_jvp.apply(t(m, [1.0, 2.0]))
        return plain, inside

    same(body)


def test_func_jvp_through_a_custom_function():
    def body(m):
        power = functions(m)["Power"]
        return m.func.jvp(
            lambda x: power.apply(x, 3).sin(), (t(m, [1.0, 2.0]),), (t(m, [1.0, 0.5]),)
        )

    same(body)


def test_repr_of_an_output():
    shown = []
    for m in (torch, npgrad):
        with fw(m).dual_level():
            d = fw(m).make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 0.0]))
            shown.append(repr(functions(m)["Sq"].apply(d)))
    assert shown[1] == shown[0]


def _bad(jvp, forward=None):
    """A Function whose jvp is ``jvp(m, tx)``, applied to a dual of [1., 2.]."""

    def body(m):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return forward(m, x) if forward else x * 2

            @staticmethod
            def jvp(ctx, tx):
                return jvp(m, tx)

        with fw(m).dual_level():
            return Bad.apply(fw(m).make_dual(t(m, [1.0, 2.0]), t(m, [1.0, 0.0])))

    return body


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (  # M33
            _apply("NoJvp"),
            NotImplementedError,
            NO_JVP,
        ),
        (
            _bad(lambda m, tx: tx * 2, forward=lambda m, x: (x * 2, x * 3)),
            RuntimeError,
            "Function's jvp returned an invalid number of forward gradients (expected 2 but got 1)",
        ),
        (
            _bad(lambda m, tx: m.ones(3)),
            RuntimeError,
            "Trying to set a forward gradient that has a different size than that of the "
            "original Tensor, this is not supported. Tensor is of size [2] while the given "
            "forward gradient is of size [3].",
        ),
        (
            _bad(lambda m, tx: 3.0),
            RuntimeError,
            "expected Variable or None (got float) for grad output 0.",
        ),
        (
            _bad(lambda m, tx: (tx * 2, tx.sum()), forward=lambda m, x: (x * 2, x.argmax())),
            RuntimeError,
            "Function's jvp returned a gradient at position 1, but  the corresponding forward "
            "output is not a differentiable Tensor.You should return None at that position "
            "instead.",
        ),
        (
            _bad(lambda m, tx: tx, forward=lambda m, x: x),
            RuntimeError,
            "A custom Function's forward is returning a view (or an input as-is) but the jvp "
            "is not returning a view.",
        ),
    ],
)
def test_errors(call, exc, message):
    raises_same(call, exc, message)


def test_save_for_forward_takes_only_tensors():
    def call(m):
        class SaveNumber(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x, 3)
                return x * 2

        return SaveNumber.apply(t(m, [1.0]))

    raises_same(
        call,
        AssertionError,
        "save_for_forward expects all arguments to be tensors; you should save non-tensors as "
        "attributes on ctx.",
    )
