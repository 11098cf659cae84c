"""npgrad.optim against torch.optim: trajectories, parameter groups, state_dict, errors."""

import copy
import warnings

import numpy as np
import pytest
import torch

import npgrad
import npgrad.optim  # noqa: F401  (the subpackage, until npgrad imports it itself)
from torch_oracle import raises_same

TOL = {"rtol": 1e-9, "atol": 1e-9}
LIBS = (torch, npgrad)

INITIAL = {
    "W": np.array([[0.3, -0.7], [1.1, 0.4], [-0.5, 0.9]]),
    "x": np.array([-1.2, 0.8]),
    "y": np.array([0.5, -0.3]),
}


def make_params(m, dtype="float64", names=("W", "x", "y")):
    return [m.tensor(INITIAL[n], dtype=getattr(m, dtype), requires_grad=True) for n in names]


def loss_fn(m, W, x, y, sign=1.0):
    """A Rosenbrock-like function of all three parameters (``sign=-1`` for ``maximize``)."""
    h = m.tanh(W @ x)
    value = ((1 - x) ** 2).sum() + 5 * ((y - x**2) ** 2).sum() + (h * h).sum()
    return sign * (value + 0.1 * m.exp(-y).sum())


def trajectory(m, cls, kwargs, steps=50, groups=None, dtype="float64", sign=1.0):
    """The parameters' values after each of ``steps`` steps of ``cls`` on ``loss_fn``."""
    params = make_params(m, dtype)
    spec = groups(params) if groups else params
    opt = getattr(m.optim, cls)(spec, **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(m, *params, sign=sign).backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out, opt, params


def assert_same_trajectory(ref, got, tol=TOL):
    assert len(ref) == len(got)
    for i, (r_step, g_step) in enumerate(zip(ref, got)):
        for j, (r, g) in enumerate(zip(r_step, g_step)):
            np.testing.assert_allclose(g, r, err_msg=f"step {i + 1}, param {j}", **tol)


def plain(obj):
    """A state_dict as plain data: tensors become arrays, everything else stays."""
    if isinstance(obj, (torch.Tensor, npgrad.Tensor)):
        return np.array(obj.detach().numpy(), copy=True)
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj)
    return obj


def assert_same_plain(ref, got, path="state_dict"):
    if isinstance(ref, dict):
        assert isinstance(got, dict) and list(got) == list(ref), f"{path}: {list(got)}"
        for k in ref:
            assert_same_plain(ref[k], got[k], f"{path}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert type(got) is type(ref) and len(got) == len(ref), f"{path}: {got!r} vs {ref!r}"
        for i, (r, g) in enumerate(zip(ref, got)):
            assert_same_plain(r, g, f"{path}[{i}]")
    elif isinstance(ref, np.ndarray):
        assert isinstance(got, np.ndarray) and got.shape == ref.shape, path
        assert got.dtype == ref.dtype, f"{path}: dtype {got.dtype} != {ref.dtype}"
        np.testing.assert_allclose(got, ref, err_msg=path, **TOL)
    else:
        assert got == ref and type(got) is type(ref), f"{path}: {got!r} vs {ref!r}"


CASES = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.8, "maximize": True}),
    ("SGD", {"lr": 0.005, "weight_decay": 0.2, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.9)}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.3}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-6, "maximize": True}),
]


def case_id(case):
    cls, kwargs = case
    return cls + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectory_matches_torch(case):
    cls, kwargs = case
    sign = -1.0 if kwargs.get("maximize") else 1.0
    ref, ref_opt, _ = trajectory(torch, cls, kwargs, sign=sign)
    got, got_opt, _ = trajectory(npgrad, cls, kwargs, sign=sign)
    assert_same_trajectory(ref, got)
    assert_same_plain(plain(ref_opt.state_dict()), plain(got_opt.state_dict()))
    # The problem is solvable: the run made progress, so the comparison is not vacuous.
    assert not np.allclose(got[-1][1], INITIAL["x"], atol=1e-3)


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_parameters_stay_float32(cls):
    kwargs = {"lr": 0.01}
    ref, _, _ = trajectory(torch, cls, kwargs, steps=20, dtype="float32")
    got, _, params = trajectory(npgrad, cls, kwargs, steps=20, dtype="float32")
    assert all(p.dtype == npgrad.float32 for p in params)
    assert all(a.dtype == np.float32 for a in got[-1])
    assert_same_trajectory(ref, got, tol={"rtol": 1e-4, "atol": 1e-5})


@pytest.mark.parametrize(
    "cls,kwargs",
    [
        ("SGD", {"lr": 0.01, "momentum": 0.9}),
        ("Adam", {"lr": 0.01}),
        ("AdamW", {"lr": 0.01}),
        ("RMSprop", {"lr": 0.01, "centered": True}),
        ("Adagrad", {"lr": 0.02}),
    ],
)
def test_param_groups_with_their_own_options(cls, kwargs):
    def groups(params):
        W, x, y = params
        return [{"params": [W], "lr": 0.05, "weight_decay": 0.1}, {"params": [x, y]}]

    ref, ref_opt, _ = trajectory(torch, cls, kwargs, groups=groups)
    got, got_opt, _ = trajectory(npgrad, cls, kwargs, groups=groups)
    assert_same_trajectory(ref, got)
    sd = got_opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert sd["param_groups"][0]["lr"] == 0.05 and sd["param_groups"][1]["lr"] == kwargs["lr"]
    assert_same_plain(plain(ref_opt.state_dict()), plain(sd))


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_parameter_without_grad_is_untouched(cls):
    results = []
    for m in LIBS:
        W, x, y = make_params(m)
        z = m.tensor([2.0, -3.0], dtype=m.float64, requires_grad=True)
        opt = getattr(m.optim, cls)([W, z, x, y], lr=0.1, weight_decay=0.5)
        for _ in range(5):
            opt.zero_grad()
            loss_fn(m, W, x, y).backward()
            opt.step()
        assert z.grad is None
        np.testing.assert_array_equal(z.detach().numpy(), [2.0, -3.0])
        results.append(plain(opt.state_dict()))
    assert_same_plain(*results)


@pytest.mark.parametrize("cls", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_step_updates_in_place_and_keeps_a_leaf(cls):
    W, x, y = make_params(npgrad)
    opt = getattr(npgrad.optim, cls)([W, x, y], lr=0.1)
    data, view = x._data, x._data[:1]
    version = x._version
    loss_fn(npgrad, W, x, y).backward()
    opt.step()
    assert x._data is data and x.is_leaf and x.requires_grad and x.grad_fn is None
    assert view[0] == x._data[0] != INITIAL["x"][0]
    assert x._version > version
    assert npgrad.is_grad_enabled()


def test_zero_grad_like_torch():
    for m in LIBS:
        W, x, y = make_params(m)
        z = m.tensor([1.0], requires_grad=True)
        opt = m.optim.SGD([W, x, y, z], lr=0.1)
        loss_fn(m, W, x, y).backward()
        grad = x.grad
        opt.zero_grad(set_to_none=False)
        assert x.grad is grad and not grad.requires_grad
        np.testing.assert_array_equal(grad.numpy(), 0)
        assert z.grad is None
        opt.zero_grad()
        assert W.grad is None and x.grad is None and y.grad is None


def run_with_closures(m, cls, steps=10):
    """``steps`` steps driven by a closure, each called inside ``no_grad`` (the closure
    still records: ``step`` enables grad for it); returns the losses and final params."""
    params = make_params(m)
    opt = getattr(m.optim, cls)(params, lr=0.02)

    def closure():
        opt.zero_grad()
        loss = loss_fn(m, *params)
        loss.backward()
        return loss

    losses = []
    for _ in range(steps):
        with m.no_grad():
            losses.append(opt.step(closure).item())
    final = [p.detach().numpy().copy() for p in params]
    assert opt.step() is None
    return losses, final


@pytest.mark.parametrize("cls", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_closure(cls):
    ref_losses, ref_params = run_with_closures(torch, cls)
    got_losses, got_params = run_with_closures(npgrad, cls)
    np.testing.assert_allclose(got_losses, ref_losses, **TOL)
    assert got_losses[-1] < got_losses[0]
    assert_same_trajectory([ref_params], [got_params])


STATE_CASES = [
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
]


@pytest.mark.parametrize("case", STATE_CASES, ids=case_id)
def test_state_dict_round_trip_continues_the_run(case):
    cls, kwargs = case
    uninterrupted, _, _ = trajectory(npgrad, cls, kwargs, steps=30)

    first, opt, params = trajectory(npgrad, cls, kwargs, steps=10)
    saved = copy.deepcopy(opt.state_dict())
    saved_values = [p.detach().numpy().copy() for p in params]

    params = [npgrad.tensor(v, requires_grad=True) for v in saved_values]
    opt = getattr(npgrad.optim, cls)(params, lr=123.0)  # lr comes from the state dict
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == kwargs["lr"]
    assert opt.param_groups[0]["params"] == params
    rest = []
    for _ in range(20):
        opt.zero_grad()
        loss_fn(npgrad, *params).backward()
        opt.step()
        rest.append([p.detach().numpy().copy() for p in params])
    assert_same_trajectory(uninterrupted, first + rest, tol={"rtol": 0, "atol": 0})


@pytest.mark.parametrize("case", STATE_CASES, ids=case_id)
def test_state_dict_structure_matches_torch(case):
    cls, kwargs = case
    dicts = []
    for m in LIBS:
        W, x, y = make_params(m)
        opt = getattr(m.optim, cls)([{"params": [W, x]}, {"params": [y], "lr": 0.5}], **kwargs)
        assert plain(opt.state_dict())["param_groups"][1]["params"] == [2]
        loss_fn(m, W, x, y).backward()
        opt.step()
        dicts.append(plain(opt.state_dict()))
    assert_same_plain(*dicts)


def test_loaded_state_is_used_by_the_next_step_like_torch():
    # torch.load_state_dict keeps state tensors of the right dtype as they are (no copy).
    results = []
    for m in LIBS:
        params = make_params(m)
        a = m.optim.Adam(params, lr=0.1)
        loss_fn(m, *params).backward()
        a.step()
        b = m.optim.Adam(params, lr=0.1)
        b.load_state_dict(a.state_dict())
        results.append(b.state[params[0]]["exp_avg"] is a.state[params[0]]["exp_avg"])
    assert results[0] == results[1]


def test_load_state_dict_casts_float_state_to_the_param_dtype_and_step_to_tensor():
    p = npgrad.tensor([1.0, 2.0], dtype=npgrad.float64, requires_grad=True)
    opt = npgrad.optim.Adam([p])
    saved = {
        "state": {
            0: {
                "step": 3,
                "exp_avg": npgrad.tensor([0.1, 0.2]),
                "exp_avg_sq": npgrad.tensor([0.3, 0.4]),
            }
        },
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0]}],
    }
    opt.load_state_dict(saved)
    state = opt.state[p]
    assert state["exp_avg"].dtype == npgrad.float64
    assert isinstance(state["step"], npgrad.Tensor) and state["step"].item() == 3
    assert opt.param_groups[0]["amsgrad"] is False  # missing keys take the defaults


def _bad_state_dicts(m):
    W, x, y = make_params(m)
    opt = m.optim.Adam([{"params": [W, x]}, {"params": [y]}], lr=0.05)
    loss_fn(m, W, x, y).backward()
    opt.step()
    good = opt.state_dict()
    one_group = {"state": {}, "param_groups": [good["param_groups"][0]]}
    wrong_size = copy.deepcopy(good)
    wrong_size["param_groups"][0]["params"] = [0]
    wrong_size["param_groups"][0]["lr"] = 7.0
    return opt, one_group, wrong_size


@pytest.mark.parametrize(
    "which,message",
    [
        (1, "loaded state dict has a different number of parameter groups"),
        (2, "loaded state dict contains a parameter group that doesn't match the size"),
    ],
)
def test_load_state_dict_errors_leave_the_optimizer_unchanged(which, message):
    for m in LIBS:
        opt, *bad = _bad_state_dicts(m)
        before = plain(copy.deepcopy(opt.state_dict()))
        groups, state = opt.param_groups, opt.state
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(bad[which - 1])
        assert opt.param_groups is groups and opt.state is state
        assert_same_plain(before, plain(opt.state_dict()))


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_repr_and_defaults_match_torch(cls):
    texts, groups = [], []
    for m in LIBS:
        opt = getattr(m.optim, cls)(make_params(m), lr=0.5)
        opt.add_param_group({"params": [m.tensor([1.0], requires_grad=True)], "lr": 0.1})
        texts.append(repr(opt))
        groups.append([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])
    assert texts[1] == texts[0]
    assert groups[1] == groups[0]


def test_add_param_group_is_used_by_step():
    runs = []
    for m in LIBS:
        W, x, y = make_params(m)
        opt = m.optim.Adagrad([W, x], lr=0.1, initial_accumulator_value=0.2)
        opt.add_param_group({"params": y, "lr": 0.3, "initial_accumulator_value": 5.0})
        for _ in range(5):
            opt.zero_grad()
            loss_fn(m, W, x, y).backward()
            opt.step()
        runs.append(plain(opt.state_dict()))
    assert_same_plain(*runs)


def test_named_parameters():
    dicts = []
    for m in LIBS:
        W, x, y = make_params(m)
        opt = m.optim.SGD([("W", W), ("x", x)], lr=0.1, momentum=0.9)
        loss_fn(m, W, x, y).backward()
        opt.step()
        dicts.append(plain(opt.state_dict()))
    assert dicts[1]["param_groups"][0]["param_names"] == ["W", "x"]
    assert_same_plain(*dicts)


def _param(m):
    return m.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize(
    "make,exc,keys",
    [
        (lambda m: m.optim.SGD([]), ValueError, ["optimizer got an empty parameter list"]),
        (lambda m: m.optim.Adam([], lr=0.1), ValueError, ["empty parameter list"]),
        (lambda m: m.optim.SGD([_param(m)], lr=-0.1), ValueError, ["Invalid learning rate: -0.1"]),
        (lambda m: m.optim.Adam([_param(m)], lr=-1.0), ValueError, ["Invalid learning rate: -1.0"]),
        (lambda m: m.optim.SGD([_param(m)], momentum=-0.5), ValueError, ["momentum", "-0.5"]),
        (lambda m: m.optim.SGD([_param(m)], weight_decay=-1e-3), ValueError, ["weight_decay"]),
        (lambda m: m.optim.SGD([_param(m)], nesterov=True), ValueError, ["Nesterov"]),
        (
            lambda m: m.optim.SGD([_param(m)], momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            ["Nesterov momentum requires a momentum and zero dampening"],
        ),
        (lambda m: m.optim.Adam([_param(m)], betas=(1.0, 0.9)), ValueError, ["index 0: 1.0"]),
        (lambda m: m.optim.Adam([_param(m)], betas=(0.9, -0.1)), ValueError, ["index 1: -0.1"]),
        (lambda m: m.optim.Adam([_param(m)], betas=(0, 0.9)), ValueError, ["both floats"]),
        (lambda m: m.optim.AdamW([_param(m)], eps=-1e-8), ValueError, ["epsilon value: -1e-08"]),
        (lambda m: m.optim.AdamW([_param(m)], weight_decay=-1.0), ValueError, ["weight_decay"]),
        (lambda m: m.optim.RMSprop([_param(m)], alpha=-0.1), ValueError, ["alpha value: -0.1"]),
        (lambda m: m.optim.RMSprop([_param(m)], momentum=-1), ValueError, ["momentum value"]),
        (lambda m: m.optim.Adagrad([_param(m)], lr_decay=-1), ValueError, ["lr_decay value"]),
        (
            lambda m: m.optim.Adagrad([_param(m)], initial_accumulator_value=-1),
            ValueError,
            ["initial_accumulator_value"],
        ),
        (lambda m: m.optim.Adagrad([_param(m)], eps=-1), ValueError, ["epsilon value"]),
        (lambda m: m.optim.SGD(_param(m)), TypeError, ["iterable of Tensors or dicts"]),
        (lambda m: m.optim.SGD([_param(m), 3]), TypeError, ["the params is int"]),
        (lambda m: m.optim.SGD([{"params": {_param(m)}}]), TypeError, ["ordered collections"]),
        (
            lambda m: m.optim.SGD([_param(m) * 2]),
            ValueError,
            ["can't optimize a non-leaf Tensor"],
        ),
        (
            lambda m: (lambda p: m.optim.SGD([{"params": [p]}, {"params": [p]}]))(_param(m)),
            ValueError,
            ["some parameters appear in more than one parameter group"],
        ),
        (
            lambda m: (lambda p: m.optim.SGD([p]).add_param_group({"params": p}))(_param(m)),
            ValueError,
            ["more than one parameter group"],
        ),
        (lambda m: m.optim.SGD([_param(m)]).add_param_group([1]), TypeError, ["must be a dict"]),
        (
            lambda m: m.optim.SGD([("a", _param(m)), _param(m)]),
            ValueError,
            ["with/without names"],
        ),
    ],
)
def test_errors_like_torch(make, exc, keys):
    raises_same(make, exc, *keys)


def test_retained_non_leaf_can_be_optimized():
    for m in LIBS:
        t = _param(m) * 2
        t.retain_grad()
        m.optim.SGD([t])


def test_duplicate_parameters_warn_like_torch():
    for m in LIBS:
        p = _param(m)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            m.optim.SGD([p, p])
        assert any("duplicate parameters" in str(w.message) for w in rec), m.__name__
