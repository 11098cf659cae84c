"""Forward-mode AD (``autograd.forward_ad``) against torch: dual tensors and their tangents,
the errors, mixing with reverse mode, the repr of a dual tensor, and the transforms built on
forward mode (``func.jvp``, ``func.jacfwd``, ``func.hessian``,
``autograd.functional.jacobian(strategy="forward-mode")``), also nested and inside a level
that is already open; ``func.jvp`` against central differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import npgrad
import npgrad.func
from npgrad.autograd import forward_ad
from torch_oracle import check_plain, plain, raises_same, same_closely

RNG = np.random.default_rng(5)
X = RNG.uniform(0.5, 1.5, (2, 3))
Y = RNG.uniform(0.5, 1.5, (3,))
V = RNG.standard_normal((3,))


@pytest.fixture(autouse=True)
def no_level_left_open():
    """Every test leaves npgrad outside forward mode, whatever it raised."""
    yield
    assert forward_ad._level[0] is None, "a forward-AD level was left open"
    assert not forward_ad._tangents, "tangents outlived their level"


def fw(m):
    return m.autograd.forward_ad


def F(m):
    return npgrad.func if m is npgrad else torch.func


def t(m, a, requires_grad=False):
    return m.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


same = same_closely


# --- dual tensors ------------------------------------------------------------------------------
def test_make_dual_and_unpack_dual():
    """O01: the tangent of sin(x)·x is (cos(x)·x + sin(x))·t; unpack_dual gives the
    namedtuple UnpackedDualTensor; after the level the tangent is gone."""

    def body(m):
        f = fw(m)
        with f.dual_level():
            x = f.make_dual(t(m, [1.0, 2.0]), t(m, [1.0, 0.0]))
            y = x.sin() * x
            u = f.unpack_dual(y)
            inside = (type(u).__name__, u._fields, u.primal, u.tangent, u[0], u[1], len(u))
            primal, tangent = u
            inside += (primal, tangent, f.unpack_dual(x).tangent)
        return inside, f.unpack_dual(y).tangent, f.unpack_dual(x).tangent

    same(body)


def test_tangent_is_none_without_one():
    """Inside a level: plain tensors, results of plain tensors, a Python number."""

    def body(m):
        f = fw(m)
        with f.dual_level():
            p = t(m, Y)
            f.make_dual(t(m, Y), t(m, V))  # some other tensor has a tangent
            q = p.exp() * 2
            return (
                f.unpack_dual(p).tangent,
                f.unpack_dual(q).tangent,
                f.unpack_dual(p).primal,
                f.unpack_dual(t(m, Y, requires_grad=True)).tangent,
            )

    same(body)


def test_level_numbers_and_functions():
    def body(m):
        f = fw(m)
        first = f.enter_dual_level()
        x = f.make_dual(t(m, Y), t(m, V))
        inside = f.unpack_dual(x.exp()).tangent
        f.exit_dual_level()
        with f.dual_level() as second:
            again = f.unpack_dual(x).tangent  # a new level: the old tangent is gone
        return first, second, inside, again

    same(body)


def test_dual_level_as_a_decorator():
    def body(m):
        f = fw(m)

        @f.dual_level()
        def tangent_of_exp(p, v):
            return f.unpack_dual(f.make_dual(p, v).exp()).tangent

        return tangent_of_exp(t(m, Y), t(m, V)), tangent_of_exp(t(m, Y), t(m, -V))

    same(body)


def test_exiting_the_level_clears_every_tangent():
    def body(m):
        f = fw(m)
        with f.dual_level():
            x = f.make_dual(t(m, Y), t(m, V))
            y = x * x
        after = (f.unpack_dual(x).tangent, f.unpack_dual(y).tangent)
        with f.dual_level():
            z = y * 3  # a result of a former dual tensor, in a new level
            return (
                after,
                f.unpack_dual(y).tangent,
                f.unpack_dual(z).tangent,
                repr(y) == repr(y.detach()),
            )

    same(body)
    # the table is empty once the level is left
    with forward_ad.dual_level():
        kept = forward_ad.make_dual(t(npgrad, Y), t(npgrad, V))
        assert forward_ad._tangents and forward_ad.active[0]
    assert not forward_ad._tangents and not forward_ad.active[0]
    assert forward_ad.unpack_dual(kept).tangent is None


def test_detach_drops_the_tangent():
    def body(m):
        f = fw(m)
        with f.dual_level():
            x = f.make_dual(t(m, Y), t(m, V))
            d = x.detach()
            return f.unpack_dual(d).tangent, f.unpack_dual(d * 2).tangent, d, x

    same(body)


def test_integer_and_bool_results_have_no_tangent():
    def body(m):
        f = fw(m)
        with f.dual_level():
            x = f.make_dual(t(m, X), t(m, np.ones_like(X)))
            results = (x.argmax(), x.argmax(1), x > 1.0, x == x, x.argmin())
            return [(r, f.unpack_dual(r).tangent) for r in results]

    same(body)


@pytest.mark.parametrize(
    "call, exc, keys",
    [
        (  # O02
            lambda m: fw(m).make_dual(t(m, [1.0]), t(m, [1.0])),
            RuntimeError,
            [
                "Trying to create a dual Tensor for forward AD but no level exists, make sure "
                "to enter_dual_level() first."
            ],
        ),
        (  # O03
            lambda m: _in_level(m, lambda f: f.make_dual(t(m, [1.0, 2.0]), t(m, [1.0]))),
            RuntimeError,
            [
                "Trying to set a forward gradient that has a different size than that of the "
                "original Tensor, this is not supported. Tensor is of size [2] while the given "
                "forward gradient is of size [1]."
            ],
        ),
        (  # O04
            lambda m: _in_level(m, lambda f: f.dual_level().__enter__()),
            RuntimeError,
            ["Nested forward mode AD is not supported at the moment"],
        ),
        (
            lambda m: _in_level(m, lambda f: f.enter_dual_level()),
            RuntimeError,
            ["Nested forward mode AD is not supported at the moment"],
        ),
        (
            lambda m: _in_level(m, lambda f: f.make_dual(m.tensor([1, 2]), t(m, [1.0, 0.0]))),
            ValueError,
            ["Expected primal to be floating point or complex, but got"],
        ),
        (
            lambda m: _in_level(m, lambda f: f.make_dual(t(m, [1.0, 2.0]), m.tensor([1, 0]))),
            ValueError,
            ["Expected tangent to be floating point or complex, but got"],
        ),
        (
            lambda m: _in_level(m, lambda f: f.make_dual(f.make_dual(t(m, Y), t(m, V)), t(m, V))),
            RuntimeError,
            [
                "Making a dual Tensor based on a Tensor that already has a forward gradient at "
                "the same level 0 is not supported"
            ],
        ),
    ],
)
def test_errors(call, exc, keys):
    raises_same(call, exc, *keys)


def _in_level(m, body):
    with fw(m).dual_level():
        return body(fw(m))


# --- mixing with reverse mode --------------------------------------------------------------------
def test_backward_through_a_tangent():
    """O06: the tangent of d² is 2·d·t; its gradient with respect to x is 2·t."""

    def body(m):
        f = fw(m)
        x = t(m, [1.0, 2.0], requires_grad=True)
        with f.dual_level():
            d = f.make_dual(x, t(m, [1.0, 0.0]))
            tangent = f.unpack_dual(d**2).tangent
            flag = tangent.requires_grad
            tangent.backward(t(m, [1.0, 1.0]))
        return flag, x.grad

    same(body)


def test_gradients_of_a_primal_and_of_a_tangent():
    """Reverse mode through the output of a dual tensor (its primal path) and through its
    tangent (second derivatives), with respect to the primal and the tangent."""

    def body(m):
        f = fw(m)
        x = t(m, Y, requires_grad=True)
        v = t(m, V, requires_grad=True)
        w = t(m, [0.5, -1.0, 2.0])
        with f.dual_level():
            d = f.make_dual(x, v)
            y = (d.exp() * d - d * 3.0) / (d + 1.0)
            primal, tangent = f.unpack_dual(y)
            g_primal = m.autograd.grad(y, x, w, retain_graph=True)[0]
            g_x, g_v = m.autograd.grad(tangent, (x, v), w)
        return primal, tangent, g_primal, g_x, g_v

    same(body)


def test_tangent_that_requires_grad_is_differentiable():
    def body(m):
        f = fw(m)
        v = t(m, V, requires_grad=True)
        with f.dual_level():
            d = f.make_dual(t(m, Y), v)
            tangent = f.unpack_dual(d.sin() * d * d).tangent
            g = m.autograd.grad(tangent, v, t(m, np.ones(3)))[0]
        return tangent.requires_grad, tangent, g

    same(body)


# --- repr ---------------------------------------------------------------------------------------
REPRS = {
    "plain": lambda m, f: f.make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 0.0])),
    "result": lambda m, f: f.make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 0.0])) * 3,
    "grad_fn": lambda m, f: f.make_dual(
        m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0, 0.0])
    ),
    "float64_wraps": lambda m, f: f.make_dual(
        m.tensor([1.0, 2.0], dtype=m.float64), m.tensor([1.0, 0.0], dtype=m.float64)
    ),
    "zero_dim": lambda m, f: f.make_dual(m.tensor(3.0), m.tensor(1.0)),
    "tangent_requires_grad": lambda m, f: f.make_dual(
        m.tensor([1.0, 2.0]), m.tensor([1.0, 0.0], requires_grad=True)
    ),
    "matrix": lambda m, f: f.make_dual(
        m.tensor(np.arange(12.0).reshape(3, 4)), m.tensor(np.ones((3, 4)))
    ),
    "no_tangent": lambda m, f: m.tensor([1.0, 2.0]),
}


@pytest.mark.parametrize("name", sorted(REPRS))
def test_repr_shows_the_tangent(name):
    shown = []
    for m in (torch, npgrad):
        with fw(m).dual_level():
            shown.append(repr(REPRS[name](m, fw(m))).replace(m.__name__ + ".", "M."))
    assert shown[1] == shown[0]


def test_repr_wraps_long_suffixes_as_torch():
    def body(m):
        return repr(m.tensor(np.linspace(0, 1, 9), requires_grad=True) * 2).replace(
            m.__name__ + ".", "M."
        )

    same(body)


# --- the transforms ------------------------------------------------------------------------------
def f_tuple(x, y):
    """Two inputs, two outputs (one of them a dict)."""
    return (x * y).sin() * x + y.exp(), {"s": (x / (y + 2.0)).exp() * x.cos()}


@pytest.mark.parametrize(
    "case",
    [
        lambda m: F(m).jvp(lambda x: x.exp() * x.sin(), (t(m, X),), (t(m, X * 0.5),)),
        lambda m: F(m).jvp(f_tuple, (t(m, X), t(m, Y)), (t(m, -X), t(m, V))),
        lambda m: F(m).jvp(
            lambda d: (d["a"] * d["b"], d["a"] - d["b"]),
            ({"a": t(m, Y), "b": t(m, V)},),
            ({"a": t(m, V), "b": t(m, Y)},),
        ),
        lambda m: F(m).jvp(lambda x: (x.sin(), x.exp()), (t(m, Y),), (t(m, V),), has_aux=True),
        lambda m: F(m).jvp(lambda x: t(m, Y) * 2.0, (t(m, Y),), (t(m, V),)),
        lambda m: F(m).jacfwd(f_tuple, argnums=(0, 1))(t(m, X), t(m, Y)),
        lambda m: F(m).jacfwd(f_tuple, argnums=1)(t(m, X), t(m, Y)),
        lambda m: F(m).jacfwd(lambda x: (x.exp() * x, x.sin()), has_aux=True)(t(m, Y)),
        lambda m: F(m).hessian(lambda x: (x.sin() * x.exp()).sum())(t(m, Y)),
        lambda m: F(m).hessian(lambda x, y: (x * y.exp()).sum(), argnums=(0, 1))(t(m, Y), t(m, V)),
    ],
)
def test_func_transforms_match_torch(case):
    same(case)


def test_func_transforms_with_inputs_in_a_graph():
    """Inputs that require grad: results stay differentiable with respect to them."""

    def body(m):
        x = t(m, Y, requires_grad=True)
        out, jv = F(m).jvp(lambda a: a.sin() * a.exp(), (x,), (t(m, V),))
        jac = F(m).jacfwd(lambda a: a.sin() * a.exp())(x)
        g1 = m.autograd.grad(jv, x, t(m, np.ones(3)), retain_graph=True)[0]
        g2 = m.autograd.grad(jac, x, t(m, np.ones((3, 3))))[0]
        return out, jv, jac, g1, g2

    same(body)


def test_compositions_of_forward_and_reverse_mode():
    def cube(x):
        return (x**3 * x.sin()).sum()

    same(lambda m: F(m).jvp(F(m).grad(cube), (t(m, Y),), (t(m, V),)))  # forward over reverse
    same(  # reverse over forward
        lambda m: F(m).grad(lambda x: F(m).jvp(lambda a: a.exp() * a, (x,), (t(m, V),))[1].sum())(
            t(m, Y)
        )
    )
    same(  # forward over forward: the inner one by the double-backward trick
        lambda m: F(m).jvp(
            lambda a: F(m).jvp(lambda b: b.sin() * b, (a,), (a * 2.0,))[1], (t(m, Y),), (t(m, V),)
        )
    )
    same(lambda m: F(m).jacfwd(F(m).jacfwd(lambda b: b.sin() * b.exp()))(t(m, Y)))
    same(lambda m: F(m).jacrev(F(m).jacfwd(lambda b: b.sin() * b.exp()))(t(m, Y)))
    same(lambda m: F(m).jacfwd(F(m).jacfwd(F(m).jacrev(cube)))(t(m, Y)))


def test_reverse_transforms_inside_an_open_level_carry_tangents():
    """grad, vjp and jacrev of a dual tensor: the results carry their tangents."""

    def body(m):
        f = fw(m)
        with f.dual_level():
            d = f.make_dual(t(m, Y), t(m, V))
            g = F(m).grad(lambda x: (x.exp() * x * x).sum())(d)
            out, fn = F(m).vjp(lambda x: x.exp() * x, d)
            v = fn(t(m, [1.0, -1.0, 2.0]))[0]
            jac = F(m).jacrev(lambda x: x.exp() * x)(d)
            return [(r, f.unpack_dual(r).tangent) for r in (g, out, v, jac)]

    same(body)


def _directional(m, transform, fn, v):
    """torch: the derivative of transform(fn) at Y along v, by torch.func's own nesting."""
    return F(m).jvp(transform(fn), (t(m, Y),), (t(m, v),))


@pytest.mark.parametrize(
    "transform",
    [
        lambda m: F(m).jacfwd,
        lambda m: F(m).hessian,
        lambda m: lambda fn: lambda x: F(m).jvp(fn, (x,), (x.cos(),))[1],
    ],
)
def test_forward_transforms_inside_an_open_level(transform):
    """jvp, jacfwd and hessian where a level is open already (npgrad has one level: they
    fall back to reverse mode, which carries the open level's tangents): npgrad's result
    and its tangent against torch.func's nested jvp of the same transform."""

    def fn(x):
        return (x.sin() * x.exp()).sum() * x

    def scalar(x):
        return (x.sin() * x.exp() * x).sum()

    def pick(m):
        return scalar if transform(m) is F(m).hessian else fn

    want = plain(F(torch).jvp(transform(torch)(pick(torch)), (t(torch, Y),), (t(torch, V),)))
    with forward_ad.dual_level():
        d = forward_ad.make_dual(t(npgrad, Y), t(npgrad, V))
        result = transform(npgrad)(pick(npgrad))(d)
        got = plain((result, forward_ad.unpack_dual(result).tangent))
    check_plain(got, want)


def test_jvp_runs_in_forward_mode():
    """func.jvp and jacfwd run the function once per product on dual tensors: the function
    sees the tangent (one basis vector per jacfwd column)."""
    seen = []

    def fn(x):
        seen.append(forward_ad.unpack_dual(x).tangent.numpy().copy())
        return x.exp()

    npgrad.func.jvp(fn, (t(npgrad, Y),), (t(npgrad, V),))
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], V)
    seen.clear()
    npgrad.func.jacfwd(fn)(t(npgrad, Y))
    np.testing.assert_array_equal(np.array(seen), np.eye(3))


def test_jvp_matches_central_differences():
    def fn(m):
        def f(x, y):
            return ((x * y).sin() / (1.0 + x * x) + (y - x).exp() * y, x.cos() * y**3)

        return f

    xs, vs = (X[0], Y), (V, RNG.standard_normal(3))
    _, jv = npgrad.func.jvp(
        fn(npgrad), tuple(t(npgrad, a) for a in xs), tuple(t(npgrad, a) for a in vs)
    )
    h = 1e-6
    plus = fn(npgrad)(*(t(npgrad, a + h * v) for a, v in zip(xs, vs)))
    minus = fn(npgrad)(*(t(npgrad, a - h * v) for a, v in zip(xs, vs)))
    for got, p, q in zip(jv, plus, minus):
        fd = (p.numpy() - q.numpy()) / (2 * h)
        np.testing.assert_allclose(got.numpy(), fd, rtol=1e-6, atol=1e-8)


# --- autograd.functional with forward mode -----------------------------------------------------
def _jac(m, fn, inputs, **kwargs):
    return m.autograd.functional.jacobian(
        fn, inputs, vectorize=True, strategy="forward-mode", **kwargs
    )


@pytest.mark.parametrize(
    "case",
    [
        lambda m: _jac(m, lambda x: x.sin() * x.exp(), t(m, Y)),
        lambda m: _jac(m, lambda x, y: ((x * y).sin(), x.exp() * y), (t(m, X), t(m, Y))),
        lambda m: _jac(m, lambda x, y: (x * y).sin() + y, (t(m, X), t(m, Y))),
        lambda m: _jac(m, lambda x: (x.sin() * 2.0, x.exp()), t(m, Y)),
        lambda m: _jac(m, lambda x, y: (x.exp(), m.ones(2)), (t(m, Y), t(m, V))),
        lambda m: _jac(m, lambda x: x * x, t(m, Y, requires_grad=True)),
        lambda m: m.autograd.functional.hessian(
            lambda x: (x**3 * x.exp()).sum(),
            t(m, Y),
            vectorize=True,
            outer_jacobian_strategy="forward-mode",
        ),
        lambda m: m.autograd.functional.hessian(
            lambda a, b: (a * b.exp()).sum() * a.sum(),
            (t(m, Y), t(m, V)),
            vectorize=True,
            outer_jacobian_strategy="forward-mode",
        ),
    ],
)
def test_functional_forward_mode_matches_torch(case):
    """Values, requires_grad and structure (torch's forward mode gives lists where its
    reverse mode gives tuples)."""
    same(case)


def test_functional_hessian_forward_mode_leaves_inputs_alone():
    x = t(npgrad, Y)
    npgrad.autograd.functional.hessian(
        lambda a: (a**3).sum(), x, vectorize=True, outer_jacobian_strategy="forward-mode"
    )
    assert not x.requires_grad and x.grad is None


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (  # N06
            lambda m: m.autograd.functional.jacobian(
                lambda x: x.sin(), m.zeros(2), strategy="forward-mode"
            ),
            NotImplementedError,
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly "
            "implemented for `vectorize=True`.",
        ),
        (
            lambda m: m.autograd.functional.hessian(
                lambda x: (x**3).sum(), m.zeros(2), outer_jacobian_strategy="forward-mode"
            ),
            NotImplementedError,
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly "
            "implemented for `vectorize=True`.",
        ),
        (
            lambda m: _jac(m, lambda x: x.sin(), m.zeros(2), create_graph=True),
            NotImplementedError,
            "torch.autograd.functional.jacobian: `create_graph=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`create_graph=False` or `strategy="reverse-mode"`.',
        ),
        (
            lambda m: _jac(m, lambda x: x.sin(), m.zeros(2), strict=True),
            RuntimeError,
            "torch.autograd.functional.jacobian: `strict=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`strict=False` or `strategy="reverse-mode"`.',
        ),
    ],
)
def test_functional_forward_mode_errors(call, exc, message):
    raises_same(call, exc, message)
