"""Shape, joining, splitting and indexing ops beyond the op table: views and version
counters, in-place ops on views, every indexing form, ``x[i] = v``, errors, in-place
methods, several outputs, and NumPy calls on tensors; torch is the oracle throughout.
"""

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same, same

A = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.5
W = np.random.default_rng(0).standard_normal(256)


def leaf(m, a=A):
    return m.tensor(np.array(a), requires_grad=True)


def weights(m, shape):
    n = int(np.prod(shape))
    return m.tensor(W[:n].reshape(shape))


# --- views: shared memory and version counters -------------------------------------------
VIEWS = {
    "getitem_int": lambda m, x: x[1],
    "getitem_slices": lambda m, x: x[:, 1:, ::2],
    "getitem_none_ellipsis": lambda m, x: x[None, ..., 0],
    "getitem_all_ints": lambda m, x: x[1, 2, 3],
    "getitem_empty_slice": lambda m, x: x[:, 3:1],
    "narrow": lambda m, x: x.narrow(2, 1, 2),
    "diagonal": lambda m, x: x.diagonal(0, 1, 2),
    "diagonal_offset": lambda m, x: m.diagonal(x, -1, 2, 1),
    "movedim": lambda m, x: x.movedim(0, -1),
    "unflatten": lambda m, x: x.unflatten(2, (2, 2)),
    "expand_as": lambda m, x: x[:, :1].expand_as(x),
    "split": lambda m, x: x.split(2, 2)[1],
    "split_sizes": lambda m, x: m.split(x, [1, 2], 1)[1],
    "chunk": lambda m, x: x.chunk(2, 2)[0],
    "unbind": lambda m, x: x.unbind(1)[2],
    "tensor_split": lambda m, x: x.tensor_split([1], 2)[1],
    "ravel": lambda m, x: x.ravel(),
    "swapdims": lambda m, x: x.swapdims(0, 2),
}
COPIES = {
    "flip": lambda m, x: x.flip(0),
    "roll": lambda m, x: x.roll(1, 1),
    "repeat": lambda m, x: x.repeat(1, 1, 1),
    "tile": lambda m, x: x.tile((1,)),
    "cat": lambda m, x: m.cat([x]),
    "stack": lambda m, x: m.stack([x]),
    "tril": lambda m, x: x.tril(),
    "diag": lambda m, x: m.diag(x[0]),
    "getitem_list": lambda m, x: x[[0, 1]],
    "getitem_mask": lambda m, x: x[x > 0],
    "ravel_transposed": lambda m, x: x.mT.ravel(),
    "gather": lambda m, x: x.gather(0, m.zeros(1, 3, 4, dtype=m.int64)),
    "masked_fill": lambda m, x: x.masked_fill(x > 0, 0.0),
}


@pytest.mark.parametrize("name", sorted(VIEWS) + sorted(COPIES))
def test_view_or_copy_like_torch(name):
    op = {**VIEWS, **COPIES}[name]

    def body(m):
        x = m.tensor(A.copy())
        v = op(m, x)
        before = v.clone()
        x.add_(1.0)  # a view sees the change and shares the version counter
        return {
            "is_view": v._base is x,
            "changed": bool((v != before).any()) if v.numel() else None,
            "version": v._version,
            "value": v,
        }

    same(body)


@pytest.mark.parametrize("name", sorted(set(VIEWS) - {"expand_as", "ravel"}))
def test_writing_into_a_view_changes_the_base(name):
    def body(m):
        x = m.tensor(A.copy())
        v = VIEWS[name](m, x)
        v.mul_(-2.0)
        return {"x": x, "x_version": x._version, "v_version": v._version}

    same(body)


INPLACE_ON_VIEW = {
    "getitem": lambda m, y: y[1, :, 1:3],
    "narrow": lambda m, y: y.narrow(1, 0, 2),
    "diagonal": lambda m, y: y.diagonal(dim1=1, dim2=2),
    "movedim": lambda m, y: y.movedim(2, 0),
    "unflatten": lambda m, y: y.unflatten(2, (2, 2)),
    "tensor_split": lambda m, y: y.tensor_split(2, 2)[1],
}


@pytest.mark.parametrize("name", sorted(INPLACE_ON_VIEW))
def test_inplace_op_on_a_view_is_recorded(name):
    def body(m):
        x = leaf(m)
        y = x * 1.0
        v = INPLACE_ON_VIEW[name](m, y)
        v.mul_(v.detach() + 2.0).add_(1.0)
        (y * weights(m, y.shape)).sum().backward()
        return {"y": y, "y_fn": y.grad_fn.name(), "grad": x.grad}

    same(body)


# --- indexing -------------------------------------------------------------------------------
def _ix(m, i):
    """Index descriptions with lists marked as ``("t", list)`` become index tensors."""
    if isinstance(i, tuple) and len(i) == 2 and i[0] == "t":
        return m.tensor(i[1], dtype=m.int64 if i[1] == [] else None)
    if isinstance(i, tuple):
        return tuple(_ix(m, j) for j in i)
    return i


INDEXES = [
    0,
    -1,
    (1, -1),
    (1, 2, 3),
    slice(None),
    (slice(None),),
    slice(1, None),
    (slice(None, None, 2), slice(None), slice(1, None, 2)),
    (Ellipsis, 1),
    (0, Ellipsis, 1),
    Ellipsis,
    (),
    None,
    (None, 0, None),
    (slice(-10, 10),),
    (slice(0, 10),),
    (slice(5, 1),),
    [1, 1, 0],
    ("t", [1, 1, 1]),
    ("t", [[0, 1], [1, 1]]),
    (("t", [1, 0, 1]), ("t", [2, 2, 2])),
    (slice(None), ("t", [2, 2, 0]), slice(None)),
    (slice(None), ("t", [2, 2]), ("t", [3, 3])),
    (("t", [1, 1]), slice(None), ("t", [0, 0])),
    (0, slice(None), ("t", [3, 3, 0])),
    (("t", [1, 1]), 0),
    (slice(None), 0, ("t", [1, 1])),
    (None, ("t", [0, 1]), None, ("t", [1, 2])),
    (("t", [[0], [1]]), ("t", [2, 2, 0])),
    (1, ("t", [True, False, True])),
    ("t", [True, False]),
    ("t", [[True, False, True], [False, False, True]]),
    (("t", [[True, False, True], [False, False, True]]), ("t", [0, 0, 3])),
    ("t", True),
    ("t", False),
    True,
    (Ellipsis, None, False),
    ("t", 1),
    (("t", 1), ("t", [0, 2])),
    [[0, 1], [1, 2]],
    [[True, False], [True, True, False]],
    (Ellipsis, Ellipsis),
    ("t", []),
]


@pytest.mark.parametrize("index", INDEXES, ids=repr)
def test_getitem_like_torch(index):
    def body(m):
        x = leaf(m)
        y = x[_ix(m, index)]
        (y * weights(m, y.shape)).sum().backward()
        return {"y": y, "grad": x.grad, "view": y._base is x}

    same(body)


@pytest.mark.parametrize("index", INDEXES[:20], ids=repr)
def test_getitem_double_backward(index):
    def body(m):
        x = leaf(m)
        y = x[_ix(m, index)]
        w = m.tensor(W[: y.numel()].reshape(y.shape), requires_grad=True)
        (g,) = m.autograd.grad((y * w * y).sum(), x, create_graph=True)
        (gw,) = m.autograd.grad((g * g).sum(), w)
        return {"g": g.detach(), "gw": gw}

    same(body)


def test_getitem_repeated_indices_accumulate():
    def body(m):
        x = leaf(m, np.arange(5.0))
        idx = m.tensor([[4, 4, 0], [4, 1, 4]])
        (x[idx] * m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        return x.grad

    same(body)


def test_getitem_numpy_and_int32_indices():
    def body(m):
        x = leaf(m)
        return [x[np.array([1, 0])], x[np.int64(1)], x[m.tensor([1, 0], dtype=m.int32)]]

    same(body)


def test_slice_with_tensor_bounds():
    same(lambda m: leaf(m)[:, m.tensor(1) : m.tensor(3)])


# --- x[index] = value ------------------------------------------------------------------------
SETITEM = [
    (0, "vec4"),
    (0, 2.5),
    ((slice(0, 2),), "vec4"),
    ((1, slice(None), 1), "vec3"),
    ((Ellipsis, 0), "row"),
    (Ellipsis, "vec4"),
    (Ellipsis, 1.0),
    (slice(None), -1.0),
    ((slice(None), slice(None)), "vec4"),
    (0, "lead_ones"),
    ((1, 2, 3), "scalar"),
    (("t", [1, 0]), "vec4"),
    (("t", [1, 1]), 3.0),
    ((0, slice(None), ("t", [2, 0])), "row2"),
    ((slice(None), ("t", [2, 0])), 7.0),
    ((slice(None), slice(None), ("t", [3, 3])), "scalar"),
    ("mask", 0.0),
    ("mask", "scalar"),
    (("t", [True, False]), "vec4"),
    (True, "vec4"),
    (False, 1.0),
    ((slice(None), 2, slice(None)), "vec4"),
]


def _value(m, kind):
    if not isinstance(kind, str):
        return kind
    arrays = {
        "vec4": [0.5, -1.0, 2.0, 3.0],
        "vec3": [1.0, 2.0, 3.0],
        "row": [[1.0, 2.0, 3.0]],
        "row2": [[1.0], [2.0], [3.0]],
        "lead_ones": [[[1.0, 2.0, 3.0, 4.0]]],
        "scalar": 4.0,
    }
    return m.tensor(arrays[kind], dtype=m.float64, requires_grad=True)


@pytest.mark.parametrize(("index", "value"), SETITEM, ids=repr)
def test_setitem_like_torch(index, value):
    def body(m):
        x = leaf(m)
        y = x * 2.0
        v = _value(m, value)
        idx = y > 0 if index == "mask" else _ix(m, index)
        y[idx] = v
        (y * weights(m, y.shape)).sum().backward()
        out = {"y": y, "fn": y.grad_fn.name(), "version": y._version, "x_grad": x.grad}
        if isinstance(v, m.Tensor):
            out["v_grad"] = v.grad
        return out

    same(body)


def test_setitem_without_grad_casts_and_broadcasts():
    def body(m):
        t = m.zeros(2, 3, dtype=m.int64)
        t[0] = 2.7
        t[1, m.tensor([0, 2])] = 5.9
        t[:, 1] = m.tensor(9)
        f = m.zeros(3)
        f[m.tensor([0, 0])] = m.tensor([1.0, 2.0])
        return {"t": t, "version": t._version, "f": f[1:]}

    same(body)


def test_setitem_on_a_view_changes_the_base():
    def body(m):
        x = leaf(m)
        y = x * 1.0
        row = y[1]
        row[0, m.tensor([1, 3])] = m.tensor(-5.0, dtype=m.float64)
        row[2] = 7.0
        (y * weights(m, y.shape)).sum().backward()
        return {"y": y, "row": row.detach(), "grad": x.grad, "version": y._version}

    same(body)


def test_setitem_after_use_is_caught():
    def body(m):
        x = leaf(m)
        y = x * 1.0
        z = y * y
        y[0] = 1.0
        z.sum().backward()

    raises_same(body, RuntimeError, "modified by an inplace operation")


# --- errors ------------------------------------------------------------------------------------
ERRORS = [
    (lambda m: leaf(m)[2], IndexError, "out of bounds"),
    (lambda m: leaf(m)[0, -4], IndexError, "index -4 is out of bounds for dimension 1"),
    (lambda m: leaf(m)[0, 0, 0, 0], IndexError, "too many indices"),
    (lambda m: m.tensor(1.0)[0], IndexError, "invalid index of a 0-dim tensor"),
    (lambda m: leaf(m)[m.tensor([0, 5])], IndexError, "out of bounds"),
    (lambda m: leaf(m)[:, m.tensor([[0, 5]])], IndexError, "out of bounds"),
    (lambda m: leaf(m)[m.tensor([0.0])], IndexError, "tensors used as indices must be long"),
    (lambda m: leaf(m)[1.5], IndexError, "only integers, slices"),
    (lambda m: leaf(m)[m.tensor([True, False, True])], IndexError, "shape of the mask"),
    (lambda m: leaf(m)[[0, 1], [0, 1, 2]], IndexError, "shape mismatch"),
    (lambda m: leaf(m)[::0], ValueError, "step cannot be zero"),
    (lambda m: leaf(m)[::-1], ValueError, "step must be greater than zero"),
    (lambda m: leaf(m)[m.tensor([0, 1], dtype=m.int8)], IndexError, "long, int, byte or bool"),
    (lambda m: m.zeros(2, 3).__setitem__(0, m.zeros(4)), RuntimeError, "expanded size"),
    (lambda m: m.zeros(2, 3).__setitem__([0, 1], m.zeros(3, 3)), RuntimeError, "shape mismatch"),
    (lambda m: m.zeros(2, 3).__setitem__(0, [1.0, 2.0, 3.0]), TypeError, "can't assign a list"),
    (
        lambda m: m.zeros(2, 3).__setitem__([0], m.ones(3, dtype=m.float64)),
        RuntimeError,
        "Index put requires the source and destination dtypes match",
    ),
    (lambda m: leaf(m).__setitem__(0, 1.0), RuntimeError, "view of a leaf Variable"),
    (lambda m: leaf(m).__setitem__([0], 1.0), RuntimeError, "leaf Variable that requires grad"),
    (lambda m: m.cat([]), ValueError, "expected a non-empty list"),
    (lambda m: m.cat([leaf(m), 1]), TypeError, "expected Tensor as element 1"),
    (lambda m: m.cat(leaf(m)), TypeError, "must be tuple of Tensors"),
    (lambda m: m.cat([m.tensor(1.0)]), RuntimeError, "zero-dimensional tensor (at position 0)"),
    (lambda m: m.cat([leaf(m), leaf(m)[0]]), RuntimeError, "same number of dimensions"),
    (lambda m: m.cat([leaf(m), leaf(m)[:, :2]]), RuntimeError, "Sizes of tensors must match"),
    (lambda m: m.cat([leaf(m), leaf(m)], 3), IndexError, "Dimension out of range"),
    (lambda m: m.stack([]), RuntimeError, "non-empty TensorList"),
    (lambda m: m.stack([leaf(m), leaf(m)[0]]), RuntimeError, "equal size"),
    (lambda m: leaf(m).split(-1), RuntimeError, "non-negative"),
    (lambda m: leaf(m).split(0, 1), RuntimeError, "split_size can only be 0"),
    (lambda m: leaf(m).split([1, 1], 1), RuntimeError, "sum exactly to 3"),
    (lambda m: leaf(m).chunk(0), RuntimeError, "greater than 0"),
    (lambda m: m.tensor(1.0).unbind(), IndexError, "no dimensions"),
    (lambda m: leaf(m).narrow(2, 3, 2), RuntimeError, "exceeds dimension size"),
    (lambda m: leaf(m).narrow(2, 0, -1), RuntimeError, "length must be non-negative"),
    (lambda m: leaf(m).narrow(2, 5, 0), IndexError, "start out of range"),
    (lambda m: leaf(m).movedim((0, 1), (0,)), RuntimeError, "same number of dims"),
    (lambda m: leaf(m).movedim((0, 0), (0, 1)), RuntimeError, "repeated dim"),
    (lambda m: leaf(m).movedim(0, 3), IndexError, "Dimension out of range"),
    (lambda m: leaf(m).unflatten(2, (3, 2)), RuntimeError, "don't multiply up"),
    (lambda m: leaf(m).unflatten(2, ()), RuntimeError, "must be non-empty"),
    (lambda m: leaf(m).repeat(2, 2), RuntimeError, "can not be smaller"),
    (lambda m: leaf(m).flip(0, -3), RuntimeError, "appears multiple times"),
    (lambda m: leaf(m).roll((1, 2), 0), RuntimeError, "must align"),
    (lambda m: m.tensor(1.0).roll(1, 0), IndexError, "no dimensions"),
    (lambda m: leaf(m)[0, 0].tril(), RuntimeError, "at least 2 dimensions"),
    (lambda m: leaf(m)[0, 0].triu(), RuntimeError, "at least 2 dimensions"),
    (lambda m: leaf(m).diagonal(0, 1, -2), RuntimeError, "cannot be identical"),
    (lambda m: m.diag(leaf(m)), RuntimeError, "Supports 1D or 2D tensors. Got 3D"),
    (lambda m: m.fliplr(leaf(m)[0, 0]), RuntimeError, "Input must be >= 2-d"),
    (lambda m: leaf(m).expand(2, 5, 4), RuntimeError, "must match the existing size"),
    (lambda m: leaf(m).expand(-1, 2, 3, 4), RuntimeError, "isn't allowed in a leading"),
    (lambda m: leaf(m).gather(0, m.tensor([0])), RuntimeError, "same number of dimensions"),
    (lambda m: leaf(m).gather(2, m.tensor([[[4]]])), RuntimeError, "out of bounds"),
    (lambda m: leaf(m).gather(0, m.zeros(1, 4, 4, dtype=m.int64)), RuntimeError, "no larger"),
    (lambda m: leaf(m).gather(0, m.zeros(1, 1, 1)), RuntimeError, "Expected dtype int32/int64"),
    (
        lambda m: leaf(m).scatter(0, m.zeros(1, 1, 1, dtype=m.int64), m.zeros(1, 1, 1)),
        RuntimeError,
        "self.dtype to be equal to src.dtype",
    ),
    (
        lambda m: leaf(m).scatter(0, m.tensor([[[3]]]), 1.0),
        RuntimeError,
        "out of bounds",
    ),
    (
        lambda m: leaf(m).scatter(0, m.tensor([[[1]]]), 1.0, reduce="mean"),
        RuntimeError,
        "add or multiply",
    ),
    (lambda m: leaf(m).index_select(0, m.tensor([[0]])), IndexError, "supposed to be a vector"),
    (lambda m: leaf(m).index_select(0, m.tensor([2])), IndexError, "index out of range"),
    (lambda m: leaf(m).index_select(0, m.tensor([0.0])), RuntimeError, "int32 or int64"),
    (
        lambda m: leaf(m).index_add(0, m.tensor([0, 1]), leaf(m)[:1]),
        RuntimeError,
        "Number of indices (2)",
    ),
    (
        lambda m: leaf(m).index_add(0, m.tensor([0]), leaf(m)[:1].float()),
        RuntimeError,
        "must have the same scalar type",
    ),
    (
        lambda m: leaf(m).index_fill(0, m.tensor([0]), m.tensor([1.0])),
        RuntimeError,
        "0-dimensional value tensor",
    ),
    (lambda m: leaf(m).masked_fill(m.tensor([1, 0, 1, 1]), 0.0), RuntimeError, "boolean masks"),
    (
        lambda m: leaf(m).masked_fill(m.tensor([True, False]), 0.0),
        RuntimeError,
        "The size of tensor a (2) must match the size of tensor b (4)",
    ),
    (lambda m: leaf(m).masked_select(m.tensor([1, 0, 1, 1])), RuntimeError, "BoolTensor"),
    (lambda m: m.take(leaf(m), m.tensor([24])), IndexError, "out of range"),
    (
        lambda m: m.take_along_dim(leaf(m), m.tensor([0]), 1),
        RuntimeError,
        "same number of dimensions",
    ),
]


@pytest.mark.parametrize(("fn", "exc", "key"), ERRORS, ids=[e[2] for e in ERRORS])
def test_errors_like_torch(fn, exc, key):
    raises_same(fn, exc, key)


def test_failed_setitem_changes_nothing():
    # torch may write part of an index before finding a bad one; npgrad checks first.
    x = npgrad.zeros(2, 3)
    for index, value in ((0, npgrad.ones(4)), ([0, 5], 1.0), (npgrad.tensor([True]), 1.0)):
        with pytest.raises((IndexError, RuntimeError)):
            x[index] = value
    assert x._version == 0 and not x.numpy().any()


# --- dtypes ------------------------------------------------------------------------------------
def test_cat_and_stack_promote_dtypes():
    def body(m):
        i = m.tensor([[1, 2]])
        f = m.tensor([[0.5, 1.5]], dtype=m.float32)
        d = leaf(m, [[2.0, 3.0]])
        b = m.tensor([[True, False]])
        return [m.cat([i, f]), m.cat([f, d]), m.stack([b, i]), m.cat([b, b]), m.cat([i, d], 1)]

    same(body)


def test_index_ops_keep_dtypes():
    def body(m):
        t = m.tensor([[1, 2, 3], [4, 5, 6]])
        return [
            t.masked_fill(t > 2, 2.7),
            t.index_fill(1, m.tensor([0]), -1),
            t.gather(1, m.tensor([[2], [0]])),
            t.scatter(0, m.tensor([[1, 0, 1]]), 9),
            t.flip(1).roll(1).tril(),
            t[t > 3],
            m.diag(t),
        ]

    same(body)


# --- several outputs ---------------------------------------------------------------------------
def test_split_outputs_share_one_node():
    def body(m):
        x = leaf(m)
        parts = x.split([1, 3], dim=2)
        fn = parts[0].grad_fn
        return {
            "shared": all(p.grad_fn is fn for p in parts),
            "nr": [p.output_nr for p in parts],
            "next": fn.next_functions[0][0].name(),
        }

    same(body)


@pytest.mark.parametrize("op", ["split", "chunk", "unbind"])
def test_multi_output_grads_with_unused_outputs(op):
    def body(m):
        x = leaf(m)
        outs = {
            "split": lambda: x.split(1, 1),
            "chunk": lambda: x.chunk(2, -1),
            "unbind": lambda: x.unbind(1),
        }[op]()
        used = outs[-1]
        used.retain_grad()
        seen = []
        used.register_hook(lambda g: seen.append(g.sum()))
        (used * weights(m, used.shape)).sum().backward()
        return {"grad": x.grad, "retained": used.grad, "hook": seen}

    same(body)


def test_multi_output_double_backward():
    def body(m):
        x = leaf(m)
        a, b, c = x.unbind(1)
        y = (a * b * c.exp()).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x)
        return {"g": g, "gg": gg}

    same(body)


# --- in-place methods --------------------------------------------------------------------------
INPLACE = {
    "masked_fill_": lambda m, y, v: y.masked_fill_(y > 0, v),
    "masked_fill_number": lambda m, y, v: y.masked_fill_(y < 0, 1.5),
    "scatter_": lambda m, y, v: y.scatter_(2, m.tensor([[[0], [3], [1]]] * 2), v.expand(2, 3, 1)),
    "scatter_value": lambda m, y, v: y.scatter_(1, m.tensor([[[0, 1, 2, 0]]]), 2.0),
    "scatter_add_": lambda m, y, v: y.scatter_add_(
        0, m.tensor([[[1, 1, 0, 1]]]), v.expand(1, 1, 4)
    ),
    "index_add_": lambda m, y, v: y.index_add_(2, m.tensor([3, 3]), v.expand(2, 3, 2), alpha=2),
    "index_fill_": lambda m, y, v: y.index_fill_(1, m.tensor([0, 2]), v),
    "index_put_": lambda m, y, v: y.index_put_((m.tensor([0, 0]), m.tensor([1, 1])), v, True),
    "tril_": lambda m, y, v: y.tril_(1),
    "triu_": lambda m, y, v: y.triu_(),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_methods_like_torch(name):
    def body(m):
        x = leaf(m)
        v = m.tensor(0.75, dtype=m.float64, requires_grad=True)
        y = x * 1.0
        out = INPLACE[name](m, y, v)
        (y * weights(m, y.shape)).sum().backward()
        return {
            "same_object": out is y,
            "y": y,
            "fn": y.grad_fn.name(),
            "version": y._version,
            "x_grad": x.grad,
            "v_grad": v.grad,
        }

    same(body)


def test_index_put_out_of_place():
    def body(m):
        x = leaf(m)
        v = m.tensor([[1.0], [2.0]], dtype=m.float64, requires_grad=True)
        y = m.index_put(x, (m.tensor([0, 1]), m.tensor([2, 0])), v)
        (y * weights(m, y.shape)).sum().backward()
        return {"y": y, "x_grad": x.grad, "v_grad": v.grad}

    same(body)


def test_scatter_reduce_forward_and_missing_derivative():
    def body(m):
        x = leaf(m)
        idx = m.tensor([[[0, 1, 1, 0]]])
        y = x.scatter(1, idx, 2.0, reduce="multiply")
        z = x.scatter(2, m.tensor([[[1, 1]]]), x[:1, :1, :2] * 1, reduce="add")
        return {"y": y, "z": z}

    same(body)
    x = npgrad.tensor(A, requires_grad=True)
    y = x.scatter(1, npgrad.tensor([[[0, 1, 1, 0]]]), 2.0, reduce="add")
    with pytest.raises(RuntimeError, match="not implemented"):
        y.sum().backward()


# --- NumPy functions on tensors ----------------------------------------------------------------
NUMPY_CALLS = {
    "concatenate": (
        lambda x: np.concatenate([x, x[:1] * 2], axis=0),
        lambda m, x: m.cat([x, x[:1] * 2], 0),
    ),
    "concatenate_axis_none": (
        lambda x: np.concatenate((x, x), axis=None),
        lambda m, x: m.cat([x.reshape(-1), x.reshape(-1)]),
    ),
    "stack": (lambda x: np.stack([x, x * 3], axis=-1), lambda m, x: m.stack([x, x * 3], -1)),
    "flip": (lambda x: np.flip(x, 1), lambda m, x: x.flip(1)),
    "flip_all": (lambda x: np.flip(x), lambda m, x: x.flip(0, 1, 2)),
    "roll": (lambda x: np.roll(x, 2), lambda m, x: x.roll(2)),
    "roll_axes": (lambda x: np.roll(x, (1, -1), axis=(0, 2)), lambda m, x: x.roll((1, -1), (0, 2))),
    "tile": (lambda x: np.tile(x, 2), lambda m, x: x.tile(2)),
    "tile_more": (lambda x: np.tile(x, (2, 1, 1, 2)), lambda m, x: x.tile((2, 1, 1, 2))),
    "tril": (lambda x: np.tril(x, -1), lambda m, x: x.tril(-1)),
    "triu": (lambda x: np.triu(x, k=1), lambda m, x: x.triu(1)),
    "diagonal": (lambda x: np.diagonal(x, 1, 1, 2), lambda m, x: x.diagonal(1, 1, 2)),
    "diag": (lambda x: np.diag(x[0], k=-1), lambda m, x: m.diag(x[0], -1)),
    "diag_vector": (lambda x: np.diag(x[0, 0], 1), lambda m, x: m.diag(x[0, 0], 1)),
    "moveaxis": (lambda x: np.moveaxis(x, [0, 1], [2, 0]), lambda m, x: x.movedim((0, 1), (2, 0))),
    "ravel": (lambda x: np.ravel(x), lambda m, x: x.reshape(-1)),
    "atleast_1d": (lambda x: np.atleast_1d(x[0, 0, 0]), lambda m, x: x[0, 0, 0].reshape(1)),
    "repeat": (lambda x: np.repeat(x, 2, axis=1), lambda m, x: x.repeat_interleave(2, 1)),
    "repeat_flat": (lambda x: np.repeat(x, 2), lambda m, x: x.repeat_interleave(2)),
    "repeat_counts": (
        lambda x: np.repeat(x, [1, 0, 2], axis=1),
        lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), 1),
    ),
}


def _take_along(x):
    idx = x.detach().numpy().argsort(axis=2) if isinstance(x, npgrad.Tensor) else x.argsort(axis=2)
    return np.take_along_axis(x, idx[..., :2], axis=2)


@pytest.mark.parametrize("name", sorted(NUMPY_CALLS))
def test_numpy_calls_stay_in_the_graph(name):
    np_fn, torch_fn = NUMPY_CALLS[name]
    x = npgrad.tensor(A, requires_grad=True)
    out = np_fn(x)
    assert isinstance(out, npgrad.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.detach().numpy(), np_fn(A.copy()))
    w = W[: out.numel()].reshape(tuple(out.shape))
    (out * npgrad.tensor(w)).sum().backward()
    xt = torch.tensor(A, requires_grad=True)
    (torch_fn(torch, xt) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_numpy_take_along_axis():
    x = npgrad.tensor(A, requires_grad=True)
    out = _take_along(x)
    assert isinstance(out, npgrad.Tensor)
    np.testing.assert_allclose(out.detach().numpy(), _take_along(A.copy()))
    out.sum().backward()
    xt = torch.tensor(A, requires_grad=True)
    idx = torch.tensor(A.argsort(axis=2)[..., :2])
    torch.take_along_dim(xt, idx, 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize(
    ("fn", "sections"),
    [(np.array_split, 3), (np.array_split, [1, 3]), (np.split, 2), (np.split, [3, 1, 9])],
)
def test_numpy_split(fn, sections):
    x = npgrad.tensor(A, requires_grad=True)
    parts = fn(x, sections, axis=2)
    expected = fn(A.copy(), sections, axis=2)
    assert isinstance(parts, list) and len(parts) == len(expected)
    for p, e in zip(parts, expected):
        assert isinstance(p, npgrad.Tensor)
        np.testing.assert_array_equal(p.detach().numpy(), e)
    total = sum((p * (i + 1)).sum() for i, p in enumerate(parts))
    total.backward()
    xt = torch.tensor(A, requires_grad=True)
    pieces = torch.tensor_split(xt, sections, 2)
    sum((p * (i + 1)).sum() for i, p in enumerate(pieces)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_numpy_split_unequal_raises_like_numpy():
    with pytest.raises(ValueError, match="equal division"):
        np.split(npgrad.tensor(A), 3, axis=2)
    with pytest.raises(ValueError, match="equal division"):
        np.split(A, 3, axis=2)


def test_setitem_into_a_tensor_that_needs_no_grad():
    def body(m):
        v = leaf(m, [1.0, 2.0])
        y = m.zeros(3, 2, dtype=m.float64)
        y[1] = v * 3
        y[m.tensor([2, 2])] = v
        (y * weights(m, y.shape)).sum().backward()
        return {"y": y, "fn": y.grad_fn.name(), "leaf": y.is_leaf, "grad": v.grad}

    same(body)
