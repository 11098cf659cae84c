"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode; torch is the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

import threading

import pytest

from torch_oracle import (
    MODULES,
    same,
)


@pytest.fixture(autouse=True)
def grad_mode_restored():
    """Every test must leave grad mode on; restore it anyway so one failure stays local."""
    yield
    leaked = [m.__name__ for m in MODULES if not m.is_grad_enabled()]
    for m in MODULES:
        m.set_grad_enabled(True)
    assert not leaked, f"grad mode left disabled by: {leaked}"


def flags(t):
    return t.requires_grad, t.grad_fn is None, t.is_leaf


# --- no_grad --------------------------------------------------------------------------------


def test_no_grad_context_manager():
    def body(m):
        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            inside = m.is_grad_enabled()
            y = x * 2
            z = (y + x).sum()
        return inside, m.is_grad_enabled(), flags(y), flags(z), y

    same(body)


def test_no_grad_factories_still_make_grad_requiring_leaves():
    def body(m):
        with m.no_grad():
            a = m.ones(2, requires_grad=True)
            b = m.tensor([1.0, 2.0], requires_grad=True)
            c = m.zeros(3).requires_grad_()
            d = a * 2
        (a * b).sum().backward()
        return flags(a), flags(b), flags(c), flags(d), a.grad, b.grad

    same(body)


def test_no_grad_decorator_with_and_without_parentheses():
    def body(m):
        @m.no_grad()
        def f(x):
            return x * 2

        @m.no_grad
        def g(x):
            return x * 2

        x = m.ones(2, requires_grad=True)
        return flags(f(x)), flags(g(x)), f.__name__, g.__name__, m.is_grad_enabled()

    same(body)


def test_no_grad_decorated_function_passes_arguments_and_result():
    def body(m):
        @m.no_grad()
        def f(x, *, k):
            return x * k, m.is_grad_enabled()

        x = m.ones(2, requires_grad=True)
        y, enabled = f(x, k=3.0)
        return y, enabled, m.is_grad_enabled()

    same(body)


def test_no_grad_restores_mode_after_exception():
    def body(m):
        try:
            with m.no_grad():
                raise ValueError("inside")
        except ValueError:
            pass

        @m.no_grad()
        def boom():
            raise KeyError("inside")

        try:
            boom()
        except KeyError:
            pass
        return m.is_grad_enabled()

    same(body)


def test_no_grad_object_is_reusable():
    def body(m):
        ctx = m.no_grad()
        x = m.ones(2, requires_grad=True)
        seen = []
        for _ in range(2):
            with ctx:
                seen.append((m.is_grad_enabled(), (x * 2).requires_grad))
            seen.append(m.is_grad_enabled())
        return seen

    same(body)


def test_backward_inside_no_grad_works():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = (x * x).sum()
        with m.no_grad():
            y.backward()
        return x.grad

    same(body)


def test_autograd_grad_inside_no_grad_works():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x**3).sum()
        with m.no_grad():
            (g,) = m.autograd.grad(y, x)
        return g

    same(body)


def test_create_graph_inside_no_grad_still_records():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x**3).sum()
        with m.no_grad():
            (g,) = m.autograd.grad(y, x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return g.detach(), g.requires_grad, h

    same(body)


def test_requires_grad_inside_no_grad_setter():
    def body(m):
        x = m.ones(2)
        with m.no_grad():
            x.requires_grad_()
            y = x * 2
        z = x * 2
        return flags(x), flags(y), flags(z)

    same(body)


# --- enable_grad and set_grad_enabled ------------------------------------------------------------


def test_enable_grad_inside_no_grad():
    def body(m):
        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            with m.enable_grad():
                inner = m.is_grad_enabled()
                y = x * 2
            after = m.is_grad_enabled()
            z = x * 2
        return inner, after, flags(y), flags(z), m.is_grad_enabled()

    same(body)


def test_enable_grad_decorator_inside_no_grad():
    def body(m):
        @m.enable_grad()
        def f(x):
            return x * 2

        @m.enable_grad
        def g(x):
            return x * 2

        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            a, b = f(x), g(x)
            still_off = not m.is_grad_enabled()
        return flags(a), flags(b), still_off, f.__name__

    same(body)


def test_set_grad_enabled_as_a_plain_call():
    def body(m):
        x = m.ones(2, requires_grad=True)
        try:
            m.set_grad_enabled(False)
            off = (m.is_grad_enabled(), flags(x * 2))
        finally:
            m.set_grad_enabled(True)
        return off, m.is_grad_enabled(), flags(x * 2)

    same(body)


def test_set_grad_enabled_as_context_manager():
    def body(m):
        x = m.ones(2, requires_grad=True)
        with m.set_grad_enabled(False):
            a = (m.is_grad_enabled(), flags(x * 2))
            with m.set_grad_enabled(True):
                b = (m.is_grad_enabled(), flags(x * 2))
            c = m.is_grad_enabled()
        return a, b, c, m.is_grad_enabled()

    same(body)


def test_set_grad_enabled_context_restores_previous_mode_in_no_grad():
    def body(m):
        with m.no_grad():
            with m.set_grad_enabled(True):
                inner = m.is_grad_enabled()
            after = m.is_grad_enabled()
        return inner, after, m.is_grad_enabled()

    same(body)


def test_set_grad_enabled_decorator_does_not_switch_at_decoration():
    def body(m):
        @m.set_grad_enabled(False)
        def f(x):
            return x * 2, m.is_grad_enabled()

        at_decoration = m.is_grad_enabled()
        y, inside = f(m.ones(1, requires_grad=True))
        return at_decoration, inside, flags(y), m.is_grad_enabled()

    same(body)


def test_is_grad_enabled_through_nesting():
    def body(m):
        seen = [m.is_grad_enabled()]
        with m.no_grad():
            seen.append(m.is_grad_enabled())
            with m.enable_grad():
                seen.append(m.is_grad_enabled())
                with m.no_grad():
                    seen.append(m.is_grad_enabled())
                    with m.set_grad_enabled(True):
                        seen.append(m.is_grad_enabled())
                    seen.append(m.is_grad_enabled())
                seen.append(m.is_grad_enabled())
            seen.append(m.is_grad_enabled())
        seen.append(m.is_grad_enabled())
        return seen

    same(body)


# --- inference_mode -------------------------------------------------------------------------


def test_inference_mode_context_manager():
    def body(m):
        x = m.ones(2, requires_grad=True)
        with m.inference_mode():
            state = (m.is_grad_enabled(), m.is_inference_mode_enabled())
            y = x * 2
        return state, flags(y), y, m.is_grad_enabled(), m.is_inference_mode_enabled()

    same(body)


def test_inference_mode_decorators():
    def body(m):
        @m.inference_mode()
        def g(x):
            return x * 2

        @m.inference_mode
        def h(x):
            return x * 2

        x = m.ones(2, requires_grad=True)
        return flags(g(x)), flags(h(x)), g.__name__, h.__name__, m.is_inference_mode_enabled()

    same(body)


def test_inference_mode_false_nests():
    def body(m):
        with m.inference_mode():
            with m.inference_mode(False):
                inner = (m.is_grad_enabled(), m.is_inference_mode_enabled())
                x = m.ones(2, requires_grad=True)
                y = x * 2
            outer = (m.is_grad_enabled(), m.is_inference_mode_enabled())
        return inner, outer, flags(y), m.is_inference_mode_enabled()

    same(body)


def test_backward_inside_inference_mode_works():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = (x * x).sum()
        with m.inference_mode():
            y.backward()
        return x.grad

    same(body)


# --- generators and threads -------------------------------------------------------------------


def test_no_grad_generator_applies_around_each_resumption():
    def body(m):
        @m.no_grad()
        def gen():
            yield m.is_grad_enabled()
            yield m.is_grad_enabled()
            return "done"

        it = gen()
        first = next(it)
        between = m.is_grad_enabled()
        second = next(it)
        try:
            next(it)
            stop = None
        except StopIteration as e:
            stop = e.value
        return first, between, second, stop, m.is_grad_enabled()

    same(body)


def test_enable_grad_generator_inside_no_grad_caller():
    def body(m):
        @m.enable_grad()
        def gen(x):
            for _ in range(2):
                yield (x * 2).requires_grad

        x = m.ones(1, requires_grad=True)
        with m.no_grad():
            out = []
            for value in gen(x):
                out.append((value, m.is_grad_enabled(), (x * 2).requires_grad))
        return out

    same(body)


def test_generator_send_passes_values():
    def body(m):
        @m.no_grad()
        def gen():
            got = yield m.is_grad_enabled()
            yield (got, m.is_grad_enabled())

        it = gen()
        first = next(it)
        second = it.send(5)
        it.close()
        return first, second, m.is_grad_enabled()

    same(body)


def test_grad_mode_is_thread_local():
    def body(m):
        out = {}

        def worker():
            out["start"] = m.is_grad_enabled()
            with m.no_grad():
                out["worker_no_grad"] = m.is_grad_enabled()
            x = m.ones(1, requires_grad=True)
            out["records"] = (x * 2).requires_grad

        with m.no_grad():
            t = threading.Thread(target=worker)
            t.start()
            t.join()
            out["main_inside"] = m.is_grad_enabled()
        return out

    same(body)


def test_thread_disabling_grad_does_not_affect_main():
    def body(m):
        def worker():
            m.set_grad_enabled(False)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        return m.is_grad_enabled()

    same(body)
