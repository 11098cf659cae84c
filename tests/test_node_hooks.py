"""Hooks on graph nodes (grad_fn.register_hook / register_prehook) and post-accumulate-grad
hooks on leaves; torch is the oracle for values, order and errors."""

from torch_oracle import raises_same, same


def as_values(grads):
    """Hook arguments as plain, comparable data (None stays None)."""
    return tuple(None if g is None else g.detach().clone() for g in grads)


def logger(log, label, result=None):
    """A node post-hook that logs its arguments and returns ``result(grad_inputs)``."""

    def hook(grad_inputs, grad_outputs):
        log.append((label, as_values(grad_inputs), as_values(grad_outputs)))
        return None if result is None else result(grad_inputs)

    return hook


def prelogger(log, label, result=None):
    def hook(grad_outputs):
        log.append((label, as_values(grad_outputs)))
        return None if result is None else result(grad_outputs)

    return hook


# --- order relative to tensor hooks, retain_grad and accumulation ----------------------------


def test_every_kind_of_hook_runs_in_torchs_order():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        y.register_hook(lambda g: log.append(("tensor", g.clone())))
        y.grad_fn.register_prehook(prelogger(log, "pre"))
        y.grad_fn.register_hook(logger(log, "post"))
        acc = y.grad_fn.next_functions[0][0]
        acc.register_prehook(prelogger(log, "acc pre"))
        acc.register_hook(logger(log, "acc post"))
        x.register_hook(lambda g: log.append(("x tensor", g.clone())))
        x.register_post_accumulate_grad_hook(lambda t: log.append(("x post acc", t.grad.clone())))
        y.retain_grad()
        y.sum().backward()
        return log, y.grad, x.grad, w.grad

    same(body)


def test_prehook_replaces_grad_outputs_and_hooks_chain():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        h1 = y.grad_fn.register_prehook(lambda go: (go[0] + 1,))
        y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        h1.remove()
        h1.remove()
        x.grad = None
        y.sum().backward()
        return first, x.grad

    same(body)


def test_post_hook_replaces_grad_inputs_and_sees_earlier_replacement():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, None))
        y.grad_fn.register_hook(logger(log, "second"))
        y.sum().backward()
        return log, x.grad, w.grad

    same(body)


def test_post_hook_sees_grad_inputs_in_the_inputs_shapes():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = m.ones(2, 3, requires_grad=True)
        y = x * w
        y.grad_fn.register_hook(logger(log, "post"))
        y.sum().backward()
        return log, x.grad

    same(body)


def test_post_hook_gets_none_for_inputs_that_need_no_grad():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * m.tensor([5.0, 6.0])
        y.grad_fn.register_hook(logger(log, "post"))
        z = x * 2
        z.grad_fn.register_hook(logger(log, "scalar"))
        (y + z).sum().backward()
        return log, x.grad

    same(body)


def test_hooks_on_a_multi_output_node():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        a, b = x.split(2)
        a.grad_fn.register_prehook(prelogger(log, "pre"))
        a.grad_fn.register_hook(logger(log, "post"))
        (a * 2).sum().backward()
        return log, x.grad

    same(body)


def test_hooks_on_a_custom_function_node():
    def body(m):
        class Triple(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, k):
                return a * k

            @staticmethod
            def backward(ctx, g):
                return g * 3, None

        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Triple.apply(x, 2.0)
        y.grad_fn.register_prehook(prelogger(log, "pre", lambda go: (go[0] * 10,)))
        y.grad_fn.register_hook(logger(log, "post"))
        y.sum().backward()
        return log, x.grad, y.grad_fn.name()

    same(body)


def test_accumulate_grad_prehook_replaces_the_gradient_accumulated():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        y = x * 2
        y.grad_fn.next_functions[0][0].register_prehook(lambda go: (go[0] * 100,))
        x.register_hook(lambda g: log.append(g.clone()))
        y.sum().backward()
        return log, x.grad

    same(body)


def test_node_hooks_under_create_graph_see_differentiable_grads():
    def body(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].requires_grad)))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", [g.requires_grad for g in gi])))
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return seen, g.detach(), h

    same(body)


def test_hooks_of_nodes_autograd_grad_does_not_run_are_not_called():
    def body(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * 3
        z.grad_fn.register_hook(lambda gi, go: log.append("z post"))
        y.grad_fn.register_hook(lambda gi, go: log.append("y post"))
        y.grad_fn.register_prehook(lambda go: log.append("y pre"))
        (g,) = m.autograd.grad(z.sum(), y)
        return log, g

    same(body)


def test_node_hook_handle_is_a_context_manager():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        with y.grad_fn.register_prehook(lambda go: (go[0] * 10,)):
            y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        y.sum().backward()
        return first, x.grad

    same(body)


# --- wrong return values ---------------------------------------------------------------------


def test_prehook_returning_too_many_values_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
        y.sum().backward()

    raises_same(body, RuntimeError, "hook", "incorrect number of values", "got 2", "expected 1")


def test_post_hook_returning_too_few_values_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2, requires_grad=True)
        y = x * w
        y.grad_fn.register_hook(lambda gi, go: (gi[0],))
        y.sum().backward()

    raises_same(body, RuntimeError, "incorrect number of values", "got 1", "expected 2")


def test_accumulate_grad_post_hook_must_return_nothing():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.next_functions[0][0].register_hook(lambda gi, go: (go[0],))
        y.sum().backward()

    raises_same(body, RuntimeError, "incorrect number of values", "expected 0")


def test_node_hook_returning_a_tensor_not_a_tuple_raises_type_error():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: go[0])
        y.sum().backward()

    raises_same(body, TypeError, "expected tuple", "Tensor")


def test_node_hook_returning_a_list_raises_type_error():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: list(go))
        y.sum().backward()

    raises_same(body, TypeError, "expected tuple", "list")


def test_node_hook_returning_a_number_raises_type_error():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: (3.0,))
        y.sum().backward()

    raises_same(body, TypeError, "hook returned", "float")


def test_node_hooks_changing_the_size_raise():
    def pre(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: (m.ones(3),))
        y.sum().backward()

    def post(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_hook(lambda gi, go: (m.ones(3), None))
        y.sum().backward()

    raises_same(pre, RuntimeError, "hook", "changed the size of value")
    raises_same(post, RuntimeError, "hook", "changed the size of value")


def test_node_hook_changing_the_dtype_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: (go[0].double(),))
        y.sum().backward()

    raises_same(body, RuntimeError, "hook", "changed the type of value")


# --- post-accumulate-grad hooks ----------------------------------------------------------------


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    def body(m):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (x * 3).sum().backward()
        (x * x).sum().backward()
        h.remove()
        (x * 3).sum().backward()
        return seen, x.grad

    same(body)


def test_post_accumulate_grad_hook_can_update_the_leaf_in_place():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)

        def step(t):
            with m.no_grad():
                t.sub_(0.1 * t.grad)
            t.grad = None

        x.register_post_accumulate_grad_hook(step)
        for _ in range(3):
            (x * x).sum().backward()
        return x, x.grad

    same(body)


def test_post_accumulate_grad_hook_runs_for_backward_inputs_not_for_autograd_grad():
    def body(m):
        log = []
        x = m.tensor([1.0], requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: log.append("backward(inputs=)"))
        (x * 2).sum().backward(inputs=[x])
        m.autograd.grad((x * 2).sum(), x)
        return log, x.grad

    same(body)


def test_post_accumulate_grad_hook_must_return_none():
    def body(m):
        x = m.ones(2, requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: t * 2)
        (x * 2).sum().backward()

    raises_same(body, RuntimeError, "post accumulate grad hooks should return None")


def test_post_accumulate_grad_hook_on_non_leaf_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)

    raises_same(body, RuntimeError, "post accumulate grad hooks cannot be registered on non-leaf")


def test_post_accumulate_grad_hook_on_tensor_not_requiring_grad_raises():
    def body(m):
        m.ones(2).register_post_accumulate_grad_hook(lambda t: None)

    raises_same(body, RuntimeError, "doesn't require gradient")


# --- the Node type --------------------------------------------------------------------------


def test_grad_fns_are_autograd_graph_nodes_with_metadata():
    def body(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        y.grad_fn.metadata["note"] = 1
        return (
            isinstance(y.grad_fn, m.autograd.graph.Node),
            isinstance(acc, m.autograd.graph.Node),
            y.grad_fn.metadata,
        )

    same(body)
