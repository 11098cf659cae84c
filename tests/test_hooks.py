"""Tensor hooks (register_hook), retain_grad ordering, hook validation; torch is the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

from torch_oracle import (
    raises_same,
    same,
)


def recorder(log, label, result=None):
    """A hook that logs ``(label, grad)`` and returns ``result(grad)`` (None: keep it)."""

    def hook(g):
        log.append((label, g.detach().clone()))
        return None if result is None else result(g)

    return hook


# --- tensor hooks on non-leaves and leaves ---------------------------------------------------


def test_hook_on_non_leaf_sees_grad_and_can_replace_it():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(recorder(log, "y", lambda g: g * 10))
        y.sum().backward()
        return log, x.grad

    same(body)


def test_hook_returning_none_keeps_grad():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(recorder(log, "y"))
        (y * y).sum().backward()
        return log, x.grad

    same(body)


def test_hook_gradient_is_a_plain_tensor():
    def body(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: seen.append((g.requires_grad, g.is_leaf, g.shape)))
        (y * y).sum().backward()
        return seen

    same(body)


def test_handle_remove_unregisters_and_is_idempotent():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        h = y.register_hook(recorder(log, "y", lambda g: g * 10))
        h.remove()
        h.remove()
        (y * 1).sum().backward()
        return log, x.grad

    same(body)


def test_handle_remove_between_backwards():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        h = y.register_hook(recorder(log, "y", lambda g: g * 10))
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        h.remove()
        y.sum().backward()
        return log, first, x.grad

    same(body)


def test_removing_one_hook_keeps_the_others():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        y = x * 1
        y.register_hook(recorder(log, "a", lambda g: g + 1))
        h = y.register_hook(recorder(log, "b", lambda g: g * 10))
        y.register_hook(recorder(log, "c", lambda g: g * 3))
        h.remove()
        y.sum().backward()
        return log, x.grad

    same(body)


def test_multiple_hooks_run_in_registration_order_and_chain():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        y = x * 1
        y.register_hook(recorder(log, "h1", lambda g: g + 1))
        y.register_hook(recorder(log, "h2", lambda g: g * 10))
        y.sum().backward()
        return log, x.grad

    same(body)


def test_hook_fires_once_with_summed_gradient():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        y = x * 1
        y.register_hook(recorder(log, "y"))
        (y * 2 + y * 3).sum().backward()
        return log, x.grad

    same(body)


def test_leaf_hook_fires_once_with_summed_gradient():
    def body(m):
        log = []
        x = m.ones(1, requires_grad=True)
        x.register_hook(recorder(log, "x"))
        (x * 2 + x * 3).sum().backward()
        return log, x.grad

    same(body)


def test_leaf_hook_runs_before_accumulation():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        x.register_hook(recorder(log, "x", lambda g: g * 5))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        return log, x.grad

    same(body)


def test_leaf_hook_sees_grad_not_yet_accumulated():
    def body(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: seen.append(None if x.grad is None else x.grad.clone()))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        return seen

    same(body)


def test_leaf_hook_registered_after_use_still_fires():
    def body(m):
        x = m.tensor([1.0], requires_grad=True)
        y = x * 3
        x.register_hook(lambda g: g * 100)
        y.sum().backward()
        return x.grad

    same(body)


def test_leaf_hook_persists_across_graphs():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(recorder(log, "x", lambda g: g * 2))
        (x * 3).sum().backward()
        (x * x).sum().backward()
        return log, x.grad

    same(body)


def test_leaf_hook_removed():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x.register_hook(lambda g: g * 100)
        (x * 3).sum().backward()
        h.remove()
        (x * 3).sum().backward()
        return x.grad

    same(body)


def test_hook_modifies_gradient_flowing_further_down():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x.exp()
        b = a * 3
        a.register_hook(recorder(log, "a", lambda g: g.clamp(max=1.0)))
        b.register_hook(recorder(log, "b"))
        (b * b).sum().backward()
        return log, x.grad

    same(body)


# --- retain_grad and hooks ------------------------------------------------------------------


def test_retain_grad_then_hook_grad_sees_modified_value():
    def body(m):
        x = m.tensor([1.0], requires_grad=True)
        y = x * 1
        y.retain_grad()
        y.register_hook(lambda g: g * 100)
        y.sum().backward()
        return y.grad, x.grad

    same(body)


def test_hook_then_retain_grad_grad_sees_modified_value():
    def body(m):
        x = m.tensor([1.0], requires_grad=True)
        y = x * 1
        y.register_hook(lambda g: g * 100)
        y.retain_grad()
        y.sum().backward()
        return y.grad, x.grad

    same(body)


def test_retained_grad_accumulates_like_leaf_grad():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        first = y.grad.clone()
        (y * y).sum().backward()
        return first, y.grad, x.grad

    same(body)


# --- errors -------------------------------------------------------------------------------------


def test_hook_on_tensor_not_requiring_grad_raises():
    def body(m):
        m.ones(2).register_hook(lambda g: g)

    raises_same(body, RuntimeError, "hook", "doesn't require gradient")


def test_hook_on_no_grad_result_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            y = x * 2
        y.register_hook(lambda g: g)

    raises_same(body, RuntimeError, "doesn't require gradient")


def test_hook_returning_wrong_shape_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: m.ones(3))
        y.sum().backward()

    raises_same(body, RuntimeError, "hook", "size")


def test_hook_returning_non_tensor_raises_type_error():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: 3.0)
        y.sum().backward()

    raises_same(body, TypeError, "hook", "float")


def test_hook_returning_other_dtype_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g.double())
        y.sum().backward()

    raises_same(body, RuntimeError, "hook", "type")


def test_leaf_hook_returning_wrong_shape_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        x.register_hook(lambda g: m.ones(2, 2))
        (x * 2).sum().backward()

    raises_same(body, RuntimeError, "hook", "size")


def test_hook_exception_propagates():
    def body(m):
        def bad(g):
            raise KeyError("from the hook")

        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(bad)
        y.sum().backward()

    raises_same(body, KeyError, "from the hook")


# --- autograd.grad and in-place ---------------------------------------------------------------


def test_hooks_run_during_autograd_grad():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        y = x * 2
        y.register_hook(recorder(log, "y", lambda g: g * 7))
        g = m.autograd.grad(y.sum(), x)
        return log, g, x.grad

    same(body)


def test_leaf_hook_modifies_autograd_grad_result():
    def body(m):
        log = []
        x = m.tensor([1.0, 3.0], requires_grad=True)
        x.register_hook(recorder(log, "x", lambda g: g + 1))
        g = m.autograd.grad((x * x).sum(), x)
        return log, g, x.grad

    same(body)


def test_hook_registered_before_inplace_sees_old_version_gradient():
    def body(m):
        log = []
        x = m.ones(2, requires_grad=True)
        y = x * 1
        y.register_hook(recorder(log, "old"))
        y.mul_(3)
        y.sum().backward()
        return log, x.grad

    same(body)


def test_retain_grad_follows_the_newest_version():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 1
        y.retain_grad()
        y.mul_(3)
        (y * y).sum().backward()
        return y.grad, x.grad

    same(body)


def test_hook_under_create_graph_receives_differentiable_grad():
    def body(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x**2
        y.register_hook(lambda g: seen.append(g.requires_grad))
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return seen, g.detach(), h

    same(body)
