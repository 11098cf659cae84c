"""nn.Module, Parameter and the containers against torch.nn: registration, traversal,
modes, hooks, state dicts (including errors that must leave the module unchanged)."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same, same


def _net(m):
    """The same small model in either library: parameters, buffers, nested containers, and a
    parameter shared by two submodules."""
    nn = m.nn

    class Leaf(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = nn.Parameter(m.arange(float(n * 2)).reshape(n, 2))
            self.bias = None
            self.register_buffer("count", m.zeros(n))
            self.register_buffer("scratch", m.ones(1), persistent=False)

        def forward(self, x):
            return x @ self.weight.T

        def extra_repr(self):
            return f"n={self.weight.shape[0]}"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Leaf(3)
            self.blocks = nn.ModuleList([Leaf(2), Leaf(1)])
            self.heads = nn.ModuleDict({"a": Leaf(2)})
            self.seq = nn.Sequential(OrderedDict(x=Leaf(1)))
            self.heads["b"] = self.first  # shared
            self.scale = nn.Parameter(m.tensor(2.0))

        def forward(self, x):
            return self.first(x) * self.scale

    return Net()


def test_traversal_names_and_order_match_torch():
    def body(m):
        net = _net(m)
        return {
            "parameters": [n for n, _ in net.named_parameters()],
            "buffers": [n for n, _ in net.named_buffers()],
            "modules": [n for n, _ in net.named_modules()],
            "children": [n for n, _ in net.named_children()],
            "state_dict": list(net.state_dict()),
            "n_parameters": len(list(net.parameters())),
            "non_recursive": [n for n, _ in net.named_parameters(recurse=False)],
            "prefixed": [n for n, _ in net.first.named_parameters(prefix="p")],
        }

    same(body)


def test_repr_matches_torch():
    assert repr(_net(npgrad)) == repr(_net(torch))


def test_parameter_is_a_leaf_sharing_memory_with_its_data():
    def body(m):
        data = m.zeros(2)
        p = m.nn.Parameter(data)
        data[0] = 5.0
        return p, p.is_leaf, isinstance(p, m.Tensor), type(p * 2).__name__, repr(p)

    same(body)
    same(lambda m: m.nn.Parameter(m.ones(2), requires_grad=False))


def test_parameter_survives_copy_and_pickle():
    p = npgrad.nn.Parameter(npgrad.ones(2))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is npgrad.nn.Parameter and q.requires_grad
        assert q.tolist() == [1.0, 1.0] and not np.shares_memory(
            q.detach().numpy(), p.detach().numpy()
        )


def test_train_eval_apply_and_requires_grad():
    def body(m):
        net = _net(m)
        seen = []
        net.apply(lambda mod: seen.append(type(mod).__name__))
        net.eval()
        modes = [mod.training for mod in net.modules()]
        net.blocks.train()
        mixed = [mod.training for mod in net.modules()]
        net.requires_grad_(False)
        return seen, modes, mixed, [p.requires_grad for p in net.parameters()]

    same(body)


def test_zero_grad_sets_to_none_or_zeroes():
    def body(m):
        net = _net(m)
        net(m.ones(4, 2)).sum().backward()
        had = [p.grad is not None for p in net.parameters()]
        net.zero_grad(set_to_none=False)
        zeroed = [None if p.grad is None else p.grad for p in net.parameters()]
        net.zero_grad()
        return had, zeroed, [p.grad is None for p in net.parameters()]

    same(body)


def test_forward_hooks_replace_arguments_and_outputs_and_can_be_removed():
    def body(m):
        net = _net(m)
        pre = net.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        post = net.register_forward_hook(lambda mod, args, out: out + 1)
        hooked = net(m.ones(1, 2))
        pre.remove()
        post.remove()
        return hooked, net(m.ones(1, 2))

    same(body)


def test_to_dtype_keeps_the_parameter_objects():
    for m in (torch, npgrad):
        net = _net(m)
        before = list(net.parameters())
        net.to(m.float64)
        assert [p is q for p, q in zip(before, net.parameters())] == [True] * len(before)
        assert {p.dtype for p in net.parameters()} == {m.float64}
        assert net.first.count.dtype == m.float64
        net.float()
        assert net.scale.dtype == m.float32


# --- state dicts ------------------------------------------------------------------------------
def test_state_dict_values_are_detached_copies_of_the_live_tensors():
    def body(m):
        net = _net(m)
        sd = net.state_dict()
        kept = net.state_dict(keep_vars=True)
        return sd, [v.requires_grad for v in kept.values()]

    same(body)


def test_load_state_dict_round_trip():
    def body(m):
        source, target = _net(m), _net(m)
        with m.no_grad():
            for p in source.parameters():
                p.mul_(3)
        result = target.load_state_dict(source.state_dict())
        return target.state_dict(), list(result.missing_keys), list(result.unexpected_keys)

    same(body)


def _bad_state_dicts(m):
    good = _net(m).state_dict()
    missing = OrderedDict(good)
    del missing["scale"]
    extra = OrderedDict(good, extra=m.ones(1))
    wrong = OrderedDict(good)
    wrong["first.weight"] = m.ones(2, 2)
    return {"missing": missing, "unexpected": extra, "size mismatch": wrong}


@pytest.mark.parametrize("case", ["missing", "unexpected", "size mismatch"])
def test_load_state_dict_errors_match_torch_and_leave_the_module_unchanged(case):
    keys = {"missing": "Missing key(s)", "unexpected": "Unexpected key(s)"}
    raises_same(
        lambda m: _net(m).load_state_dict(_bad_state_dicts(m)[case]),
        RuntimeError,
        keys.get(case, "size mismatch for first.weight"),
        "Error(s) in loading state_dict for Net",
    )
    net = _net(npgrad)
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    bad = _bad_state_dicts(npgrad)[case]
    for v in bad.values():
        v.add_(7) if v.dtype.is_floating_point else None
    with pytest.raises(RuntimeError):
        net.load_state_dict(bad)
    after = net.state_dict()
    assert all(np.array_equal(before[k], after[k].numpy()) for k in before)


def test_load_state_dict_non_strict_reports_keys_like_torch():
    def body(m):
        sd = _bad_state_dicts(m)
        net = _net(m)
        r1 = net.load_state_dict(sd["missing"], strict=False)
        r2 = net.load_state_dict(sd["unexpected"], strict=False)
        return list(r1.missing_keys), list(r1.unexpected_keys), list(r2.unexpected_keys)

    same(body)


# --- attribute rules ----------------------------------------------------------------------------
def test_assigning_a_plain_tensor_to_a_parameter_name_is_refused():
    def body(m):
        net = _net(m)
        net.scale = m.ones(1)

    raises_same(body, TypeError, "cannot assign", "scale")


def test_parameters_before_init_are_refused():
    def body(m):
        class Early(m.nn.Module):
            def __init__(self):
                self.w = m.nn.Parameter(m.ones(1))
                super().__init__()

        Early()

    raises_same(body, AttributeError, "before Module.__init__() call")


def test_unknown_attribute_names_the_class():
    raises_same(lambda m: _net(m).nope, AttributeError, "'Net' object has no attribute 'nope'")


def test_missing_forward():
    raises_same(lambda m: m.nn.Module()(1), NotImplementedError, "forward")


def test_registration_errors():
    raises_same(lambda m: m.nn.Module().register_buffer("a.b", m.ones(1)), KeyError, "contain")
    raises_same(
        lambda m: m.nn.Module().register_parameter("w", m.ones(1)), TypeError, "parameter 'w'"
    )


def test_deleting_a_parameter_unregisters_it():
    def body(m):
        net = _net(m)
        del net.scale
        net.first.bias = m.nn.Parameter(m.zeros(3))
        return [n for n, _ in net.named_parameters()]

    same(body)


# --- containers ----------------------------------------------------------------------------------
def test_sequential_runs_in_order_and_behaves_like_a_list():
    def body(m):
        class Add(m.nn.Module):
            def __init__(self, k):
                super().__init__()
                self.k = k

            def forward(self, x):
                return x * 10 + self.k

        seq = m.nn.Sequential(Add(1), Add(2), Add(3))
        out = seq(m.zeros(1))
        part = seq[1:]
        seq.append(Add(4))
        del seq[0]
        return out, part(m.zeros(1)), len(seq), [mod.k for mod in seq], seq[-1].k

    same(body)


def test_module_list_and_dict_operations():
    def body(m):
        nn = m.nn
        ml = nn.ModuleList([nn.Identity() if hasattr(nn, "Identity") else nn.Module()])
        ml.append(nn.Module())
        ml.extend([nn.Module()])
        ml.insert(0, nn.Module())
        del ml[1]
        md = nn.ModuleDict({"b": nn.Module(), "a": nn.Module()})
        md["c"] = nn.Module()
        md.pop("b")
        return len(ml), list(md.keys()), "a" in md, [n for n, _ in md.named_children()]

    same(body)
