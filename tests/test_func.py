"""npgrad.func against torch.func: values, gradients, output structures, has_aux, argnums,
composition (grad of grad, vmap of grad/jacrev, jacrev of jacrev), vmap's batching, and
functional_call; errors by type and key words."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import npgrad
import npgrad.func
from torch_oracle import raises_same, same_closely

RNG = np.random.default_rng(11)
X = RNG.uniform(0.5, 1.5, (4, 3))
Y = RNG.uniform(0.5, 1.5, (3,))
W = RNG.standard_normal((3, 2))


def F(m):
    return npgrad.func if m is npgrad else torch.func


def t(m, a, requires_grad=False):
    return m.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


same = same_closely


# --- grad and grad_and_value -------------------------------------------------------------------
def f_scalar(x):
    return (x.sin() * x).sum()


def f_two(x, y):
    return ((x * y).exp()).sum() + (y**3).sum()


@pytest.mark.parametrize(
    "case",
    [
        lambda m: F(m).grad(f_scalar)(t(m, X)),
        lambda m: F(m).grad(f_two)(t(m, X), t(m, Y)),
        lambda m: F(m).grad(f_two, argnums=1)(t(m, X), t(m, Y)),
        lambda m: F(m).grad(f_two, argnums=-1)(t(m, X), t(m, Y)),
        lambda m: F(m).grad(f_two, argnums=(0, 1))(t(m, X), t(m, Y)),
        lambda m: F(m).grad(f_two, argnums=(1, 0))(t(m, X), t(m, Y)),
        lambda m: F(m).grad_and_value(f_two, argnums=(0, 1))(t(m, X), t(m, Y)),
        lambda m: F(m).grad(lambda x, y: (x**2).sum(), argnums=1)(t(m, X), t(m, Y)),
        lambda m: F(m).grad(lambda x: m.ones(()).double())(t(m, Y)),
        lambda m: F(m).grad(lambda d: (d["a"] * d["b"][0]).sum())(
            {"a": t(m, Y), "b": [t(m, Y) * 2]}
        ),
        lambda m: F(m).grad(lambda x: ((x**2).sum(), {"aux": x.cos()}), has_aux=True)(t(m, Y)),
        lambda m: F(m).grad_and_value(lambda x: ((x**2).sum(), x.cos()), has_aux=True)(t(m, Y)),
        lambda m: F(m).grad(lambda x, k: (x**k).sum())(t(m, Y), 3),
        lambda m: F(m).grad(lambda x, *, k: (x**k).sum())(t(m, Y), k=3),
    ],
)
def test_grad_matches_torch(case):
    same(case)


def test_grad_of_grad_and_third_derivative():
    def cube(x):
        return (x**3).sin().sum()

    same(lambda m: F(m).grad(F(m).grad(lambda x: (x**3).sin()))(t(m, 0.7)))
    same(lambda m: F(m).grad(F(m).grad(F(m).grad(lambda x: (x**3).sin())))(t(m, 0.7)))
    # grad of a function of grad: the inner gradient stays differentiable.
    same(lambda m: F(m).grad(lambda x: F(m).grad(cube)(x).pow(2).sum())(t(m, Y)))


def test_grad_through_captured_and_outer_autograd():
    """A captured tensor that requires grad keeps the result differentiable, as in torch."""

    def run(m):
        w = t(m, Y, requires_grad=True)
        g = F(m).grad(lambda x: (x * w).sin().sum())(t(m, Y))
        (g * g).sum().backward()
        return g, w.grad

    same(run)

    def outer(m):
        x = t(m, Y, requires_grad=True)
        g = F(m).grad(lambda v: (v**3).sum())(x)
        return g, m.autograd.grad(g.sum(), x)[0]

    same(outer)


def test_grad_under_no_grad_still_differentiates():
    def run(m):
        with m.no_grad():
            return F(m).grad(f_scalar)(t(m, X))

    same(run)


@pytest.mark.parametrize(
    "call, keys",
    [
        (lambda m: F(m).grad(lambda x: x)(t(m, Y)), ["scalar Tensor", "1 dims"]),
        (lambda m: F(m).grad(lambda x: 1.0)(t(m, Y)), ["return a Tensor"]),
        (lambda m: F(m).grad(f_scalar, argnums=2)(t(m, Y)), ["argnum=2", "1 positional"]),
        (lambda m: F(m).grad(f_two, argnums=(0, 0))(t(m, X), t(m, Y)), ["unique"]),
        (lambda m: F(m).grad(f_scalar, argnums=1.0)(t(m, Y)), ["argnums must be int"]),
        (lambda m: F(m).grad(f_scalar, has_aux=True)(t(m, Y)), ["(output, aux)"]),
        (
            lambda m: F(m).grad(lambda x: (x.sum(), 1, 2), has_aux=True)(t(m, Y)),
            ["(output, aux)"],
        ),
    ],
)
def test_grad_errors(call, keys):
    raises_same(call, RuntimeError, *keys)


# --- vjp and jvp -----------------------------------------------------------------------------
def _vjp_case(m, func, primals, cots, has_aux=False):
    res = F(m).vjp(func, *primals, has_aux=has_aux)
    first = res[1](cots)
    second = res[1](cots)  # the graph is kept: vjp_fn can be called again
    return (res[0], first, second) + ((res[2],) if has_aux else ())


@pytest.mark.parametrize(
    "case",
    [
        lambda m: _vjp_case(m, lambda x: x.exp() * 2, (t(m, X),), t(m, X * 3)),
        lambda m: _vjp_case(
            m, lambda x, y: (x @ y, (x * x).sum()), (t(m, X), t(m, Y)), (t(m, X[:, 0]), t(m, 2.0))
        ),
        lambda m: _vjp_case(m, lambda x, y: x.sin(), (t(m, Y), t(m, Y)), t(m, Y)),
        lambda m: _vjp_case(m, lambda x: (x.sin(), {"c": x.cos()}), (t(m, Y),), t(m, Y), True),
        lambda m: _vjp_case(
            m, lambda d: {"s": d["a"] * d["b"]}, ({"a": t(m, Y), "b": t(m, Y)},), {"s": t(m, Y)}
        ),
    ],
)
def test_vjp_matches_torch(case):
    same(case)


@pytest.mark.parametrize(
    "case",
    [
        lambda m: F(m).jvp(lambda x: x.exp() * x, (t(m, X),), (t(m, X * 0.5),)),
        lambda m: F(m).jvp(lambda x, y: x @ y, (t(m, X), t(m, Y)), (t(m, X), t(m, -Y))),
        lambda m: F(m).jvp(lambda x: (x.sin(), x.sum()), (t(m, Y),), (t(m, Y),)),
        lambda m: F(m).jvp(lambda x, y: y.tanh(), (t(m, Y), t(m, Y)), (t(m, Y), t(m, Y))),
        lambda m: F(m).jvp(lambda x: (x.sin(), x.cos()), (t(m, Y),), (t(m, Y),), has_aux=True),
        lambda m: F(m).jvp(lambda x: m.ones(2).double(), (t(m, Y),), (t(m, Y),)),
    ],
)
def test_jvp_matches_torch(case):
    same(case)


@pytest.mark.parametrize(
    "call, keys",
    [
        (lambda m: F(m).jvp(lambda x: x, t(m, Y), t(m, Y)), ["primals to be a tuple"]),
        (
            lambda m: F(m).jvp(lambda x: x, (t(m, Y),), (t(m, Y), t(m, Y))),
            ["same python structure"],
        ),
        (lambda m: F(m).jvp(lambda x: x, (t(m, Y),), [t(m, Y)]), ["same python structure"]),
        (lambda m: F(m).jvp(lambda x: x, (t(m, Y),), (t(m, Y[:2]),)), ["different size"]),
        (lambda m: F(m).vjp(lambda x: (x, x), t(m, Y))[1](t(m, Y)), ["pytree structure"]),
        (lambda m: F(m).vjp(lambda x: x, t(m, Y))[1](t(m, Y[:2])), ["Mismatch in shape"]),
    ],
)
def test_vjp_jvp_errors(call, keys):
    raises_same(call, RuntimeError, *keys)


# --- Jacobians and Hessians ----------------------------------------------------------------------
@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize(
    "case",
    [
        lambda jac, m: jac(lambda x: x.sin() * x.sum())(t(m, Y)),
        lambda jac, m: jac(lambda x, y: x @ y, argnums=(0, 1))(t(m, X), t(m, Y)),
        lambda jac, m: jac(lambda x, y: x @ y, argnums=1)(t(m, X), t(m, Y)),
        lambda jac, m: jac(lambda x: (x.exp(), {"n": (x * x).sum()}))(t(m, Y)),
        lambda jac, m: jac(lambda x: (x.exp(), x.sum()), has_aux=True)(t(m, Y)),
        lambda jac, m: jac(lambda d: d["a"] * d["b"])({"a": t(m, Y), "b": t(m, Y)}),
        lambda jac, m: jac(lambda x, y: y.sum() * 2.0)(t(m, Y), t(m, Y)),
    ],
)
def test_jacobians_match_torch(transform, case):
    same(lambda m: case(getattr(F(m), transform), m))


def test_jacrev_of_jacrev_and_hessian():
    def fn(x):
        return (x.sin() * x.prod()).sum()

    same(lambda m: F(m).jacrev(F(m).jacrev(lambda x: x.sin() * x.prod()))(t(m, Y)))
    same(lambda m: F(m).hessian(fn)(t(m, Y)))
    same(lambda m: F(m).hessian(lambda x, y: (x * y.exp()).sum(), argnums=(0, 1))(t(m, Y), t(m, Y)))
    same(lambda m: F(m).jacfwd(F(m).jacrev(fn))(t(m, Y)))


# --- vmap ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case",
    [
        lambda m: F(m).vmap(lambda x: x.sin() * 2 + x.exp())(t(m, X)),
        lambda m: F(m).vmap(lambda x: x.sum())(t(m, X)),
        lambda m: F(m).vmap(lambda x, w: x @ w, in_dims=(0, None))(t(m, X), t(m, W)),
        lambda m: F(m).vmap(lambda x, y: x * y, in_dims=(1, 0))(t(m, X), t(m, Y)),
        lambda m: F(m).vmap(lambda x: x.cumsum(0), in_dims=1, out_dims=1)(t(m, X)),
        lambda m: F(m).vmap(lambda x: (x.exp(), x.sum()), out_dims=(1, 0))(t(m, X)),
        lambda m: F(m).vmap(lambda x: {"a": x * 2, "b": [x.max()]})(t(m, X)),
        lambda m: F(m).vmap(lambda x, c: x * c, in_dims=(0, None))(t(m, X), 3.0),
        lambda m: F(m).vmap(lambda p: p[0] * p[1], in_dims=((0, 1),))((t(m, X), t(m, X.T))),
        lambda m: F(m).vmap(lambda x, y: x + y, in_dims=(0, None))(t(m, X), t(m, X)),
        lambda m: F(m).vmap(lambda x: m.ones(2).double())(t(m, X)),
        lambda m: F(m).vmap(lambda x, y: y, in_dims=(0, None), out_dims=(None,))(
            t(m, X), (t(m, Y),)
        ),
        lambda m: F(m).vmap(F(m).vmap(lambda x: x.exp() * x))(t(m, X)),
        lambda m: F(m).vmap(F(m).vmap(lambda x, y: x * y.sum(), in_dims=(0, None)))(
            t(m, X), t(m, X)
        ),
        lambda m: F(m).vmap(F(m).vmap(lambda x: x.sin()), in_dims=1, out_dims=1)(t(m, X)),
        lambda m: F(m).vmap(F(m).grad(f_scalar))(t(m, X)),
        lambda m: F(m).vmap(F(m).jacrev(lambda x: x.sin() * x.sum()))(t(m, X)),
        lambda m: F(m).vmap(F(m).grad(f_two, argnums=(0, 1)), in_dims=(0, None))(t(m, X), t(m, Y)),
        lambda m: F(m).grad(lambda x: F(m).vmap(lambda r: (r * r).sin())(x).sum())(t(m, X)),
        lambda m: F(m).jacrev(F(m).vmap(lambda r: r.exp()))(t(m, X[:2])),
    ],
)
def test_vmap_matches_torch(case):
    same(case)


def test_vmap_keeps_outer_graph():
    def run(m):
        x = t(m, X, requires_grad=True)
        out = F(m).vmap(lambda r: r.sin() * r)(x)
        return out.requires_grad, m.autograd.grad(out.sum(), x)[0]

    same(run)


class Counting:
    """A function that counts its calls: one batched call shows as few calls."""

    def __init__(self, fn) -> None:
        self.fn, self.calls = fn, 0
        self.__name__ = "counting"

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


def _np(a):
    return npgrad.tensor(np.array(a, dtype=np.float64))


@pytest.mark.parametrize(
    "fn, args, in_dims, batched",
    [
        (lambda x: (x.sin() * 2 - x.exp() / 3).tanh(), (X,), 0, True),
        (lambda x: npgrad.where(x > 1, x * x, -x).clamp(min=0.2), (X.T,), 1, True),
        (lambda x, y: x * y + y.exp(), (X, Y), (0, None), True),
        (lambda x, y: x.pow(2) + y.sigmoid(), (X.T, X), (1, 0), True),
        # a mapped scalar broadcast against a mapped vector: run at once, the batch dimension
        # of the scalars would meet the vector's last dimension
        (lambda x, y: x.pow(2) + y.sigmoid(), (X.T, X[:, 0]), (1, 0), False),
        (lambda x: x.sum(), (X,), 0, False),  # a reduction: mixes examples if run on the batch
        # ops along dimensions named from the end pass a leading batch dimension through
        (lambda x: x.softmax(-1) * x.sum(-1, keepdim=True), (X,), 0, True),
        (lambda x: x.log_softmax(-1) - x.logsumexp(-1, keepdim=True).exp(), (X.T,), 1, True),
        (lambda x: x.cumsum(-1) / x.norm(dim=-1, keepdim=True), (X,), 0, True),
        (lambda x: x.unsqueeze(-1).transpose(-1, -2).mean(-1), (X,), 0, True),
        (lambda x: npgrad.nn.functional.layer_norm(x, (3,)).var(-1), (X,), 0, True),
        (lambda x: x.max(-1).values + x.amin(-1), (X,), 0, True),
        # the same ops named from the front would act on the batch dimension: loop
        (lambda x: x.softmax(0), (X,), 0, False),
        (lambda x: x.cumsum(0) * x.sum(0), (X,), 0, False),
        (lambda x: x - x.sum(-1), (X,), 0, False),  # a mapped scalar against a mapped vector
        # matrix products with the batch where matmul broadcasts it
        (lambda x: (x @ npgrad.tensor(W)).tanh(), (X,), 0, True),
        (lambda x: npgrad.tensor(W).T @ x.sin(), (X,), 0, False),  # matrix @ mapped vector
        (lambda x: x.dot(x), (X,), 0, False),  # both operands mapped vectors
        (lambda x, y: x.unsqueeze(-1) @ y.unsqueeze(-2), (X, X), 0, True),
        (lambda x, y: x @ y.unsqueeze(-1), (X, Y), (0, None), True),
        (lambda x, y: y.unsqueeze(-2) @ x.unsqueeze(-1), (X, Y), (0, None), True),
        # dot insists on vectors: the batched call raises, and the loop runs instead
        (lambda x, y: x.dot(y), (X, Y), (0, None), False),
        (lambda x, y: x @ y, (X, Y), (0, None), True),
        # x + M with M of shape (4, 3): per example a (4, 3) result, so the batch of 4
        # examples is (4, 4, 3); run at once it would silently give (4, 3).
        (lambda x: x + npgrad.tensor(np.ones((4, 3))), (X,), 0, False),
        (lambda x: x * x.shape[0], (X,), 0, False),  # a Python number read from the shape
        (lambda x: x * float(len(x)), (X,), 0, False),
    ],
)
def test_vmap_batches_elementwise_functions_and_ops_along_trailing_dims(fn, args, in_dims, batched):
    """Elementwise functions and ops along dimensions counted from the end run once on the
    whole batch (plus once on example 0); anything else runs example by example; both give
    the per-example loop's result."""
    args = tuple(_np(a) for a in args)
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    counting = Counting(fn)
    got = npgrad.func.vmap(counting, in_dims=in_dims)(*args)
    size = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
    if batched:
        assert counting.calls == 2
    else:
        assert counting.calls >= size
    loop = [
        fn(*[a.movedim(d, 0)[i] if d is not None else a for a, d in zip(args, dims)])
        for i in range(size)
    ]
    np.testing.assert_allclose(got.numpy(), npgrad.stack(loop).numpy(), rtol=1e-12)


def test_vmap_randomness():
    x = npgrad.tensor(np.ones((4, 3)))

    def noisy(r):
        return r * npgrad.rand(3, dtype=npgrad.float64)

    raises_same(
        lambda m: F(m).vmap(lambda r: r * m.rand(3, dtype=m.float64))(m.ones(4, 3).double()),
        RuntimeError,
        "randomness error mode",
    )
    same_rows = npgrad.func.vmap(noisy, randomness="same")(x).numpy()
    assert np.all(same_rows == same_rows[0]) and len(np.unique(same_rows[0])) == 3
    different = npgrad.func.vmap(noisy, randomness="different")(x).numpy()
    assert len(np.unique(different[:, 0])) == 4
    raises_same(
        lambda m: F(m).vmap(lambda r: r, randomness="foo")(m.ones(2)),
        RuntimeError,
        "randomness",
        "foo",
    )


@pytest.mark.parametrize(
    "call, keys",
    [
        (lambda m: F(m).vmap(lambda x: x, in_dims=(0, 0))(t(m, Y)), ["in_dims is not compatible"]),
        (lambda m: F(m).vmap(lambda x: x, in_dims=1)(t(m, Y)), ["in_dim=1", "dimensionality 1"]),
        (lambda m: F(m).vmap(lambda x, y: x)(t(m, Y), t(m, Y[:2])), ["same size", "[3, 2]"]),
        (lambda m: F(m).vmap(lambda x: x)(1.0), ["non-Tensor", "None"]),
        (lambda m: F(m).vmap(lambda x: x, in_dims=None)(t(m, Y)), ["in_dims", "int"]),
        (lambda m: F(m).vmap(lambda x: 1.0)(t(m, Y)), ["must only return Tensors"]),
        (
            lambda m: F(m).vmap(lambda x: x, out_dims=(0, 1))(t(m, Y)),
            ["out_dims is not compatible"],
        ),
        (lambda m: F(m).vmap(lambda x: x, out_dims=None)(t(m, Y)), ["out_dim is None"]),
    ],
)
def test_vmap_errors(call, keys):
    raises_same(call, ValueError, *keys)


def test_vmap_out_dim_out_of_range():
    raises_same(lambda m: F(m).vmap(lambda x: x, out_dims=1)(t(m, Y)), IndexError, "range")


def test_transforms_of_plain_functions_need_no_requires_grad():
    x = npgrad.tensor(Y)
    for out in (
        npgrad.func.grad(f_scalar)(x),
        npgrad.func.vmap(lambda r: r.exp())(npgrad.tensor(X)),
        npgrad.func.jacrev(lambda r: r.exp())(x),
        npgrad.func.jvp(lambda r: r.exp(), (x,), (x,))[1],
    ):
        assert not out.requires_grad
    assert not x.requires_grad and x.grad is None


# --- functional_call ------------------------------------------------------------------------
def _model(m):
    m.manual_seed(0)
    model = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.Tanh(), m.nn.Linear(4, 2))
    model.double()
    rng = np.random.default_rng(5)
    with m.no_grad():
        for p in model.parameters():
            p.copy_(m.tensor(rng.standard_normal(tuple(p.shape))))
    return model


def _replacements(m):
    rng = np.random.default_rng(6)
    return {
        "0.weight": t(m, rng.standard_normal((4, 3))),
        "3.bias": t(m, rng.standard_normal(2)),
        "1.running_mean": t(m, rng.standard_normal(4)),
    }


def test_functional_call_matches_torch_and_leaves_module_unchanged():
    def run(m):
        model = _model(m).eval()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        out = F(m).functional_call(model, _replacements(m), (t(m, X),))
        after = model.state_dict()
        unchanged = all(np.array_equal(before[k].numpy(), after[k].numpy()) for k in before)
        return out, unchanged, model(t(m, X))

    same(run)


def test_functional_call_gradients_and_grad_of_params():
    def run(m):
        model = _model(m).eval()
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, x):
            return (F(m).functional_call(model, p, (x,)) ** 2).sum()

        return F(m).grad(loss)(params, t(m, X))

    same(run)

    def per_example(m):
        model = _model(m).eval()
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, x):
            return (F(m).functional_call(model, p, (x.unsqueeze(0),)) ** 2).sum()

        return F(m).vmap(F(m).grad(loss), in_dims=(None, 0))(params, t(m, X))

    same(per_example)


def test_functional_call_restores_when_forward_raises():
    model = _model(npgrad)
    weight = model[0].weight
    with pytest.raises(RuntimeError):
        npgrad.func.functional_call(
            model, {"0.weight": npgrad.ones(4, 3).double()}, (npgrad.ones(2, 5).double(),)
        )
    assert model[0].weight is weight and model[0]._parameters["weight"] is weight


def test_functional_call_ties_and_errors():
    def tied(m):
        lin = m.nn.Linear(3, 3, bias=False).double()
        model = m.nn.Sequential(lin, lin)
        return F(m).functional_call(model, {"0.weight": t(m, np.eye(3) * 2)}, t(m, Y))

    same(tied)
    raises_same(
        lambda m: F(m).functional_call(
            _model(m), {"0.weight": t(m, W.T), "foo": t(m, Y)}, (t(m, X),), strict=True
        ),
        RuntimeError,
        "Unexpected key(s): 'foo'",
        "Missing key(s)",
    )
    raises_same(
        lambda m: F(m).functional_call(
            _model(m), ({"3.bias": t(m, Y[:2])}, {"3.bias": t(m, Y[:2])}), (t(m, X),)
        ),
        ValueError,
        "appeared in multiple dictionaries",
    )
