"""Finite differences in float64, independent of torch: npgrad's own gradcheck and
gradgradcheck, and an adjoint check ``<u, Jᵀv> == <Ju, v>`` written here, to order 2."""

from __future__ import annotations

import math

import numpy as np
import pytest

import npgrad
from helpers import check_vjp_numerically, leaves, make_arrays, seed_for
from npgrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck
from op_spec import KINK_MARGIN
from op_table import cases

FD_CASES = [c for c in cases() if c.spec.finite_differences]
MAX_GRADCHECK_NUMEL = 16


def _gradcheck_cases():
    """Per op and keyword variant, the largest and the smallest non-empty shapes (the full
    Jacobians that gradcheck builds grow with the square of the size)."""
    groups: dict = {}
    for c in FD_CASES:
        numel = sum(math.prod(s) for s in c.shapes)
        if 0 < numel <= MAX_GRADCHECK_NUMEL and all(math.prod(s) for s in c.shapes):
            groups.setdefault((c.spec.name, repr(c.kwargs)), []).append((numel, c))
    chosen = []
    for group in groups.values():
        group.sort(key=lambda item: item[0])
        largest, smallest = group[-1][1], group[0][1]
        chosen.extend([largest] if largest is smallest else [largest, smallest])
    return chosen


GRADCHECK_CASES = _gradcheck_cases()


def _inputs(case):
    spec = case.spec
    arrays = make_arrays(
        case.shapes,
        low=spec.low,
        high=spec.high,
        kinks=spec.kinks,
        margin=KINK_MARGIN,
        seed=seed_for(case.id),
    )
    return arrays, lambda *xs: spec.fn(npgrad, *xs, **case.kwargs)


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=lambda c: c.id)
def test_gradcheck(case):
    arrays, fn = _inputs(case)
    assert gradcheck(fn, tuple(leaves(npgrad, arrays)))


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=lambda c: c.id)
def test_gradgradcheck(case):
    arrays, fn = _inputs(case)
    assert gradgradcheck(fn, tuple(leaves(npgrad, arrays)))


@pytest.mark.parametrize("case", FD_CASES, ids=lambda c: c.id)
def test_vjp_matches_finite_differences(case):
    arrays, _ = _inputs(case)
    check_vjp_numerically(
        case.spec.name, case.spec.fn, arrays, case.kwargs, order=1, seed=seed_for("vjp", case.id)
    )


@pytest.mark.parametrize("case", FD_CASES, ids=lambda c: c.id)
def test_second_order_vjp_matches_finite_differences(case):
    arrays, _ = _inputs(case)
    check_vjp_numerically(
        case.spec.name, case.spec.fn, arrays, case.kwargs, order=2, seed=seed_for("vjp2", case.id)
    )


def test_gradcheck_accepts_empty_input():
    x = npgrad.zeros(0, 3, dtype=npgrad.float64, requires_grad=True)
    assert gradcheck(lambda t: t.exp(), (x,))


# --- gradcheck must be able to fail -------------------------------------------------------
class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (result,) = ctx.saved_tensors
        return grad * result


class ExpWrongBackward(Exp):
    @staticmethod
    def backward(ctx, grad):
        (result,) = ctx.saved_tensors
        return grad * result * 1.01


class CubeFirstOrderOnly(Function):
    """Right first derivative, computed from a detached input: no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x.detach() ** 2


def _x():
    return npgrad.tensor(np.linspace(-1.0, 1.5, 6).reshape(2, 3), requires_grad=True)


def test_gradcheck_passes_a_correct_custom_function():
    assert gradcheck(Exp.apply, (_x(),))
    assert gradgradcheck(Exp.apply, (_x(),))


def test_gradcheck_raises_for_a_wrong_custom_backward():
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(ExpWrongBackward.apply, (_x(),))


def test_gradcheck_returns_false_without_raising():
    assert gradcheck(ExpWrongBackward.apply, (_x(),), raise_exception=False) is False


def test_gradgradcheck_raises_for_a_missing_second_derivative():
    assert gradcheck(CubeFirstOrderOnly.apply, (_x(),))
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeFirstOrderOnly.apply, (_x(),))
