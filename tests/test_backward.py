"""Tensor.backward() and autograd.backward(), with torch as the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import npgrad
from torch_oracle import (
    check_same,
    outcome,
    raises_same,
    same,
    silent_same,
    warns_same,
)

# --- scalar and non-scalar outputs -------------------------------------------------------------


def test_scalar_backward_fills_leaf_grad():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        return x.grad

    same(body)


def test_zero_dim_leaf_backward_twice_accumulates():
    def body(m):
        x = m.tensor(2.0, requires_grad=True)
        x.backward()
        first = x.grad.clone()
        x.backward()
        return first, x.grad

    same(body)


def test_paths_to_the_same_leaf_are_summed():
    def body(m):
        x = m.tensor(3.0, requires_grad=True)
        y = x * x + 2 * x + x.exp() * 0
        y.backward()
        return x.grad

    same(body)


def test_non_scalar_without_gradient_raises():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * 2).backward()

    raises_same(body, RuntimeError, "scalar outputs")


def test_non_scalar_grad_stays_none_after_failed_backward():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        try:
            (x * 2).backward()
        except RuntimeError:
            pass
        return x.grad

    same(body)


def test_one_element_shape_1_output_needs_no_gradient():
    def body(m):
        x = m.tensor([3.0], requires_grad=True)
        y = x * x
        y.backward()
        return y.shape, x.grad

    same(body)


def test_gradient_is_the_vector_of_the_vjp():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x**2
        y.backward(gradient=m.tensor([1.0, 0.1, 0.01]))
        return x.grad

    same(body)


def test_gradient_vjp_through_a_matrix_product():
    def body(m):
        w = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = w.matmul(x)
        y.backward(m.tensor([1.0, -2.0]))
        return w.grad, x.grad

    same(body)


FLOATS = st.floats(-3, 3, allow_nan=False, width=32)


@settings(max_examples=30, deadline=None)
@given(st.lists(FLOATS, min_size=1, max_size=6), st.data())
def test_vjp_matches_torch_for_random_vectors(values, data):
    v = data.draw(st.lists(FLOATS, min_size=len(values), max_size=len(values)))

    def body(m):
        x = m.tensor(values, requires_grad=True)
        y = (x * x).sin() * x + (x * 0.5).exp() - x / 3
        y.backward(m.tensor(v))
        return x.grad

    same(body)


def test_gradient_given_positionally_and_on_a_leaf_itself():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.backward(m.tensor([3.0, 4.0]))
        return x.grad

    same(body)


@pytest.mark.parametrize(
    "grad_shape, out_shape",
    [((2,), (3,)), ((1,), (3,)), ((1,), ()), ((), (1,)), ((3, 1), (3,)), ((2, 3), (3, 2))],
)
def test_gradient_of_wrong_shape_names_both_shapes(grad_shape, out_shape):
    def body(m):
        x = m.ones(out_shape, requires_grad=True)
        (x * 2).backward(m.ones(grad_shape))

    raises_same(
        body, RuntimeError, "Mismatch in shape", str(list(grad_shape)), str(list(out_shape))
    )


def test_gradient_of_other_float_dtype_is_cast():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).backward(m.tensor([1.0, 0.5], dtype=m.float64))
        return x.grad, x.grad.dtype

    same(body)


def test_float64_leaf_gets_float64_grad():
    def body(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x.float() * 2
        y.sum().backward()
        return x.grad, y

    same(body)


def test_gradient_that_requires_grad_does_not_leak_into_grad():
    def body(m):
        x = m.ones(2, requires_grad=True)
        v = m.ones(2, requires_grad=True)
        (x * 2).backward(v)
        return x.grad, v.grad

    same(body)


@pytest.mark.parametrize("kind", ["list_for_vector", "list_for_scalar", "float_for_scalar"])
def test_non_tensor_gradient_raises_type_error(kind):
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        if kind == "list_for_vector":
            (x * 2).backward([1.0, 1.0])
        elif kind == "list_for_scalar":
            (x * 2).sum().backward([1.0])
        else:
            (x * 2).sum().backward(1.0)

    raises_same(body, TypeError)


def test_non_tensor_gradient_message_names_tensors():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward([1.0, 1.0])

    raises_same(body, TypeError, "Tensors", "float")


# --- tensors that do not require grad ---------------------------------------------------------


def test_backward_of_tensor_not_requiring_grad_raises():
    def body(m):
        m.tensor([1.0, 2.0]).sum().backward()

    raises_same(body, RuntimeError, "does not require grad", "grad_fn")


def test_backward_of_result_computed_under_no_grad_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            y = (x * x).sum()
        y.backward()

    raises_same(body, RuntimeError, "does not require grad")


def test_backward_of_detached_result_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        (x * 3).detach().sum().backward()

    raises_same(body, RuntimeError, "does not require grad")


def test_backward_of_comparison_result_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        (x > 0).sum().backward()

    raises_same(body, RuntimeError, "does not require grad")


def test_leaf_outside_the_graph_keeps_grad_none():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        (w.detach() * x).sum().backward()
        return x.grad, w.grad

    same(body)


# --- accumulation and resetting -------------------------------------------------------------


def test_grads_accumulate_across_backward_calls():
    def body(m):
        x = m.tensor([1.0, -2.0], requires_grad=True)
        seen = []
        for _ in range(3):
            (x * x).sum().backward()
            seen.append(x.grad.clone())
        return seen

    same(body)


def test_setting_grad_to_none_resets():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        x.grad = None
        cleared = x.grad
        (x * 3).sum().backward()
        return cleared, x.grad

    same(body)


def test_grad_zero_resets_in_place_and_keeps_the_object():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        g = x.grad
        g.zero_()
        (x * 3).sum().backward()
        return x.grad is g, g

    same(body)


def test_first_accumulation_copies_the_incoming_gradient():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        g = m.ones(2)
        x.backward(g)
        aliased = x.grad is g
        g.mul_(10)
        first = x.grad
        x.backward(m.ones(2))
        return aliased, first is x.grad, x.grad, g

    same(body)


def test_first_accumulation_through_add_does_not_alias_gradient():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        g = m.tensor([5.0, 7.0])
        (x + 1).backward(g)
        g.add_(100)
        return x.grad

    same(body)


def test_later_accumulation_does_not_modify_the_user_gradient():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        g = m.tensor([5.0, 7.0])
        x.backward(m.ones(2))
        x.backward(g)
        return x.grad, g

    same(body)


# --- graph freeing and retain_graph ---------------------------------------------------------


def test_retain_graph_allows_second_backward():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    same(body)


def test_retain_graph_repeatedly_accumulates():
    def body(m):
        x = m.tensor([0.5, 2.0], requires_grad=True)
        y = x.exp().sum()
        for _ in range(3):
            y.backward(retain_graph=True)
        return x.grad

    same(body)


@pytest.mark.parametrize("op", ["mul_self", "exp", "pow", "sigmoid", "matmul"])
def test_second_backward_through_saved_tensors_raises(op):
    def body(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        if op == "mul_self":
            y = x * x
        elif op == "exp":
            y = x.exp()
        elif op == "pow":
            y = x**3
        elif op == "sigmoid":
            y = x.sigmoid()
        else:
            y = x.matmul(x)
        loss = y.sum()
        loss.backward()
        loss.backward()

    raises_same(body, RuntimeError, "second time", "retain_graph")


def test_second_backward_error_leaves_first_grad_intact():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        try:
            y.backward()
        except RuntimeError:
            pass
        return x.grad

    same(body)


OPS_TWICE = {
    "add_scalar": lambda x: x + 1,
    "sub_scalar": lambda x: x - 1,
    "mul_python_scalar": lambda x: x * 2.0,
    "div_python_scalar": lambda x: x / 2.0,
    "neg": lambda x: -x,
    "sum": lambda x: x.sum(),
    "add_self": lambda x: x + x,
    "reshape": lambda x: x.reshape(4),
    "mul_self": lambda x: x * x,
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
}


@pytest.mark.parametrize("name", sorted(OPS_TWICE))
def test_second_backward_without_retain_graph_matches_torch(name):
    """Freeing is per saved tensor: nodes that saved nothing can run twice."""
    op = OPS_TWICE[name]

    def body(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        loss = op(x).sum()
        loss.backward()
        loss.backward()
        return x.grad

    check_same(outcome(body, torch), outcome(body, npgrad))


def test_nodes_without_saved_tensors_run_twice():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad

    same(body)


def test_shared_subgraph_two_losses_second_backward_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        (h * 2).sum().backward()
        (h * 3).sum().backward()

    raises_same(body, RuntimeError, "retain_graph")


def test_summing_losses_avoids_second_backward():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        ((h * 2).sum() + (h * 3).sum()).backward()
        return x.grad

    same(body)


# --- create_graph ---------------------------------------------------------------------------


def test_higher_order_derivatives_with_autograd_grad():
    def body(m):
        x = m.tensor(2.0, requires_grad=True)
        y = x**3
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1, x, create_graph=True)
        (g3,) = m.autograd.grad(g2, x)
        return [(g.detach(), g.requires_grad) for g in (g1, g2, g3)], x.grad

    same(body)


def test_higher_order_derivatives_of_a_vector():
    def body(m):
        x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = (x**3).sum()
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = m.autograd.grad(g2.sum(), x)
        return g1.detach(), g2.detach(), g3

    same(body)


def test_higher_order_derivatives_with_backward_create_graph():
    def body(m):
        x = m.tensor(2.0, requires_grad=True)
        (x**3).backward(create_graph=True)
        g1 = x.grad
        x.grad = None
        g1.backward(create_graph=True)
        g2 = x.grad
        x.grad = None
        g2.backward()
        g3 = x.grad
        return [(g.detach(), g.requires_grad) for g in (g1, g2)], g3

    warns_same(body, UserWarning, "create_graph=True", "autograd.grad", torch_warns=False)


def test_backward_create_graph_grad_requires_grad():
    def body(m):
        x = m.tensor(3.0, requires_grad=True)
        (x**3).backward(create_graph=True)
        return x.grad.detach(), x.grad.requires_grad, x.grad.is_leaf

    warns_same(body, UserWarning, "create_graph=True", torch_warns=False)


def test_create_graph_implies_retain_graph():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x**2).sum()
        m.autograd.grad(y, x, create_graph=True)
        y.backward()
        return x.grad

    same(body)


def test_create_graph_with_retain_graph_false_still_frees():
    def body(m):
        x = m.tensor(2.0, requires_grad=True)
        y = x**2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y.backward(create_graph=True, retain_graph=False)
        y.backward()

    raises_same(body, RuntimeError, "retain_graph")


def test_gradient_requiring_grad_with_create_graph_is_differentiable():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        v = m.tensor([3.0, 4.0], requires_grad=True)
        (g,) = m.autograd.grad(x**2, x, grad_outputs=v, create_graph=True)
        (dv,) = m.autograd.grad(g.sum(), v)
        return g.detach(), g.requires_grad, dv

    same(body)


# --- inputs= --------------------------------------------------------------------------------


def test_inputs_list_accumulates_only_into_listed():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.tensor([2.0, 3.0], requires_grad=True)
        (x * w).sum().backward(inputs=[x])
        return x.grad, w.grad

    same(body)


def test_inputs_single_tensor():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.tensor([2.0, 3.0], requires_grad=True)
        (x * w).sum().backward(inputs=w)
        return x.grad, w.grad

    same(body)


def test_inputs_tuple_of_both():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.tensor([2.0, 3.0], requires_grad=True)
        (x * w * w).sum().backward(inputs=(x, w))
        return x.grad, w.grad

    same(body)


def test_inputs_dict():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.tensor([2.0, 3.0], requires_grad=True)
        (x * w).sum().backward(inputs={"w": w})
        return x.grad, w.grad

    same(body)


def test_inputs_non_leaf_gets_grad_without_warning():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 3
        (y * y).sum().backward(inputs=[y])
        return y.grad, x.grad

    silent_same(body)


def test_inputs_unused_keeps_none():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2, requires_grad=True)
        (x * 2).sum().backward(inputs=[w])
        return x.grad, w.grad

    same(body)


def test_inputs_accumulate_across_calls():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.tensor([2.0, 3.0], requires_grad=True)
        (x * w).sum().backward(inputs=[x])
        (x * w).sum().backward(inputs=[x])
        return x.grad, w.grad

    same(body)


def test_inputs_empty_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        (x * 2).sum().backward(inputs=[])

    raises_same(body, RuntimeError, "inputs", "cannot be empty")


def test_inputs_not_requiring_grad_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2)
        (x * 2).sum().backward(inputs=[w])

    raises_same(body, RuntimeError, "requires_grad=False")


# --- autograd.backward --------------------------------------------------------------------------


def test_autograd_backward_several_roots_with_grad_tensors():
    def body(m):
        x = m.ones(2, requires_grad=True)
        m.autograd.backward([x * 2, (x * 3).sum()], grad_tensors=[m.tensor([1.0, -1.0]), None])
        return x.grad

    same(body)


def test_autograd_backward_single_tensor():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.backward((x**2).sum())
        return x.grad

    same(body)


def test_autograd_backward_grad_tensors_count_mismatch():
    def body(m):
        x = m.ones(2, requires_grad=True)
        m.autograd.backward([x * 2, x * 3], grad_tensors=[m.ones(2)])

    raises_same(body, RuntimeError, "2 tensors", "1 gradients")


def test_autograd_backward_non_scalar_root_with_none_gradient():
    def body(m):
        x = m.ones(2, requires_grad=True)
        m.autograd.backward([x * 2, (x * 3).sum()], grad_tensors=[None, None])

    raises_same(body, RuntimeError, "scalar outputs")


def test_autograd_backward_inputs():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2, requires_grad=True)
        m.autograd.backward([(x * w).sum()], inputs=[w])
        return x.grad, w.grad

    same(body)


def test_exception_inside_backward_propagates_unchanged():
    def body(m):
        class Boom(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                raise ValueError("boom from backward")

        x = m.ones(2, requires_grad=True)
        Boom.apply(x).sum().backward()

    raises_same(body, ValueError, "boom from backward")


# --- the dynamic graph ----------------------------------------------------------------------


def graph_chain(node):
    chain = []
    while node is not None:
        chain.append(node.name())
        node = node.next_functions[0][0] if node.next_functions else None
    return chain


@pytest.mark.parametrize("start, n", [(1.0, 5), (5.0, 3), (20.0, 2), (1.0, 0)])
def test_dynamic_graph_control_flow(start, n):
    def body(m):
        def f(x, n):
            y = x
            for _ in range(n):
                y = y * 2 if y.sum() < 10 else y + 1
            return y.sum()

        x = m.tensor([start], requires_grad=True)
        out = f(x, n)
        out.backward()
        return out, x.grad, graph_chain(out.grad_fn)

    got = same(body)
    assert got[1][2][1][-1] == "torch::autograd::AccumulateGrad"


def test_dynamic_graph_chain_exact_names():
    def body(m):
        x = m.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(5):
            y = y * 2 if y.sum() < 10 else y + 1
        return graph_chain(y.sum().grad_fn)

    got = same(body)
    assert got == (
        "list",
        ["SumBackward0", "AddBackward0"]
        + ["MulBackward0"] * 4
        + ["torch::autograd::AccumulateGrad"],
    )


def test_accumulate_grad_node_introspection():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x + x
        (a, na), (b, nb) = y.grad_fn.next_functions
        return a is b, a.variable is x, a.next_functions, na, nb, a.name()

    same(body)


def test_missing_edge_for_input_not_requiring_grad():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([3.0, 4.0])
        y = x * c
        (first, n0), (second, n1) = y.grad_fn.next_functions
        return first.name(), n0, second, n1

    same(body)


def test_next_functions_names_for_a_small_graph():
    def edges(node):
        return [(None if n is None else n.name(), nr) for n, nr in node.next_functions]

    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        y = (x * w).exp() + x
        exp_node = y.grad_fn.next_functions[0][0]
        return edges(y.grad_fn), edges(exp_node), edges(exp_node.next_functions[0][0])

    same(body)
