"""Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn, version)."""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from .autograd import diagnosis
from .autograd.node import RemovableHandle, hooks_used

_new = object.__new__


class Size(tuple):
    """A tensor's shape: a tuple that prints as torch's does."""

    def __repr__(self) -> str:
        return f"npgrad.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor "
    "before calling backward(). If you access the non-leaf Tensor by mistake, make sure you "
    "access the leaf Tensor instead. npgrad.autograd.explain(t) says why a .grad is None."
)


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    Leaves are tensors the user created; with ``requires_grad=True`` they accumulate the
    gradient of ``backward()`` into ``.grad``. Tensors produced by recorded ops carry the
    node that made them in ``grad_fn`` and keep no gradient unless ``retain_grad()`` asked.
    """

    __slots__ = (
        "_data",  # the NumPy array
        "_requires_grad",
        "_grad_fn",  # the node that produced this tensor (None for leaves)
        "_output_nr",  # which output of grad_fn this is
        "_grad",
        "_version_counter",  # [version, changes], shared with views (see node.bump_version)
        "_base",  # the tensor this one is a view of
        "_view_fn",  # base -> this view (set only on views)
        "_view_version",  # the version this view's grad_fn was derived at (views only)
        "_accumulator",  # weak reference to the leaf's AccumulateGrad node
        "_hooks",  # a leaf's gradient hooks
        "_post_acc_hooks",  # a leaf's post-accumulate-grad hooks (unset until one is added)
        "_retains_grad",
        "_origin",  # how a tensor left the graph (detach(), no_grad, ...), for explain()
        "_grad_reset",  # the backward count when .grad was last set to None (explain())
        "__weakref__",
    )
    __hash__ = object.__hash__  # tensors are dict keys by identity, as in torch
    __array_priority__ = 1000

    def __new__(cls, *data, dtype=None):
        """``Tensor(data)`` copies data as the default dtype; ``Tensor(2, 3)`` is a shape."""
        from ._creation import tensor

        dtype = dtype or _dtype.get_default_dtype()
        if data and all(isinstance(d, int) and not isinstance(d, bool) for d in data):
            return wrap(np.zeros(data, _dtype.to_numpy(dtype)))
        return wrap(tensor(data[0] if data else [], dtype=dtype)._data)

    # --- the autograd attributes ------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """True if gradients need to be computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(
            value,
            "only Tensors of floating point and complex dtype can require gradients",
            strict=True,
        )

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only) and return self."""
        self._set_requires_grad(
            requires_grad, "only Tensors of floating point dtype can require gradients"
        )
        return self

    def _set_requires_grad(self, value: bool, dtype_message: str, strict=False) -> None:
        value = bool(value)
        if self._grad_fn is not None:
            if value and not strict:  # requires_grad_() on a non-leaf is a no-op
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"{dtype_message}, but this tensor has dtype {self.dtype}; convert it first, "
                "e.g. t.float()"
            )
        self._requires_grad = value

    @property
    def grad_fn(self):
        """The node that created this tensor, or None for a leaf."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (all that don't require grad)."""
        return self._grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def grad(self):
        """The accumulated gradient (leaves, or tensors that called ``retain_grad()``)."""
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self.shape)}'. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor "
                    f"with dtype '{self.dtype}'. Convert the gradient first, e.g. "
                    "g.to(t.dtype)"
                )
        else:
            self._note_grad_reset()
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._note_grad_reset()
        self._grad = None

    def _note_grad_reset(self) -> None:
        self._grad_reset = diagnosis.runs()

    def explain_grad(self) -> str:
        """Why ``.grad`` is None (or what it holds), in plain English; see autograd.explain."""
        return diagnosis.explain(self)

    @property
    def retains_grad(self) -> bool:
        """True if this non-leaf keeps its gradient in ``.grad`` (see ``retain_grad``)."""
        return self._retains_grad

    def retain_grad(self) -> None:
        """Make ``backward()`` fill ``.grad`` of this non-leaf tensor too."""
        if not self._requires_grad:
            raise RuntimeError(
                "can't retain_grad on Tensor that has requires_grad=False; only tensors that "
                "require grad have a gradient to keep"
            )
        if self._grad_fn is None or self._retains_grad:
            return
        self._grad_fn._retain_for(self._output_nr, self)
        self._retains_grad = True

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` when the gradient for this tensor is computed; a tensor it
        returns replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient; call "
                "requires_grad_() on the leaf first"
            )
        if self._grad_fn is not None:
            return self._grad_fn._add_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
            acc = self._accumulator() if self._accumulator is not None else None
            if acc is not None:
                acc._tensor_hooks = self._hooks
        entry = (0, hook)
        self._hooks.append(entry)
        return RemovableHandle(self._hooks, entry)

    def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
        """Call ``hook(tensor)`` on this leaf after backward accumulated its ``.grad`` (the
        hook must return None). Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient; call "
                "requires_grad_() on the leaf first"
            )
        if self._grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors; use "
                "register_hook to see the gradient of a non-leaf"
            )
        hooks = getattr(self, "_post_acc_hooks", None)
        if hooks is None:
            hooks = self._post_acc_hooks = []
        hooks_used[0] = True
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor w.r.t. graph leaves into their ``.grad``.

        ``gradient`` is the vector v of the vector-Jacobian product vᵀJ; it may be omitted
        only for a one-element tensor (v = 1).
        """
        from .autograd.grad import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data and version counter, outside the graph."""
        out = wrap(self._data)
        out._version_counter = self._version_counter
        if self._requires_grad:
            out._origin = "detach()"
        return out

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place: it becomes a leaf."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead: it returns a new tensor."
            )
        if self._requires_grad:
            self._origin = "detach_()"
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        self._retains_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """This tensor's values as a leaf that autograd does not see (no version sharing)."""
        out = wrap(self._data)
        if self._requires_grad:
            out._origin = ".data"
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    @property
    def _is_view(self) -> bool:
        return self._base is not None

    def is_inference(self) -> bool:
        return False

    # --- array facts ----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy(self._data.dtype)

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_contiguous(self) -> bool:
        return self._data.flags.c_contiguous

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element (index or reduce the tensor first)"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing memory (refused while it requires grad)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        data = self.numpy()
        if dtype is not None and data.dtype != dtype:
            return data.astype(dtype)
        return data.copy() if copy else data

    def _scalar(self, convert):
        if self._requires_grad:
            warnings.warn(
                "Converting a tensor with requires_grad=True to a scalar may lead to "
                "unexpected behavior. Consider using tensor.detach() first.",
                UserWarning,
                stacklevel=3,
            )
        return convert(self.item())

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous; use "
                ".any() or .all(), or compare a single element"
            )
        return bool(self._data.reshape(()).item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self) -> str:
        from ._format import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment; detach() the tensor first"
            )
        out = wrap(self._data.copy())
        out._requires_grad = self._requires_grad
        if self._grad is not None:
            out._grad = wrap(self._grad._data.copy())
        memo[id(self)] = out
        return out


def _rebuild(data, requires_grad):
    t = wrap(data)
    t._requires_grad = requires_grad
    return t


def wrap(data: np.ndarray, grad_fn=None) -> Tensor:
    """A new tensor around ``data``: a leaf, or the output of ``grad_fn`` if given."""
    t = _new(Tensor)
    t._data = data
    t._grad_fn = grad_fn
    t._requires_grad = grad_fn is not None
    t._output_nr = 0
    t._grad = None
    t._version_counter = [0, None]
    t._base = None
    t._accumulator = None
    t._hooks = None
    t._retains_grad = False
    t._origin = None
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dimension index in [0, ndim), accepting negatives; IndexError if out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n
