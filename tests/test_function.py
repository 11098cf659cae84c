"""Custom autograd.Function; torch is the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

from torch_oracle import (
    raises_same,
    same,
)


def make_functions(m):
    """The custom Functions the tests use, defined against module ``m``."""

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            ctx.needs_in_forward = ctx.needs_input_grad
            return x**3 * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2 * ctx.scale, None

    class MulAdd(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b)
            return a * b + c

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a, g

    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    return Cube, MulAdd, Exp


# --- the basics -----------------------------------------------------------------------------


def test_forward_backward_with_saved_tensors():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, 2.0, -1.0], requires_grad=True)
        y = Cube.apply(x, 2.0)
        y.sum().backward()
        return y.detach(), y.requires_grad, y.is_leaf, x.grad

    same(body)


def test_grad_fn_is_named_after_the_function():
    def body(m):
        Cube, MulAdd, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Cube.apply(x, 1.0)
        z = MulAdd.apply(x, y, x)
        return type(y.grad_fn).__name__, y.grad_fn.name(), z.grad_fn.name()

    same(body)


def test_custom_node_next_functions():
    def body(m):
        _, MulAdd, _ = make_functions(m)
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0])
        c = m.tensor([5.0, 6.0], requires_grad=True)
        z = MulAdd.apply(a * 2, b, c)
        return [(None if n is None else n.name(), nr) for n, nr in z.grad_fn.next_functions]

    same(body)


def test_several_tensor_inputs():
    def body(m):
        _, MulAdd, _ = make_functions(m)
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, -4.0], requires_grad=True)
        c = m.tensor([0.5, 0.5], requires_grad=True)
        (MulAdd.apply(a, b, c) ** 2).sum().backward()
        return a.grad, b.grad, c.grad

    same(body)


def test_apply_with_keyword_arguments():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Cube.apply(x, scale=3.0)
        y.sum().backward()
        return y.detach(), x.grad

    same(body)


def test_function_output_used_in_further_ops():
    def body(m):
        Cube, _, Exp = make_functions(m)
        x = m.tensor([0.5, -1.0], requires_grad=True)
        y = Exp.apply(Cube.apply(x * 2, 1.0)) + x
        (y * y).sum().backward()
        return y.detach(), x.grad

    same(body)


def test_saving_the_output():
    def body(m):
        _, _, Exp = make_functions(m)
        x = m.tensor([0.0, 1.0, 2.0], requires_grad=True)
        y = Exp.apply(x)
        (y * 2).sum().backward()
        return y.detach(), x.grad

    same(body)


def test_needs_input_grad_in_forward_and_backward():
    def body(m):
        seen = {}

        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k):
                seen["forward"] = ctx.needs_input_grad
                return a * b * k

            @staticmethod
            def backward(ctx, g):
                seen["backward"] = ctx.needs_input_grad
                return None, None, None

        a = m.tensor([1.0], requires_grad=True)
        b = m.tensor([2.0])
        F.apply(a, b, 3).sum().backward()
        return seen, a.grad

    same(body)


def test_no_input_requiring_grad_gives_plain_output():
    def body(m):
        Cube, _, _ = make_functions(m)
        y = Cube.apply(m.tensor([1.0, 2.0]), 1.0)
        return y, y.grad_fn is None

    same(body)


def test_apply_under_no_grad_gives_plain_output():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            y = Cube.apply(x, 1.0)
        return y, y.grad_fn is None

    same(body)


def test_forward_runs_with_grad_mode_off():
    def body(m):
        seen = {}

        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                seen["enabled"] = m.is_grad_enabled()
                inner = x * 2
                seen["inner"] = (inner.requires_grad, inner.grad_fn is None)
                return inner

            @staticmethod
            def backward(ctx, g):
                seen["backward_enabled"] = m.is_grad_enabled()
                return g * 2

        x = m.tensor([1.0, 2.0], requires_grad=True)
        F.apply(x).sum().backward()
        return seen, x.grad

    same(body)


def test_setup_context_style():
    def body(m):
        class Square(m.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs
                ctx.save_for_backward(x)
                ctx.k = k

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 2 * x * ctx.k, None

        x = m.tensor([1.0, -3.0], requires_grad=True)
        y = Square.apply(x, 0.5)
        y.sum().backward()
        return y.detach(), y.grad_fn.name(), x.grad

    same(body)


def test_returning_input_unchanged_gives_a_new_non_leaf():
    def body(m):
        class Identity(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Identity.apply(x)
        is_same = y is x
        y.sum().backward()
        return is_same, y.is_leaf, x.is_leaf, x.grad

    same(body)


# --- several outputs ------------------------------------------------------------------------


def test_several_outputs_and_unused_output_gets_zeros():
    def body(m):
        seen = []

        class Split(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                seen.append((ga.clone(), gb.clone()))
                return ga * 2 + gb * 3

        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, b = Split.apply(x)
        same_node = a.grad_fn is b.grad_fn
        (a * a).sum().backward()
        return same_node, seen, x.grad

    same(body)


def test_set_materialize_grads_false_passes_none():
    def body(m):
        seen = []

        class Split(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                seen.append((ga is None, gb is None))
                return ga * 2

        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, _ = Split.apply(x)
        a.sum().backward()
        return seen, x.grad

    same(body)


def test_mark_non_differentiable():
    def body(m):
        seen = []

        class SortLike(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 0).long()
                flag = x * 0
                ctx.mark_non_differentiable(idx, flag)
                return x * 2, idx, flag

            @staticmethod
            def backward(ctx, g, g_idx, g_flag):
                seen.append(g_flag.clone())
                return g * 2

        x = m.tensor([1.0, -2.0], requires_grad=True)
        y, idx, flag = SortLike.apply(x)
        flags = [(t.requires_grad, t.grad_fn is None) for t in (y, idx, flag)]
        (y.sum() + flag.sum()).backward()
        return flags, idx, seen, x.grad

    same(body)


# --- what backward returns ------------------------------------------------------------------


def make_bad_backward(m, result):
    class F(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return result(m, g)

    return F


def test_too_few_gradients_raise():
    def body(m):
        F = make_bad_backward(m, lambda m, g: g)
        x = m.ones(2, requires_grad=True)
        F.apply(x, m.ones(2, requires_grad=True)).sum().backward()

    raises_same(body, RuntimeError, "FBackward", "incorrect number of gradients", "expected 2")


def test_extra_non_none_gradient_raises():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, g

        F.apply(m.ones(2, requires_grad=True)).sum().backward()

    raises_same(body, RuntimeError, "incorrect number of gradients", "expected 1, got 2")


def test_extra_trailing_none_gradients_are_tolerated():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, None, None

        x = m.ones(2, requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad

    same(body)


def test_single_gradient_may_be_returned_bare():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = m.ones(2, requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad

    same(body)


def test_gradient_for_non_tensor_input_raises():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g, g

        F.apply(m.ones(2, requires_grad=True), 2.0).sum().backward()

    raises_same(body, RuntimeError, "different than None", "position 2", "not a Variable")


def test_gradient_for_input_not_requiring_grad_is_dropped():
    def body(m):
        F = make_bad_backward(m, lambda m, g: (g * 2, g * 3))
        x = m.ones(2, requires_grad=True)
        c = m.ones(2)
        F.apply(x, c).sum().backward()
        return x.grad, c.grad

    same(body)


def test_gradient_of_wrong_shape_raises():
    def body(m):
        F = make_bad_backward(m, lambda m, g: (m.ones(3), None))
        F.apply(m.ones(2, requires_grad=True), m.ones(2)).sum().backward()

    raises_same(body, RuntimeError, "invalid gradient", "index 0", "[3]", "[2]")


def test_broadcastable_gradient_is_summed():
    def body(m):
        F = make_bad_backward(m, lambda m, g: (m.ones(3, 2), None))
        x = m.ones(2, requires_grad=True)
        F.apply(x, m.ones(2)).sum().backward()
        return x.grad

    same(body)


def test_gradient_of_other_dtype_is_cast():
    def body(m):
        F = make_bad_backward(m, lambda m, g: (g.double() * 2, None))
        x = m.ones(2, requires_grad=True)
        F.apply(x, m.ones(2)).sum().backward()
        return x.grad, x.grad.dtype

    same(body)


def test_missing_backward_raises_not_implemented():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        F.apply(m.ones(2, requires_grad=True)).sum().backward()

    raises_same(body, NotImplementedError, "backward")


def test_save_for_backward_of_non_tensor_raises_type_error():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        F.apply(m.ones(2, requires_grad=True))

    raises_same(body, TypeError, "save_for_backward", "int")


def test_save_for_backward_accepts_none():
    def body(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, None)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                x, nothing = ctx.saved_tensors
                return g * 2 + x * 0 if nothing is None else g

        x = m.ones(2, requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad

    same(body)


# --- graph freeing, versions, double backward ---------------------------------------------------


def test_saved_tensors_freed_after_backward():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Cube.apply(x, 1.0).sum()
        y.backward()
        y.backward()

    raises_same(body, RuntimeError, "second time", "retain_graph")


def test_saved_output_freed_after_backward():
    def body(m):
        _, _, Exp = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Exp.apply(x).sum()
        y.backward()
        y.backward()

    raises_same(body, RuntimeError, "retain_graph")


def test_retain_graph_keeps_saved_tensors():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Cube.apply(x, 1.0).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    same(body)


def test_function_saving_nothing_can_run_twice():
    def body(m):
        class Double(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Double.apply(x).sum()
        y.backward()
        y.backward()
        return x.grad

    same(body)


def test_saved_input_modified_in_place_raises():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = Cube.apply(h, 1.0)
        h.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version 1", "expected version 0")


def test_saved_constant_modified_in_place_raises():
    def body(m):
        _, MulAdd, _ = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0])
        y = MulAdd.apply(x, b, x)
        b.mul_(2)
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version")


def test_saved_output_modified_in_place_raises():
    def body(m):
        _, _, Exp = make_functions(m)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Exp.apply(x)
        y.mul_(2)
        y.sum().backward()

    raises_same(body, RuntimeError, "inplace operation", "version")


def test_double_backward_through_a_function():
    def body(m):
        Cube, _, _ = make_functions(m)
        x = m.tensor([1.0, -2.0], requires_grad=True)
        y = Cube.apply(x, 1.0).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return g.detach(), g.requires_grad, h

    same(body)


def test_double_backward_through_saved_output():
    def body(m):
        _, _, Exp = make_functions(m)
        x = m.tensor([0.5, 1.0], requires_grad=True)
        (g,) = m.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
        (h,) = m.autograd.grad((g * g).sum(), x)
        return g.detach(), h

    same(body)


# --- mark_dirty -------------------------------------------------------------------------------


def test_mark_dirty_returns_the_input_itself():
    def body(m):
        class AddOne_(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        version = h._version
        out = AddOne_.apply(h)
        info = (out is h, h._version > version, h.grad_fn.name())
        (h * 3).sum().backward()
        return info, h.detach(), x.grad

    same(body)


def test_mark_dirty_on_grad_requiring_leaf_raises():
    def body(m):
        class AddOne_(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        AddOne_.apply(m.ones(2, requires_grad=True))

    raises_same(body, RuntimeError, "leaf Variable", "in-place")
