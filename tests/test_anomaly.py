"""Anomaly mode: forward traces on nodes, NaN checks in backward, and the diagnosis of NaN
gradients that come from the unselected branch of ``where``. Torch is the oracle for the
switches, the warnings and the error; npgrad's own diagnosis is tested by its content."""

import inspect
import warnings

import pytest
import torch

import npgrad
from torch_oracle import MODULES, same


def is_anomaly_enabled(m):
    return m.is_anomaly_enabled() if m is torch else m.autograd.is_anomaly_enabled()


def check_nan_enabled(m):
    if m is torch:
        return m.is_anomaly_check_nan_enabled()
    return m.autograd.is_anomaly_check_nan_enabled()


def run(fn, m):
    """``fn(m)``'s result or exception, and the messages of the UserWarnings it emitted."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            result = fn(m)
        except Exception as err:  # noqa: BLE001 - the exception is the result
            result = err
    return result, [str(w.message) for w in rec if issubclass(w.category, UserWarning)]


def line_of(fn, text):
    """The line number in ``fn``'s file of the line of ``fn`` that contains ``text``."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


@pytest.fixture(autouse=True)
def anomaly_off():
    yield
    torch.autograd.set_detect_anomaly(False)
    npgrad.autograd.set_detect_anomaly(False)


# --- switches ---------------------------------------------------------------------------------


def test_detect_anomaly_switches_on_and_restores():
    def body(m):
        states = [(is_anomaly_enabled(m), check_nan_enabled(m))]
        with m.autograd.detect_anomaly():
            states.append((is_anomaly_enabled(m), check_nan_enabled(m)))
            with m.autograd.detect_anomaly(check_nan=False):
                states.append((is_anomaly_enabled(m), check_nan_enabled(m)))
            states.append((is_anomaly_enabled(m), check_nan_enabled(m)))
        states.append((is_anomaly_enabled(m), check_nan_enabled(m)))
        return states

    for m in MODULES:
        assert run(body, m)[0] == [(False, True), (True, True), (True, False), (True, True)] + [
            (False, True)
        ]


def test_detect_anomaly_warns_that_it_is_slow():
    for m in MODULES:
        _, texts = run(lambda m: m.autograd.detect_anomaly(), m)
        assert any("Anomaly Detection has been enabled" in t for t in texts), m.__name__


def test_set_detect_anomaly_as_a_call_and_as_a_context_manager():
    def body(m):
        states = []
        m.autograd.set_detect_anomaly(True)
        states.append(is_anomaly_enabled(m))
        with m.autograd.set_detect_anomaly(False):
            states.append(is_anomaly_enabled(m))
        states.append(is_anomaly_enabled(m))
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            states.append((is_anomaly_enabled(m), check_nan_enabled(m)))
        states.append(check_nan_enabled(m))
        m.autograd.set_detect_anomaly(False)
        states.append(is_anomaly_enabled(m))
        return states

    same(body)


def test_detect_anomaly_as_a_decorator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        @npgrad.autograd.detect_anomaly()
        def inside():
            return npgrad.autograd.is_anomaly_enabled()

    assert inside() is True
    assert npgrad.autograd.is_anomaly_enabled() is False


def test_nodes_keep_a_forward_traceback_only_in_anomaly_mode():
    def body(m):
        x = m.ones(2, requires_grad=True)
        plain = x * 2
        with m.autograd.detect_anomaly():
            traced = x * 2
        return plain.grad_fn.metadata, traced.grad_fn.metadata["traceback_"]

    for m in MODULES:
        (plain, trace), _ = run(body, m)
        assert plain == {}
        assert isinstance(trace, list) and "traced = x * 2" in trace[-1], m.__name__


# --- NaN in backward --------------------------------------------------------------------------


def test_nan_gradient_raises_naming_node_and_output():
    def body(m):
        with m.autograd.detect_anomaly():
            a = m.tensor([0.0, 1.0], requires_grad=True)
            b = a / a
            b.sum().backward()

    for m in MODULES:
        err, texts = run(body, m)
        assert type(err) is RuntimeError
        assert "Function 'DivBackward0' returned nan values in its 1th output." in str(err)
        warning = next(t for t in texts if "Error detected in DivBackward0" in t)
        assert "Traceback of forward call that caused the error" in warning
        assert "b = a / a" in warning


def test_without_check_nan_the_nan_gradient_is_kept():
    def body(m):
        a = m.tensor([0.0, 1.0], requires_grad=True)
        with m.autograd.detect_anomaly(check_nan=False):
            (a / a).sum().backward()
        return a.grad

    for m in MODULES:
        grad, _ = run(body, m)
        assert np_isnan(grad)[0] and not np_isnan(grad)[1]


def np_isnan(t):
    return t.detach().numpy() != t.detach().numpy()


def test_graph_built_outside_anomaly_mode_has_no_forward_information():
    def body(m):
        a = m.tensor([0.0, 1.0], requires_grad=True)
        b = a / a
        with m.autograd.set_detect_anomaly(True):
            b.sum().backward()

    for m in MODULES:
        err, texts = run(body, m)
        assert type(err) is RuntimeError and "returned nan values" in str(err)
        assert any("No forward pass information available" in t for t in texts), m.__name__


def test_any_error_in_backward_warns_with_the_forward_trace():
    def body(m):
        with m.autograd.detect_anomaly():
            x = m.tensor([1.0, 4.0], requires_grad=True)
            y = x.exp()
            y.add_(1)
            y.sum().backward()

    for m in MODULES:
        err, texts = run(body, m)
        assert type(err) is RuntimeError and "modified by an inplace operation" in str(err)
        warning = next(t for t in texts if "Error detected in ExpBackward0" in t)
        assert "y = x.exp()" in warning


def test_an_exception_raised_by_a_node_hook_keeps_its_type():
    def body(m):
        with m.autograd.detect_anomaly():
            x = m.ones(2, requires_grad=True)
            y = x * 2
            y.grad_fn.register_prehook(lambda go: 1 / 0)
            y.sum().backward()

    for m in MODULES:
        err, texts = run(body, m)
        assert type(err) is ZeroDivisionError
        assert any("Error detected in MulBackward0" in t for t in texts)


def test_finite_backward_in_anomaly_mode_gives_the_usual_gradients():
    def body(m):
        with m.autograd.detect_anomaly():
            x = m.tensor([0.5, 2.0], requires_grad=True)
            w = m.tensor([1.5, -1.0], requires_grad=True)
            y = (x * w).tanh().sum() + x.sqrt().sum()
            y.backward()
        return x.grad, w.grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(body)


# --- the where diagnosis (beyond torch) -----------------------------------------------------


def test_nan_from_the_unselected_branch_of_where_is_explained():
    def body(m):
        with m.autograd.detect_anomaly():
            x = m.tensor([-1.0, 4.0, 0.0], requires_grad=True)
            y = m.where(x > 0, m.sqrt(x), 0.0)
            y.sum().backward()

    torch_err, _ = run(body, torch)
    assert "Function 'SqrtBackward0' returned nan values in its 0th output." in str(torch_err)
    err, texts = run(body, npgrad)
    assert type(err) is RuntimeError
    message = str(err)
    assert message.startswith("Function 'SqrtBackward0' returned nan values in its 0th output.")
    line = line_of(body, "m.where(")
    assert "SqrtBackward0 produced the first non-finite gradient" in message
    assert "masked out by where" in message
    assert f"where called at {__file__}:{line}" in message
    assert f"sqrt called at {__file__}:{line}" in message
    assert "sqrt(where(x > 0, x, 1))" in message
    assert any("Error detected in SqrtBackward0" in t for t in texts)


def test_where_diagnosis_reaches_through_ops_between_where_and_the_culprit():
    def body(m):
        with m.autograd.detect_anomaly():
            x = m.tensor([0.0, 4.0], requires_grad=True)
            r = m.log(x)
            s = r * 2 + 1
            y = m.where(x > 0, s, 0.0)
            (y * 3).sum().backward()

    err, _ = run(body, npgrad)
    message = str(err)
    assert "Function 'LogBackward0' returned nan values in its 0th output." in message
    assert "masked out by where" in message
    assert f"log called at {__file__}:{line_of(body, 'm.log(x)')}" in message
    assert f"where called at {__file__}:{line_of(body, 'm.where(')}" in message
    assert "log(where(x > 0, x, 1))" in message


def test_nan_not_caused_by_where_gets_no_where_diagnosis():
    def body(m):
        with m.autograd.detect_anomaly():
            a = m.tensor([0.0, 1.0], requires_grad=True)
            (a / a).sum().backward()

    err, _ = run(body, npgrad)
    assert "returned nan values" in str(err)
    assert "where" not in str(err)


def test_where_diagnosis_without_forward_trace_still_names_the_nodes():
    x = npgrad.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = npgrad.where(x > 0, npgrad.sqrt(x), 0.0)
        with npgrad.autograd.set_detect_anomaly(True):
            with pytest.raises(RuntimeError) as info:
                y.sum().backward()
    message = str(info.value)
    assert "SqrtBackward0 produced the first non-finite gradient" in message
    assert "run the forward pass under detect_anomaly to see where" in message


def test_safe_where_pattern_passes_anomaly_mode():
    def body(m):
        with m.autograd.detect_anomaly():
            x = m.tensor([-1.0, 4.0, 0.0], requires_grad=True)
            safe = m.where(x > 0, x, 1.0)
            m.where(x > 0, m.sqrt(safe), 0.0).sum().backward()
        return x.grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(body)
