"""The error for a saved tensor modified in place: torch's wording (the oracle checks its key
words), plus npgrad's own account of which node saved the tensor, which in-place op changed
it and on which line (tested by content)."""

import inspect

import pytest

import npgrad
from torch_oracle import raises_same

MODIFIED = ("modified by an inplace operation", "expected version 0")


def line_of(fn, text):
    """``file:line`` of the line of ``fn`` that contains ``text``."""
    lines, start = inspect.getsourcelines(fn)
    return f"{__file__}:{start + next(i for i, line in enumerate(lines) if text in line)}"


def npgrad_error(body) -> str:
    with pytest.raises(RuntimeError) as info:
        body(npgrad)
    return str(info.value)


def test_saved_input_changed_by_a_method():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0])
        y = x * w
        w.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, *MODIFIED, "version 1")
    message = npgrad_error(body)
    assert "saved by MulBackward0 (its input 1)" in message
    assert f"changed by add_ at {line_of(body, 'w.add_(1)')}" in message
    assert "    w.add_(1)" in message


def test_saved_output_changed_by_augmented_assignment():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        t = x.tanh()
        t += 1
        t.sum().backward()

    raises_same(body, RuntimeError, *MODIFIED, "output 0 of", "Tanh")
    message = npgrad_error(body)
    assert "saved by TanhBackward0 (its output)" in message
    assert f"changed by add_ at {line_of(body, 't += 1')}" in message


def test_saved_tensor_changed_by_indexed_assignment():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x.exp()
        b = a * 2
        a[0] = 5
        b.sum().backward()

    raises_same(body, RuntimeError, *MODIFIED, "output 0 of", "Exp")
    message = npgrad_error(body)
    assert "saved by MulBackward0 (its input 0)" in message
    assert f"indexed assignment (x[...] = ...) at {line_of(body, 'a[0] = 5')}" in message


def test_change_under_no_grad_through_a_view_is_located():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0])
        y = x * w
        with m.no_grad():
            w[0:1].mul_(2)
        y.sum().backward()

    raises_same(body, RuntimeError, *MODIFIED)
    assert f"changed by mul_ at {line_of(body, '.mul_(2)')}" in npgrad_error(body)


def test_the_first_change_after_saving_is_reported():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0])
        w.sub_(1)  # before the save: not the culprit
        y = x * w
        w.mul_(2)
        w.add_(1)
        y.sum().backward()

    raises_same(body, RuntimeError, "modified by an inplace operation", "version 3", "version 1")
    message = npgrad_error(body)
    assert f"changed by mul_ at {line_of(body, 'w.mul_(2)')}" in message
    assert "add_" not in message.split("Hint")[0]


def test_optimizer_step_before_backward_is_located():
    def body(m):
        p = m.tensor([1.0, 2.0], requires_grad=True)
        opt = m.optim.SGD([p], lr=0.1)
        loss = (p * p).sum()
        p.grad = m.ones(2)
        opt.step()
        loss.backward()

    raises_same(body, RuntimeError, *MODIFIED)
    message = npgrad_error(body)
    assert "saved by MulBackward0" in message
    assert f"at {line_of(body, 'opt.step()')}" in message


def test_custom_function_saved_tensor_changed():
    def body(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, k):
                ctx.save_for_backward(k)
                return a * k

            @staticmethod
            def backward(ctx, g):
                (k,) = ctx.saved_tensors
                return g * k, None

        x = m.tensor([1.0, 2.0], requires_grad=True)
        k = m.tensor([3.0, 4.0])
        y = Scale.apply(x, k)
        k.zero_()
        y.sum().backward()

    raises_same(body, RuntimeError, *MODIFIED)
    message = npgrad_error(body)
    assert "saved by ScaleBackward (save_for_backward)" in message
    assert f"changed by zero_ at {line_of(body, 'k.zero_()')}" in message


def test_tensors_never_saved_record_no_changes():
    x = npgrad.tensor([1.0, 2.0])
    for _ in range(3):
        x.add_(1)
    assert x._version_counter[1] is None


def test_only_the_last_few_changes_are_kept():
    x = npgrad.tensor([1.0, 2.0], requires_grad=True)
    w = npgrad.tensor([3.0, 4.0])
    y = x * w
    for _ in range(50):
        w.add_(1)
    assert len(w._version_counter[1]) <= 8
    with pytest.raises(RuntimeError, match="version 50; expected version 0") as info:
        y.sum().backward()
    assert "more often than recorded; the earliest change kept is add_" in str(info.value)
