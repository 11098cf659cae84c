"""torch.autograd.grad, with torch as the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

import numpy as np

import npgrad
from torch_oracle import (
    raises_same,
    same,
)

# --- results and .grad ------------------------------------------------------------------------


def test_grad_returns_tuple_and_leaves_grad_alone():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        g = m.autograd.grad((x * x).sum(), x)
        return type(g).__name__, g, x.grad

    same(body)


def test_grad_does_not_touch_existing_grad():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        before = x.grad.clone()
        g = m.autograd.grad((x * x).sum(), [x])
        return g, before, x.grad

    same(body)


def test_grad_several_inputs_in_order():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, -1.0], requires_grad=True)
        b = m.tensor(0.5, requires_grad=True)
        out = ((x * w).sum() + b) ** 2
        return m.autograd.grad(out, [b, w, x]), x.grad, w.grad, b.grad

    same(body)


def test_grad_same_input_listed_twice():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        return m.autograd.grad((x**3).sum(), [x, x])

    same(body)


def test_grad_fills_retained_grad_of_intermediate():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        g = m.autograd.grad((y * y).sum(), x)
        return g, y.grad, x.grad

    same(body)


def test_grad_wrt_non_leaf_input():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = (y * y).sum()
        return m.autograd.grad(z, y), x.grad

    same(body)


def test_grad_wrt_non_leaf_does_not_run_nodes_below_it():
    def body(m):
        calls = []

        class Probe(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                calls.append("probe")
                return g

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Probe.apply(x) * 3
        g = m.autograd.grad((y * y).sum(), y)
        return g, calls

    same(body)


def test_grad_dict_inputs_give_dict():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        g = m.autograd.grad((x * w).sum(), {"x": x, "w": w})
        return type(g).__name__, g

    same(body)


def test_grad_inputs_empty_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * 2).sum(), [])

    raises_same(body, RuntimeError, "inputs", "cannot be empty")


def test_grad_only_inputs_is_accepted():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        return m.autograd.grad((x * x).sum(), x, only_inputs=True)

    same(body)


# --- grad_outputs ---------------------------------------------------------------------------


def test_grad_outputs_is_the_vjp_vector():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        return m.autograd.grad(x**2, x, grad_outputs=m.tensor([1.0, 0.1, 0.01]))

    same(body)


def test_grad_non_scalar_without_grad_outputs_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad(x * 2, x)

    raises_same(body, RuntimeError, "scalar outputs")


def test_grad_outputs_wrong_shape_raises():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        m.autograd.grad(x * 2, x, grad_outputs=m.ones(2))

    raises_same(body, RuntimeError, "Mismatch in shape", "[2]", "[3]")


def test_grad_several_outputs_with_none_for_scalars():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        outs = [(x * x).sum(), x * 3]
        return m.autograd.grad(outs, x, grad_outputs=[None, m.tensor([1.0, -1.0])])

    same(body)


def test_grad_outputs_count_mismatch_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad([x * 2, x * 3], x, grad_outputs=[m.ones(2)])

    raises_same(body, RuntimeError, "2 tensors", "1 gradients")


# --- unused inputs --------------------------------------------------------------------------


def test_grad_unused_input_raises_naming_its_index():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        u = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * 2).sum(), [x, u])

    raises_same(body, RuntimeError, "index 1", "allow_unused")


def test_grad_unused_first_input_names_index_0():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        u = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * 2).sum(), [u, x])

    raises_same(body, RuntimeError, "index 0", "allow_unused")


def test_grad_allow_unused_gives_none():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        u = m.tensor([1.0, 2.0], requires_grad=True)
        return m.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)

    same(body)


def test_grad_materialize_grads_gives_zeros():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        u = m.tensor([[1.0, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
        a = m.autograd.grad((x * 2).sum(), [x, u], allow_unused=True, materialize_grads=True)
        b = m.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
        return a, b

    same(body)


def test_grad_materialize_grads_with_allow_unused_false_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)

    raises_same(body, ValueError, "allow_unused", "materialize_grads")


def test_grad_input_reached_only_through_detach_is_unused():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([1.0, 2.0], requires_grad=True)
        return m.autograd.grad((x * w.detach()).sum(), [x, w], allow_unused=True)

    same(body)


# --- tensors that do not require grad ---------------------------------------------------------


def test_grad_input_not_requiring_grad_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([1.0, 2.0])
        m.autograd.grad((x * c).sum(), [x, c])

    raises_same(body, RuntimeError, "does not require grad")


def test_grad_output_not_requiring_grad_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad(m.tensor([1.0, 2.0]).sum(), x)

    raises_same(body, RuntimeError, "does not require grad")


def test_grad_non_tensor_input_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * 2).sum(), [x, 1.0])

    raises_same(body, RuntimeError, "Tensors", "float")


# --- graph freeing and create_graph ------------------------------------------------------------


def test_grad_frees_graph_second_call_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        m.autograd.grad(y, x)
        m.autograd.grad(y, x)

    raises_same(body, RuntimeError, "retain_graph")


def test_grad_retain_graph_allows_repeat():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        a = m.autograd.grad(y, x, retain_graph=True)
        b = m.autograd.grad(y, x)
        return a, b

    same(body)


def test_grad_create_graph_gives_differentiable_grads():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (g,) = m.autograd.grad((x**3).sum(), x, create_graph=True)
        has_fn = g.grad_fn is not None
        (h,) = m.autograd.grad(g.sum(), x)
        return g.detach(), g.requires_grad, g.is_leaf, has_fn, h, h.requires_grad

    same(body)


def test_grad_without_create_graph_gives_plain_tensors():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (g,) = m.autograd.grad((x**3).sum(), x)
        return g

    same(body)


def test_grad_create_graph_mixed_partials():
    def body(m):
        x = m.tensor(1.5, requires_grad=True)
        y = m.tensor(-0.5, requires_grad=True)
        f = x * x * y + y.exp() * x
        gx, gy = m.autograd.grad(f, [x, y], create_graph=True)
        (gxy,) = m.autograd.grad(gx, y, retain_graph=True)
        (gyx,) = m.autograd.grad(gy, x)
        return gx.detach(), gy.detach(), gxy, gyx

    same(body)


def test_grad_of_grad_norm_penalty():
    def body(m):
        w = m.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        x = m.tensor([1.0, 3.0])
        loss = ((w.matmul(x)).tanh() ** 2).sum()
        (g,) = m.autograd.grad(loss, w, create_graph=True)
        penalty = (g * g).sum()
        penalty.backward()
        return g.detach(), w.grad

    same(body)


def test_returned_gradients_do_not_share_memory_with_each_other_or_the_seed():
    x = npgrad.ones(3, requires_grad=True)
    y = npgrad.ones(3, requires_grad=True)
    v = npgrad.tensor([1.0, 2.0, 3.0])
    gx, gy = npgrad.autograd.grad(x + y, (x, y), v)
    (gv,) = npgrad.autograd.grad(x.view(3), x, v)
    arrays = [gx.numpy(), gy.numpy(), gv.numpy(), v.numpy()]
    for i, a in enumerate(arrays):
        for b in arrays[i + 1 :]:
            assert not np.shares_memory(a, b)
    assert gx.tolist() == gy.tolist() == gv.tolist() == [1.0, 2.0, 3.0]
