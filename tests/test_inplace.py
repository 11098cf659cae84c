"""In-place ops, version counters and saved-tensor checks; torch is the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

import pytest

from torch_oracle import (
    raises_same,
    same,
)

INPLACE_OPS = {
    "add_": lambda m, t: t.add_(m.tensor([1.0, -2.0, 3.0])),
    "add_scalar": lambda m, t: t.add_(2.5),
    "sub_": lambda m, t: t.sub_(m.tensor([1.0, -2.0, 3.0])),
    "mul_": lambda m, t: t.mul_(m.tensor([2.0, -1.0, 0.5])),
    "mul_scalar": lambda m, t: t.mul_(3.0),
    "div_": lambda m, t: t.div_(m.tensor([2.0, -4.0, 0.5])),
    "zero_": lambda m, t: t.zero_(),
    "fill_": lambda m, t: t.fill_(7.0),
    "copy_": lambda m, t: t.copy_(m.tensor([9.0, 8.0, 7.0])),
    "copy_broadcast": lambda m, t: t.copy_(m.tensor([4.0])),
    "clamp_": lambda m, t: t.clamp_(min=1.5, max=4.0),
    "clamp_min": lambda m, t: t.clamp_(min=2.5),
}


def iadd(m, t):
    t += m.tensor([1.0, 1.0, 1.0])
    return t


def isub(m, t):
    t -= 0.5
    return t


def imul(m, t):
    t *= m.tensor([2.0, 3.0, 4.0])
    return t


def idiv(m, t):
    t /= 4.0
    return t


INPLACE_OPS.update({"+=": iadd, "-=": isub, "*=": imul, "/=": idiv})


# --- values, identity and versions on plain tensors -------------------------------------------


@pytest.mark.parametrize("name", sorted(INPLACE_OPS))
def test_inplace_values_identity_and_version(name):
    op = INPLACE_OPS[name]

    def body(m):
        t = m.tensor([1.0, 2.0, 5.0])
        out = op(m, t)
        return out is t, t, t._version

    same(body)


def test_inplace_ops_return_self():
    def body(m):
        t = m.tensor([1.0, 2.0])
        return [t.add_(1) is t, t.mul_(2) is t, t.zero_() is t, t.fill_(3.0) is t]

    same(body)


def test_item_assignment_values_and_version():
    def body(m):
        t = m.zeros(2, 3)
        t[0] = 5.0
        t[1, 2] = m.tensor(-1.0)
        t[:, 0] = m.tensor([7.0, 8.0])
        t[t > 6] = 0.5
        return t, t._version

    same(body)


def test_version_counts_every_inplace_op():
    def body(m):
        t = m.zeros(3)
        versions = [t._version]
        t.add_(1)
        versions.append(t._version)
        t[0] = 2.0
        versions.append(t._version)
        t -= 1
        versions.append(t._version)
        t.mul_(2).add_(1)
        versions.append(t._version)
        t + 1
        versions.append(t._version)
        return versions

    same(body)


def test_version_shared_with_index_view_and_detach():
    def body(m):
        x = m.zeros(2, 3)
        row = x[0]
        d = x.detach()
        before = (x._version, row._version, d._version)
        row.add_(1)
        after_row = (x._version, row._version, d._version)
        d.mul_(2)
        after_detach = (x._version, row._version, d._version)
        return before, after_row, after_detach, x, row, d

    same(body)


def test_version_shared_with_view():
    def body(m):
        x = m.zeros(2, 3)
        v = x.view(6)
        v.add_(1)
        first = (x._version, v._version)
        x.mul_(3)
        return first, (x._version, v._version), x, v

    same(body)


def test_data_does_not_share_the_version():
    def body(m):
        x = m.zeros(3)
        x.data.add_(1)
        return x, x._version

    same(body)


# --- leaves that require grad ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INPLACE_OPS))
def test_inplace_on_leaf_requiring_grad_raises(name):
    op = INPLACE_OPS[name]

    def body(m):
        x = m.tensor([1.0, 2.0, 5.0], requires_grad=True)
        op(m, x)

    raises_same(body, RuntimeError, "leaf Variable", "in-place")


def test_item_assignment_on_leaf_requiring_grad_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x[0] = 3.0

    raises_same(body, RuntimeError, "leaf Variable", "in-place")


def test_inplace_on_view_of_leaf_requiring_grad_raises():
    def body(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x[0].add_(1)

    raises_same(body, RuntimeError, "view of a leaf Variable", "in-place")


def test_inplace_on_leaf_failure_keeps_values_and_version():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        try:
            x.add_(1)
        except RuntimeError:
            pass
        return x, x._version

    same(body)


def test_inplace_on_leaf_inside_no_grad_works():
    def body(m):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with m.no_grad():
            w -= 0.1 * w.grad
            w[0] = 5.0
            w.mul_(2)
        return w, w._version, w.grad

    same(body)


def test_optimizer_style_loop():
    def body(m):
        w = m.tensor([2.0, -3.0], requires_grad=True)
        losses = []
        for _ in range(5):
            loss = (w * w).sum()
            losses.append(loss.item())
            loss.backward()
            with m.no_grad():
                w.sub_(0.25 * w.grad)
            w.grad.zero_()
        return losses, w

    same(body)


# --- saved tensors modified in place ----------------------------------------------------------


def test_modifying_saved_output_raises_naming_versions():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version 1", "expected version 0")


def test_modifying_saved_output_error_names_the_forward_op():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, "output 0 of Exp")


def test_modifying_saved_input_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = m.tensor([3.0, 4.0])
        y = x * a
        a.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version 1", "expected version 0")


def test_modifying_saved_input_twice_reports_version_2():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = h * h
        h.mul_(2)
        h.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, "version 2", "expected version 0")


def test_modifying_saved_sigmoid_output_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.sigmoid()
        y.mul_(2)
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version")


def test_modifying_saved_tensor_through_detach_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.detach().zero_()
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version")


def test_modifying_saved_tensor_by_item_assignment_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = y * y
        with m.no_grad():
            y[0] = 0.0
        z.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version")


def test_modifying_saved_tensor_through_data_is_not_detected():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = m.tensor([3.0, 4.0])
        y = x * a
        a.data.zero_()
        y.sum().backward()
        return x.grad, a._version

    same(body)


def test_modifying_unsaved_tensor_is_fine():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = m.tensor([3.0, 4.0])
        y = x + a
        a.add_(1)
        y.sum().backward()
        return x.grad

    same(body)


# --- in-place on non-leaves: recorded ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INPLACE_OPS))
def test_inplace_on_non_leaf_records_and_gives_correct_grads(name):
    op = INPLACE_OPS[name]

    def body(m):
        x = m.tensor([1.0, 2.0, 5.0], requires_grad=True)
        y = x * 2
        before = type(y.grad_fn).__name__
        out = op(m, y)
        after = type(y.grad_fn).__name__
        (y * m.tensor([1.0, 10.0, 100.0])).sum().backward()
        return before, after, out is y, y.detach(), y.requires_grad, x.grad, y._version

    same(body)


def test_inplace_on_non_leaf_changes_grad_fn():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        names = [y.grad_fn.name()]
        y.add_(1)
        names.append(y.grad_fn.name())
        chain = y.grad_fn.next_functions[0][0].name()
        (y * y).sum().backward()
        return names, chain, y.is_leaf, x.grad

    same(body)


def test_chain_of_inplace_ops_on_non_leaf():
    def body(m):
        x = m.tensor([0.5, 1.0, 1.5], requires_grad=True)
        w = m.tensor([2.0, -1.0, 3.0], requires_grad=True)
        y = x * 1
        y.mul_(w)
        y.add_(x)
        y.sub_(w * 0.5)
        y.div_(w)
        y.exp_()
        y.sum().backward()
        return y, x.grad, w.grad

    same(body)


def test_inplace_with_grad_operand_on_non_leaf():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, -1.0], requires_grad=True)
        y = x * 1
        y *= w
        y += w
        (y * y).sum().backward()
        return y, x.grad, w.grad

    same(body)


def test_copy_from_grad_requiring_source():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, -1.0], requires_grad=True)
        y = x * 2
        y.copy_(w * 3)
        (y * y).sum().backward()
        return y.detach(), type(y.grad_fn).__name__, x.grad, w.grad

    same(body)


def test_copy_grad_fn_name():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.copy_(m.tensor([3.0, 4.0]))
        return y.grad_fn.name()

    same(body)


def test_fill_with_grad_requiring_zero_dim_tensor():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = m.tensor(4.0, requires_grad=True)
        y = x * 2
        y.fill_(v)
        (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y, x.grad, v.grad

    same(body)


def test_inplace_with_grad_operand_makes_tensor_require_grad():
    def body(m):
        w = m.tensor([3.0, -1.0], requires_grad=True)
        a = m.zeros(2)
        a.add_(w)
        flags = (a.requires_grad, a.is_leaf, a.grad_fn.name())
        (a * a).sum().backward()
        return flags, w.grad

    same(body)


def test_augmented_assignment_with_grad_operand_on_plain_tensor():
    def body(m):
        w = m.tensor([3.0, -1.0], requires_grad=True)
        a = m.ones(2)
        a *= w
        (a * 2).sum().backward()
        return a, w.grad

    same(body)


# --- item assignment (recorded) ---------------------------------------------------------------


def test_item_assignment_gradients_to_value_and_rest():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = m.tensor(10.0, requires_grad=True)
        y = x * 2
        y[1] = v
        (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y.detach(), y.requires_grad, y.is_leaf, x.grad, v.grad

    same(body)


def test_slice_assignment_gradients():
    def body(m):
        x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        v = m.tensor([7.0, 8.0], requires_grad=True)
        y = x * 1
        y[:, 1] = v * v
        (y * y).sum().backward()
        return y.detach(), x.grad, v.grad

    same(body)


def test_item_assignment_of_constant_zeroes_gradient_there():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.exp()
        z = y * 1
        z[0] = 0.0
        z.sum().backward()
        return z.detach(), x.grad

    same(body)


def test_item_assignment_into_plain_tensor_from_grad_requiring_value():
    def body(m):
        v = m.tensor([2.0, 3.0], requires_grad=True)
        buf = m.zeros(4)
        buf[1:3] = v
        flags = (buf.requires_grad, buf.is_leaf)
        (buf * m.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        return flags, buf.detach(), v.grad

    same(body)


def test_boolean_mask_assignment_gradients():
    def body(m):
        x = m.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
        y = x * 1
        y[x.detach() < 0] = 0.0
        (y * y).sum().backward()
        return y.detach(), x.grad

    same(body)


# --- dtype and shape errors -------------------------------------------------------------------


def test_int_tensor_inplace_add_float_raises():
    def body(m):
        t = m.tensor([1, 2, 3])
        t += 1.5

    raises_same(body, RuntimeError, "can't be cast")


def test_int_tensor_inplace_mul_float_tensor_raises():
    def body(m):
        t = m.tensor([1, 2, 3])
        t.mul_(m.tensor([0.5, 0.5, 0.5]))

    raises_same(body, RuntimeError, "can't be cast")


def test_int_tensor_inplace_failure_keeps_values():
    def body(m):
        t = m.tensor([1, 2, 3])
        try:
            t += 1.5
        except RuntimeError:
            pass
        return t

    same(body)


def test_int_tensor_inplace_int_ops_work():
    def body(m):
        t = m.tensor([1, 2, 3])
        t += 2
        t *= 3
        return t, t.dtype

    same(body)


def test_float_tensor_inplace_with_int_operand_keeps_dtype():
    def body(m):
        t = m.tensor([1.0, 2.0])
        t.add_(m.tensor([1, 2]))
        return t, t.dtype

    same(body)


def test_inplace_cannot_broadcast_the_destination():
    def body(m):
        t = m.zeros(3)
        t.add_(m.ones(2, 3))

    raises_same(body, RuntimeError, "doesn't match the broadcast shape", "[3]", "[2, 3]")


def test_inplace_broadcasting_the_operand_works():
    def body(m):
        t = m.zeros(2, 3)
        t.add_(m.tensor([1.0, 2.0, 3.0]))
        t.mul_(m.tensor([[2.0], [3.0]]))
        return t

    same(body)


# --- in-place on views of non-leaves ------------------------------------------------------------


def test_inplace_on_view_of_non_leaf_gradients():
    def body(m):
        x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        w = m.tensor([2.0, -1.0, 0.5], requires_grad=True)
        y = x * 2
        row = y[1]
        row.mul_(w)
        (y * y).sum().backward()
        return y.detach(), row.detach(), y._version, row._version, x.grad, w.grad

    same(body)


def test_inplace_on_slice_view_of_non_leaf_gradients():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x.exp()
        z = y * 1
        z[1:3].add_(x[:2] * 10)
        z.sum().backward()
        return z.detach(), x.grad

    same(body)


def test_inplace_on_view_rewrites_base_grad_fn_to_copy_slices():
    def body(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 2
        y[0].mul_(3)
        z = x * 2
        z[1] = m.tensor([7.0, 8.0])
        return y.grad_fn.name(), z.grad_fn.name()

    same(body)


def test_view_sees_inplace_on_base_and_base_sees_inplace_on_view():
    def body(m):
        x = m.zeros(2, 3)
        row = x[0]
        flat = x.view(6)
        x.add_(1)
        row.mul_(5)
        flat[5] = -1.0
        return x, row, flat

    same(body)


def test_inplace_on_view_base_node_class():
    def body(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 2
        y[0].mul_(3)
        z = x * 2
        z[1] = m.tensor([7.0, 8.0])
        return type(y.grad_fn).__name__, type(z.grad_fn).__name__

    same(body)


def test_view_taken_before_inplace_on_base_sees_the_new_history():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        v = y[0:2]
        y.mul_(3)
        (v * v).sum().backward()
        return v.detach(), x.grad

    same(body)


def test_sibling_view_after_inplace_on_another_view():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        first, rest = y[0], y[1:]
        rest.mul_(x[1:])
        (first * y.sum()).backward()
        return first.detach(), x.grad

    same(body)


def test_augmented_assignment_through_index_accumulates_gradient():
    def body(m):
        w = m.tensor(2.0, requires_grad=True)
        out = m.zeros(3)
        for i in range(3):
            out[i] += w * i
        (out * out).sum().backward()
        return out.detach(), w.grad

    same(body)
