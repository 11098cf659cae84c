"""Tensor basics: dtypes, creation, leaves, .grad, detach, NumPy, repr; torch is the oracle.

Each test body is a function of ``m`` (the module: torch or npgrad); the helpers run it
under both and compare what comes back.
"""

import warnings

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import (
    MODULES,
    raises_same,
    same,
    silent_same,
    warns_same,
)


def flags(t):
    return t.requires_grad, t.is_leaf, None if t.grad_fn is None else t.grad_fn.name()


# --- leaves and non-leaves ------------------------------------------------------------------


def test_factory_leaves():
    def body(m):
        a = m.tensor([1.0, 2.0])
        b = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.zeros(2, requires_grad=True)
        return flags(a), flags(b), flags(c), b.grad, b.grad_fn

    same(body)


def test_is_leaf_rules_for_op_results():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([3.0, 4.0])
        return [flags(t) for t in (x * 2, c * 2, x + c, c.exp(), (x * 2).detach(), x[0], x > 1)]

    same(body)


def test_conversions_make_non_leaves_unless_no_op():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        d = x.double()
        return (
            flags(d),
            x.float() is x,
            x.to(m.float32) is x,
            x.contiguous() is x,
            flags(x.float()),
        )

    same(body)


def test_double_of_leaf_gets_gradient_through_to_copy():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        d = x.double()
        (d * d).sum().backward()
        return d.detach(), x.grad

    same(body)


def test_requires_grad_propagation():
    def body(m):
        x = m.ones(2, requires_grad=True)
        c = m.ones(2)
        return [(x * c).requires_grad, (c * c).requires_grad, (c * 2 + x).requires_grad]

    same(body)


def test_non_leaf_grad_is_none_and_warns():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.sum().backward()
        return y.grad

    warns_same(body, UserWarning, "leaf", "retain_grad")


def test_non_leaf_grad_warns_on_every_access():
    for m in MODULES:
        y = m.ones(2, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            first = y.grad
            second = y.grad
        texts = [str(w.message) for w in rec if issubclass(w.category, UserWarning)]
        assert len(texts) == 2, f"{m.__name__}: {texts}"
        assert first is None and second is None


def test_leaf_grad_access_does_not_warn():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        before = x.grad
        (x * 2).sum().backward()
        return before, x.grad, m.ones(2).grad

    silent_same(body)


def test_retain_grad_tutorial_example():
    def body(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = y.pow(2).sum()
        z.backward()
        return (
            x.grad,
            y.grad,
            z.grad_fn.name(),
            y.grad_fn.name(),
            x.grad_fn,
            z.is_leaf,
            y.retains_grad,
            x.retains_grad,
        )

    silent_same(body)


def test_retain_grad_on_leaf_is_a_no_op():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.retain_grad()
        (x * 3).sum().backward()
        return x.retains_grad, x.grad

    same(body)


def test_retain_grad_twice_is_harmless():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.retain_grad()
        (y * y).sum().backward()
        return y.grad, x.grad

    same(body)


def test_retain_grad_on_tensor_not_requiring_grad_raises():
    def body(m):
        m.ones(2).retain_grad()

    raises_same(body, RuntimeError, "retain_grad", "requires_grad=False")


def test_retains_grad_defaults():
    def body(m):
        x = m.ones(2, requires_grad=True)
        return x.retains_grad, (x * 2).retains_grad, m.ones(2).retains_grad

    same(body)


@pytest.mark.parametrize("how", ["attribute", "method"])
def test_cannot_change_requires_grad_of_non_leaf(how):
    def body(m):
        y = m.ones(2, requires_grad=True) * 2
        if how == "attribute":
            y.requires_grad = False
        else:
            y.requires_grad_(False)

    raises_same(body, RuntimeError, "leaf variables", "detach()")


def test_requires_grad_true_method_on_non_leaf_is_a_no_op():
    def body(m):
        y = m.ones(2, requires_grad=True) * 2
        out = y.requires_grad_(True)
        return flags(y), out is y

    same(body)


def test_requires_grad_true_attribute_on_non_leaf_raises():
    def body(m):
        y = m.ones(2, requires_grad=True) * 2
        y.requires_grad = True

    raises_same(body, RuntimeError, "leaf variables")


def test_requires_grad_on_leaf_can_be_toggled():
    def body(m):
        x = m.ones(2)
        x.requires_grad = True
        a = flags(x)
        x.requires_grad_(False)
        b = flags(x)
        out = x.requires_grad_()
        return a, b, flags(x), out is x

    same(body)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor([1, 2, 3], requires_grad=True),
        lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
        lambda m: m.tensor([True, False], requires_grad=True),
        lambda m: m.arange(3).requires_grad_(),
        lambda m: m.tensor([True]).requires_grad_(),
        lambda m: m.tensor([1, 2], dtype=m.int32).requires_grad_(True),
    ],
    ids=["factory_int", "zeros_int64", "factory_bool", "method_int", "method_bool", "int32"],
)
def test_integer_and_bool_tensors_cannot_require_grad(make):
    raises_same(make, RuntimeError, "floating point", "require gradients")


def test_integer_tensor_attribute_requires_grad_raises():
    def body(m):
        t = m.arange(3)
        t.requires_grad = True

    raises_same(body, RuntimeError, "floating point", "require gradients")


def test_integer_tensor_requires_grad_false_is_fine():
    def body(m):
        t = m.arange(3)
        t.requires_grad_(False)
        t.requires_grad = False
        return flags(t)

    same(body)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64"])
def test_float_and_complex_dtypes_can_require_grad(dtype):
    def body(m):
        t = m.ones(2, dtype=getattr(m, dtype), requires_grad=True)
        return flags(t), t.dtype

    same(body)


@pytest.mark.parametrize("attr", ["grad_fn", "is_leaf"])
def test_read_only_attributes(attr):
    def body(m):
        x = m.ones(2, requires_grad=True)
        setattr(x, attr, None)

    raises_same(body, AttributeError, attr)


def test_grad_setter_wrong_size_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        x.grad = m.ones(3)

    raises_same(body, RuntimeError, "size", "[3]", "[2]")


def test_grad_setter_wrong_dtype_raises():
    def body(m):
        x = m.ones(2, requires_grad=True)
        x.grad = m.ones(2, dtype=m.float64)

    raises_same(body, RuntimeError, "dtype")


def test_grad_setter_non_tensor_raises_type_error():
    def body(m):
        x = m.ones(2, requires_grad=True)
        x.grad = [1.0, 1.0]

    raises_same(body, TypeError, "Tensor", "list")


def test_grad_setter_accepts_valid_values():
    def body(m):
        x = m.ones(2, requires_grad=True)
        g = m.tensor([3.0, 4.0])
        x.grad = g
        same_object = x.grad is g
        (x * 2).sum().backward()
        c = m.ones(2)
        c.grad = m.ones(2)
        return same_object, x.grad, g, c.grad

    same(body)


def test_del_grad():
    def body(m):
        x = m.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        del x.grad
        return x.grad

    same(body)


# --- dtypes ---------------------------------------------------------------------------------


def test_inferred_dtypes():
    def body(m):
        return [
            m.tensor([1.0, 2.0]).dtype,
            m.tensor([1, 2]).dtype,
            m.tensor([True, False]).dtype,
            m.tensor(3.5).dtype,
            m.tensor([1, 2.5]).dtype,
            m.zeros(2).dtype,
            m.arange(3).dtype,
            m.arange(3.0).dtype,
            m.get_default_dtype(),
        ]

    same(body)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_explicit_dtypes(dtype):
    def body(m):
        dt = getattr(m, dtype)
        t = m.tensor([0, 1, 2], dtype=dt)
        return t, t.dtype, m.zeros(2, dtype=dt), m.ones(2, dtype=dt).dtype

    same(body)


def test_dtype_aliases():
    def body(m):
        return [m.float, m.double, m.long, m.int, m.half, m.float is m.float32, m.long is m.int64]

    same(body)


def test_dtype_conversions():
    def body(m):
        t = m.tensor([1.7, -2.2])
        return t.double(), t.long(), t.int(), t.bool(), t.to(m.float64), t.half().dtype

    same(body)


def test_set_default_dtype():
    def body(m):
        old = m.get_default_dtype()
        try:
            m.set_default_dtype(m.float64)
            return (
                m.get_default_dtype(),
                m.tensor([1.0]).dtype,
                m.zeros(2).dtype,
                m.arange(2.0).dtype,
                m.tensor([1]).dtype,
                m.linspace(0, 1, 3).dtype,
            )
        finally:
            m.set_default_dtype(old)

    same(body)
    assert npgrad.get_default_dtype() == npgrad.float32
    assert torch.get_default_dtype() == torch.float32


# --- creation -------------------------------------------------------------------------------


def test_constructors_values_and_dtypes():
    def body(m):
        return [
            m.zeros(2, 3),
            m.zeros((2, 3)),
            m.ones(3),
            m.ones([2, 1]),
            m.full((2, 2), 7),
            m.full((2,), 1.5),
            m.full((2,), True),
            m.empty(2, 3).shape,
            m.arange(5),
            m.arange(1, 7, 2),
            m.arange(0.0, 1.0, 0.25),
            m.linspace(0, 1, 5),
            m.linspace(-1, 1, 1),
            m.eye(3),
            m.eye(2, 3),
            m.tensor([[1, 2], [3, 4]]),
            m.tensor(5),
            m.tensor([]),
        ]

    same(body)


def test_like_constructors():
    def body(m):
        x = m.tensor([[1.0, 2.0, 3.0]], dtype=m.float64)
        i = m.tensor([1, 2])
        return [
            m.zeros_like(x),
            m.ones_like(x),
            m.full_like(x, 4.0),
            m.empty_like(x).shape,
            m.zeros_like(i),
            m.ones_like(x, dtype=m.float32),
            flags(m.zeros_like(x, requires_grad=True)),
        ]

    same(body)


def test_like_constructors_do_not_inherit_requires_grad():
    def body(m):
        x = m.ones(2, requires_grad=True)
        return [flags(m.zeros_like(x)), flags(m.ones_like(x)), flags(m.full_like(x, 2.0))]

    same(body)


def test_tensor_copies_its_input():
    def body(m):
        a = np.array([1.0, 2.0])
        t = m.tensor(a)
        a[0] = 100.0
        return t, t.dtype

    same(body)


def test_tensor_from_tensor_warns_and_detaches():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        t = m.tensor(x)
        t.add_(1)
        return flags(t), t, x

    warns_same(body, UserWarning, "detach().clone()")


def test_from_numpy_shares_memory_and_keeps_dtype():
    def body(m):
        a = np.array([1.0, 2.0, 3.0])
        t = m.from_numpy(a)
        a[0] = 10.0
        t[1] = 20.0
        t.requires_grad_()
        return t.detach(), t.dtype, a.copy(), flags(t)

    same(body)


def test_from_numpy_int_and_float32():
    def body(m):
        return m.from_numpy(np.arange(3)), m.from_numpy(np.ones(2, dtype=np.float32))

    same(body)


def test_as_tensor_shares_memory_when_dtype_matches():
    def body(m):
        a = np.array([1.0, 2.0])
        t = m.as_tensor(a)
        u = m.as_tensor(a, dtype=m.float32)
        a[0] = 5.0
        x = m.ones(2)
        return t, u, m.as_tensor(x) is x, m.as_tensor([1, 2])

    same(body)


def test_manual_seed_reproduces_random_numbers():
    for m in MODULES:
        m.manual_seed(1234)
        a = (m.rand(3, 2), m.randn(4), m.randint(0, 10, (5,)))
        m.manual_seed(1234)
        b = (m.rand(3, 2), m.randn(4), m.randint(0, 10, (5,)))
        m.manual_seed(99)
        c = m.rand(3, 2)
        for p, q in zip(a, b):
            assert np.array_equal(p.numpy(), q.numpy()), m.__name__
        assert not np.array_equal(a[0].numpy(), c.numpy()), m.__name__


def test_random_shapes_dtypes_and_ranges():
    def body(m):
        m.manual_seed(0)
        r = m.rand(200)
        n = m.randn(2, 3)
        i = m.randint(3, 7, (100,))
        d = m.rand(2, dtype=m.float64)
        g = m.randn(2, requires_grad=True)
        return (
            (r.shape, r.dtype, bool((r.numpy() >= 0).all()), bool((r.numpy() < 1).all())),
            (n.shape, n.dtype),
            (i.shape, i.dtype, int(i.numpy().min()) >= 3, int(i.numpy().max()) <= 6),
            d.dtype,
            flags(g),
            m.rand_like(d).dtype,
            m.randn_like(n).shape,
        )

    same(body)


def test_randint_with_high_and_size_only():
    def body(m):
        j = m.randint(5, (40,))
        return j.shape, j.dtype, int(j.numpy().min()) >= 0, int(j.numpy().max()) < 5

    same(body)


# --- facts about a tensor --------------------------------------------------------------------


def test_shape_size_dim_numel_item_tolist():
    def body(m):
        t = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        s = m.tensor(2.5)
        return (
            t.shape,
            t.size(),
            t.size(1),
            t.size(-2),
            t.dim(),
            t.ndim,
            t.numel(),
            t.dtype,
            t.tolist(),
            s.item(),
            s.dim(),
            s.shape,
            s.tolist(),
            m.tensor([7]).item(),
            type(m.tensor([7]).item()).__name__,
            type(m.tensor([True]).item()).__name__,
            len(t),
            repr(t.shape).replace(m.__name__, "M"),
        )

    same(body)


def test_item_on_many_elements_raises():
    def body(m):
        m.tensor([1.0, 2.0]).item()

    raises_same(body, RuntimeError, "2 elements")


def test_bool_of_many_elements_raises():
    def body(m):
        bool(m.tensor([1.0, 2.0]))

    raises_same(body, RuntimeError, "ambiguous")


def test_size_dim_out_of_range_raises():
    def body(m):
        m.ones(2, 3).size(2)

    raises_same(body, IndexError, "Dimension out of range")


def test_item_and_tolist_work_on_grad_requiring_tensors():
    def body(m):
        x = m.tensor([1.5, 2.5], requires_grad=True)
        return x.tolist(), x[0].item(), x.sum().item()

    silent_same(body)


def test_float_of_grad_requiring_tensor_warns():
    def body(m):
        x = m.tensor(3.0, requires_grad=True)
        return float(x), int(x)

    warns_same(body, UserWarning, "requires_grad=True", "detach()", torch_warns=False)


def test_tensors_hash_by_identity():
    def body(m):
        a = m.tensor([1.0])
        b = m.tensor([1.0])
        d = {a: "a", b: "b"}
        return len(d), d[a], d[b], a in {a}, b in {a}

    same(body)


# --- NumPy conversion -------------------------------------------------------------------------


def test_numpy_of_grad_requiring_tensor_raises():
    def body(m):
        m.ones(2, requires_grad=True).numpy()

    raises_same(body, RuntimeError, "requires grad", "detach()")


def test_np_asarray_of_grad_requiring_tensor_raises():
    def body(m):
        np.asarray(m.ones(2, requires_grad=True))

    raises_same(body, RuntimeError, "requires grad", "detach()")


def test_np_asarray_of_non_leaf_raises():
    def body(m):
        np.asarray(m.ones(2, requires_grad=True) * 2)

    raises_same(body, RuntimeError, "detach()")


def test_numpy_shares_memory():
    def body(m):
        t = m.tensor([1.0, 2.0])
        a = t.numpy()
        a[0] = 9.0
        x = m.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach().numpy()
        d[1] = 7.0
        return t, x.detach(), np.asarray(m.tensor([3, 4])).dtype.name

    same(body)


# --- detach, detach_, .data -----------------------------------------------------------------


def test_detach_shares_storage_and_version():
    def body(m):
        x = m.ones(2, requires_grad=True)
        d = x.detach()
        info = flags(d)
        d.add_(1)
        return info, x.detach(), x._version, d._version, flags(x)

    same(body)


def test_detach_of_non_leaf():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        d = y.detach()
        y2 = d * x
        y2.sum().backward()
        return flags(d), d, x.grad

    same(body)


def test_detach_requires_grad_gives_new_leaf_sharing_storage():
    def body(m):
        x = m.tensor([1.0, 2.0])
        y = x.detach().requires_grad_()
        (y * y).sum().backward()
        with m.no_grad():
            y.mul_(2)
        return flags(y), y.grad, x

    same(body)


def test_data_shares_storage_but_not_version():
    def body(m):
        x = m.ones(2, requires_grad=True)
        d = x.data
        info = flags(d)
        d.mul_(3)
        return info, x.detach(), x._version, d._version

    same(body)


def test_data_of_non_leaf_is_a_plain_leaf():
    def body(m):
        y = m.ones(2, requires_grad=True) * 2
        return flags(y.data), y.data

    same(body)


def test_data_setter_swaps_values_and_keeps_identity():
    def body(m):
        x = m.ones(2, requires_grad=True)
        x.data = m.tensor([5.0, 6.0, 7.0])
        (x * x).sum().backward()
        return x.detach(), flags(x), x.grad

    same(body)


def test_detach_in_place_makes_a_leaf():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        out = y.detach_()
        return out is y, flags(y), y

    same(body)


def test_detach_in_place_on_view_raises():
    def body(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 2
        y[0].detach_()

    raises_same(body, RuntimeError, "detach views in-place", "detach()")


def test_clone_is_recorded_and_detach_clone_is_independent():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = x.clone()
        dc = x.detach().clone()
        dc.add_(10)
        (c * c).sum().backward()
        return flags(c), flags(dc), x.detach(), x.grad

    same(body)


# --- repr -----------------------------------------------------------------------------------


REPRS = {
    "leaf_requires_grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn": lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    "zero_dim_grad_fn": lambda m: (m.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1).sum(),
    "zero_dim": lambda m: m.tensor(3.0),
    "zero_dim_fraction": lambda m: m.tensor(-0.5),
    "zero_dim_int": lambda m: m.tensor(7),
    "float64": lambda m: m.tensor([1.5, 2.25], dtype=m.float64),
    "float64_requires_grad": lambda m: m.tensor([1.0], dtype=m.float64, requires_grad=True),
    "int64": lambda m: m.tensor([1, 2, 3]),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "bool": lambda m: m.tensor([True, False]),
    "four_decimals": lambda m: m.tensor([1.12345, 100.0]),
    "negative": lambda m: m.tensor([-1.0, 2.5]),
    "matrix": lambda m: m.tensor([[1.0, -2.5], [3.0, 4.0]]),
    "int_matrix": lambda m: m.tensor([[1, 20], [300, 4]]),
    "empty": lambda m: m.tensor([]),
    "plain_result": lambda m: m.tensor([1.0, 2.0]) * 2,
    "no_grad_result": lambda m: m.tensor([1.0], requires_grad=True).detach() + 1,
}


@pytest.mark.parametrize("name", sorted(REPRS))
def test_repr_matches_torch(name):
    expected = repr(REPRS[name](torch)).replace("torch.", "npgrad.")
    assert repr(REPRS[name](npgrad)) == expected


def test_repr_of_grad_has_no_suffix():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        return repr(x.grad).replace(m.__name__ + ".", "")

    same(body)


def test_str_matches_repr():
    def body(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        return str(x) == repr(x), str(x * 2) == repr(x * 2)

    same(body)


def test_python_floats_keep_full_precision_in_a_requested_dtype():
    same(lambda m: m.tensor([2.675, 0.1], dtype=m.float64))
    assert npgrad.tensor([2.675], dtype=npgrad.float64).item() == 2.675
