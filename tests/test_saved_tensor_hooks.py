"""autograd.graph.saved_tensors_hooks, save_on_cpu and disable_saved_tensors_hooks; torch is
the oracle. npgrad's ops save every tensor input where torch's save only what their formula
needs, so tests compare what is computed, not how many tensors were packed."""

import pytest

import npgrad
from torch_oracle import raises_same, same


def counting_hooks(log):
    """Hooks that copy what they pack and log each call."""

    def pack(t):
        log.append("pack")
        return t.detach().clone()

    def unpack(p):
        log.append("unpack")
        return p

    return pack, unpack


def test_hooks_pack_at_forward_and_unpack_at_backward():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        d = m.tensor([5.0, 6.0])
        with m.autograd.graph.saved_tensors_hooks(*counting_hooks(log)):
            y = (x * w * d).tanh().sum()
        packs = log.count("pack")
        y.backward()
        return packs > 0, log.count("unpack") == packs, x.grad, w.grad

    same(body)


def test_pack_hook_receives_saved_tensors_with_grad_mode_off():
    def body(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)

        def pack(t):
            seen.append((t.requires_grad, m.is_grad_enabled()))
            return t

        with m.autograd.graph.saved_tensors_hooks(pack, lambda p: p):
            y = x * w
        y.sum().backward()
        return seen, x.grad, w.grad

    same(body)


def test_pack_hook_gets_the_output_an_op_saves():
    def body(m):
        names = []
        x = m.tensor([1.0, 2.0], requires_grad=True)

        def pack(t):
            names.append(None if t.grad_fn is None else t.grad_fn.name())
            return t

        with m.autograd.graph.saved_tensors_hooks(pack, lambda p: p):
            y = x.exp()
        y.sum().backward()
        return "ExpBackward0" in names, x.grad

    same(body)


def test_unpack_runs_at_each_backward_with_retain_graph():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(*counting_hooks(log)):
            y = x.exp().sum()
        y.backward(retain_graph=True)
        after_one = log.count("unpack")
        y.backward()
        return log.count("unpack") == 2 * after_one, x.grad

    same(body)


def test_unpacked_value_is_what_backward_uses():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach() * 0 + 10, lambda p: p):
            y = x * w
        y.sum().backward()
        return x.grad, w.grad

    same(body)


def test_innermost_hooks_apply():
    def body(m):
        log = []
        hooks = m.autograd.graph.saved_tensors_hooks
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        with hooks(lambda t: (log.append("outer"), t)[1], lambda p: p):
            with hooks(lambda t: (log.append("inner"), t)[1], lambda p: p):
                y = x * w
            z = x * w
        (y + z).sum().backward()
        return log, x.grad

    same(body)


def test_saved_tensors_are_not_version_checked_through_hooks():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        a = x * 1
        with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda p: p):
            y = a * w
        with m.no_grad():
            a.add_(100)
        y.sum().backward()
        return w.grad, x.grad

    same(body)


def test_save_on_cpu_keeps_cpu_tensors_as_they_are():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        a = x * 1
        with m.autograd.graph.save_on_cpu():
            y = (a * w).sin()
        g_before = m.autograd.grad(y.sum(), w, retain_graph=True)
        with m.no_grad():
            a.add_(100)  # not an error: hooks turn the version check off; the change is seen
        y.sum().backward()
        return g_before, w.grad, x.grad

    same(body)


def test_backward_twice_through_packed_graph_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            y = (x * x).sum()
        y.backward()
        y.backward()

    raises_same(body, RuntimeError, "backward through the graph a second time")


def test_unpack_returning_non_tensor_raises_type_error():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: 3.0):
            y = (x * x).sum()
        y.backward()

    raises_same(body, TypeError, "unpack_hook", "Tensor", "float")


def test_pack_hook_modifying_its_input_raises():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t.mul_(2), lambda p: p):
            x.detach() * w

    raises_same(body, RuntimeError, "pack hook is modifying its input in place")


def test_create_graph_differentiates_through_unpacked_tensors():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda p: p):
            y = x**3
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return g, h

    same(body)


def test_custom_function_save_for_backward_honours_hooks():
    def body(m):
        class Square(m.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                out = a * a
                ctx.save_for_backward(a, out)
                return out

            @staticmethod
            def backward(ctx, g):
                a, out = ctx.saved_tensors
                return g * 2 * a + 0 * out

        log = []
        x = m.tensor([1.0, 3.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(*counting_hooks(log)):
            y = Square.apply(x)
        packs = list(log)
        y.sum().backward()
        return packs, log[len(packs) :], x.grad

    same(body)


def test_disable_saved_tensors_hooks():
    def body(m):
        graph = m.autograd.graph
        with graph.disable_saved_tensors_hooks("no hooks here"):
            with graph.saved_tensors_hooks(lambda t: t, lambda p: p):
                pass

    raises_same(body, RuntimeError, "no hooks here")


def test_hooks_are_gone_after_the_context():
    log = []
    x = npgrad.tensor([1.0, 2.0], requires_grad=True)
    with npgrad.autograd.graph.saved_tensors_hooks(*counting_hooks(log)):
        pass
    (x * x).sum().backward()
    assert log == []
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        a = x * 1
        y = a * a
        with npgrad.no_grad():
            a.add_(1)
        y.sum().backward()
