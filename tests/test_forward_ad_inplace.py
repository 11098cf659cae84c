"""Forward mode through in-place ops (``mul_``, ``x[i] = v``, ``copy_``, ``zero_``, ``fill_``
…), against torch: the tensor takes the tangent of its new value, written into the memory of
the tangent it had, so a view's tangent stays the view of its base's tangent."""

from __future__ import annotations

import numpy as np
import pytest

from torch_oracle import same

T = [0.5, -1.0, 2.0]


def fw(m):
    return m.autograd.forward_ad


def tangent(m, x):
    """The tangent of ``x`` as a NumPy array (None without one)."""
    t = fw(m).unpack_dual(x).tangent
    return None if t is None else np.array(t.detach().numpy(), copy=True)


def dual(m, values=(1.0, 2.0, 3.0), tangent_values=T):
    return fw(m).make_dual(m.tensor(values), m.tensor(tangent_values))


def test_inplace_on_a_clone_scales_its_tangent():
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            y = d.clone()
            y.mul_(2)
            y.add_(d)
            return tangent(m, y), tangent(m, d)

    same(body)


def test_copy_into_a_tensor_without_tangent_gives_it_one():
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            z = m.zeros(3)
            z.copy_(d)
            copied = tangent(m, z)
            z.mul_(3)  # d's tangent stays as it was
            return copied, tangent(m, z), tangent(m, d)

    same(body)


def test_broadcast_add_into_a_tensor_without_tangent():
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            z = m.zeros(2, 3)
            z.add_(d)
            z[0].mul_(2)
            return tangent(m, z), tangent(m, d)

    same(body)


def test_inplace_on_a_view_updates_the_base_tangent():
    def body(m):
        with fw(m).dual_level():
            z = m.zeros(3)
            z.copy_(dual(m))
            before = z[1:]  # made before the change: it must see it
            z[0:2].mul_(3)
            return tangent(m, z), tangent(m, before)

    same(body)


def test_inplace_on_the_base_updates_the_tangent_of_its_views():
    def body(m):
        with fw(m).dual_level():
            y = dual(m).clone()
            v = y[0:2]
            column = y.view(3, 1)
            y.mul_(5)
            return tangent(m, y), tangent(m, v), tangent(m, column)

    same(body)


def test_inplace_on_a_view_of_a_tensor_without_tangent():
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            z = m.zeros(4)
            z[1:3].copy_(d[:2])
            return tangent(m, z)

    same(body)


@pytest.mark.parametrize(
    "case",
    ["number", "dual_scalar", "slice", "index_tensor", "mask", "fresh_row"],
)
def test_item_assignment(case):
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            y = d.clone()
            if case == "number":
                y[0] = 7.0
            elif case == "dual_scalar":
                y[1] = d[0] * 3
            elif case == "slice":
                y[1:] = d[:2] * 2
            elif case == "index_tensor":
                y[m.tensor([0, 2])] = d[1:] * 4
            elif case == "mask":
                y[m.tensor([True, False, True])] = 0.0
            else:
                y = m.zeros(2, 3)
                y[1] = d
            return tangent(m, y)

    same(body)


@pytest.mark.parametrize("op", ["zero_", "fill_number", "fill_dual", "copy_constant"])
def test_overwriting_ops_write_into_the_existing_tangent(op):
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            y = d.clone()
            view = y[1:]
            if op == "zero_":
                y.zero_()
            elif op == "fill_number":
                y.fill_(2.0)
            elif op == "fill_dual":
                y.fill_(d[2])
            else:
                y.copy_(m.ones(3))
            return tangent(m, y), tangent(m, view)

    same(body)


def test_inplace_on_a_dual_writes_into_its_tangent():
    def body(m):
        with fw(m).dual_level():
            t = m.tensor(T)
            d = fw(m).make_dual(m.tensor([1.0, 2.0, 3.0]), t)
            d.mul_(2)
            return tangent(m, d), np.array(t.numpy(), copy=True)

    same(body)


def test_inplace_on_a_dual_with_an_expanded_tangent():
    def body(m):
        with fw(m).dual_level():
            d = fw(m).make_dual(m.zeros(3), m.ones(1).expand(3))
            d.mul_(2)
            return tangent(m, d)

    same(body)


def test_inplace_on_a_dual_made_of_a_view():
    def body(m):
        with fw(m).dual_level():
            b = m.zeros(4)
            v = fw(m).make_dual(b[1:3], m.ones(2))
            v.mul_(2)
            return tangent(m, b), tangent(m, v)

    same(body)


@pytest.mark.parametrize(
    "op",
    ["relu_inplace", "masked_fill_", "index_add_", "scatter_", "index_put_accumulate", "clamp_"],
)
def test_inplace_methods(op):
    def body(m):
        with fw(m).dual_level():
            d = fw(m).make_dual(m.tensor([1.0, -2.0, 3.0]), m.tensor(T))
            y = d.clone()
            if op == "relu_inplace":
                m.nn.functional.relu(y, inplace=True)
            elif op == "masked_fill_":
                y.masked_fill_(m.tensor([True, False, False]), 5.0)
            elif op == "index_add_":
                y.index_add_(0, m.tensor([2, 2]), d[:2] * 3)
            elif op == "scatter_":
                y.scatter_(0, m.tensor([1]), d[2:])
            elif op == "index_put_accumulate":
                y.index_put_((m.tensor([0, 0]),), d[1:], accumulate=True)
            else:
                y.clamp_(-1.0, 2.0)
            return tangent(m, y)

    same(body)


def test_no_tangent_anywhere_gives_none():
    def body(m):
        with fw(m).dual_level():
            dual(m)  # the level has a dual, but not these tensors
            z = m.zeros(3)
            z.add_(m.ones(3))
            z[0] = 2.0
            return tangent(m, z)

    same(body)


@pytest.mark.parametrize("on_view", [False, True])
def test_gradient_of_a_tangent_through_an_inplace_op(on_view):
    """Reverse over forward: the written tangent stays differentiable."""

    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with fw(m).dual_level():
            d = fw(m).make_dual(x, m.tensor(T))
            y = d * d
            if on_view:
                y[1:].mul_(d[:2])
            else:
                y.mul_(d)
            t = fw(m).unpack_dual(y).tangent
            (g,) = m.autograd.grad((t * m.tensor([1.0, -2.0, 0.5])).sum(), x)
        return np.array(t.detach().numpy(), copy=True), g

    same(body)


def test_forward_over_reverse_through_an_inplace_op():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with fw(m).dual_level():
            d = fw(m).make_dual(x, m.tensor(T))
            y = d.sin()
            y[0:2].mul_(d[1:])
            (g,) = m.autograd.grad(y.sum(), d, create_graph=True)
            return tangent(m, g)

    same(body)


def test_inplace_leaves_the_tangent_of_an_input_alone():
    def body(m):
        with fw(m).dual_level():
            d = dual(m)
            y = d + 1
            y.mul_(2)
            return tangent(m, y), tangent(m, d)

    same(body)


@pytest.mark.parametrize("grad_mode", ["enabled", "no_grad"])
def test_inplace_on_a_tensor_requiring_grad(grad_mode):
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with fw(m).dual_level():
            d = dual(m)
            y = x * 1
            if grad_mode == "no_grad":
                with m.no_grad():
                    y.add_(d)
                    y[1:].mul_(d[:2])
            else:
                y.add_(d)
                y[1:].mul_(d[:2])
            return tangent(m, y), y

    same(body)
