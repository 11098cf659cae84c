"""npgrad.optim.lr_scheduler against torch.optim.lr_scheduler: lr sequences, state, errors."""

import copy
import warnings

import numpy as np
import pytest
import torch

import npgrad
import npgrad.optim  # noqa: F401  (the subpackage, until npgrad imports it itself)
from torch_oracle import raises_same

LIBS = (torch, npgrad)


def make_optimizer(m, cls="SGD", lrs=(0.1, 0.02), **kwargs):
    """An optimizer with one param group per lr; every parameter gets a gradient."""
    groups = [{"params": [m.tensor([1.0, -2.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(m.optim, cls)(groups, **kwargs)


def optimizer_step(m, opt):
    opt.zero_grad()
    loss = sum((p * p).sum() for g in opt.param_groups for p in g["params"])
    loss.backward()
    opt.step()


def lr_sequence(m, make_scheduler, steps, cls="SGD", metrics=None, **opt_kwargs):
    """Per step: the scheduler's last lrs, the groups' lrs and momentum (or beta1)."""
    opt = make_optimizer(m, cls, **opt_kwargs)
    sched = make_scheduler(m.optim.lr_scheduler, opt)
    seq = []

    def record():
        momenta = [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]
        seq.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], momenta))

    record()
    for i in range(steps):
        optimizer_step(m, opt)
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        record()
    return seq, sched, opt


def assert_same_sequence(ref, got, rtol=1e-12):
    assert len(ref) == len(got)
    for i, (r, g) in enumerate(zip(ref, got)):
        for r_vals, g_vals in zip(r, g):
            for rv, gv in zip(r_vals, g_vals, strict=True):
                assert type(gv) is type(rv), f"step {i}: {type(gv)} vs {type(rv)}"
                if rv is None:
                    continue
                assert gv == pytest.approx(rv, rel=rtol, abs=1e-15), f"step {i}: {g} vs {r}"


def compare(make_scheduler, steps, **kwargs):
    ref, ref_sched, _ = lr_sequence(torch, make_scheduler, steps, **kwargs)
    got, got_sched, _ = lr_sequence(npgrad, make_scheduler, steps, **kwargs)
    assert_same_sequence(ref, got)
    # The schedule changed the lr: a sequence that never moves would prove little.
    assert len({tuple(s[1]) for s in got}) > 2
    assert set(got_sched.state_dict()) == set(ref_sched.state_dict())
    return got


SCHEDULES = {
    "StepLR": (lambda s, o: s.StepLR(o, step_size=3, gamma=0.5), 14),
    "MultiStepLR": (lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), 12),
    "ExponentialLR": (lambda s, o: s.ExponentialLR(o, gamma=0.9), 25),
    "CosineAnnealingLR": (lambda s, o: s.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 45),
    "CosineAnnealingLR-no-min": (lambda s, o: s.CosineAnnealingLR(o, T_max=7), 30),
    "LambdaLR": (lambda s, o: s.LambdaLR(o, lambda e: 0.95**e + 0.01 * e), 15),
    "LambdaLR-per-group": (
        lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 1.0 + (e % 3)]),
        15,
    ),
    "OneCycleLR-cos": (lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=20), 20),
    "OneCycleLR-linear-epochs": (
        lambda s, o: s.OneCycleLR(
            o, max_lr=[0.5, 2.0], epochs=3, steps_per_epoch=7, anneal_strategy="linear"
        ),
        21,
    ),
    "OneCycleLR-three-phase": (
        lambda s, o: s.OneCycleLR(
            o,
            max_lr=0.4,
            total_steps=30,
            pct_start=0.25,
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
            base_momentum=0.8,
            max_momentum=[0.9, 0.95],
        ),
        30,
    ),
    "OneCycleLR-no-momentum": (
        lambda s, o: s.OneCycleLR(o, max_lr=0.3, total_steps=12, cycle_momentum=False),
        12,
    ),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lr_sequence_matches_torch(name):
    make, steps = SCHEDULES[name]
    momentum = {"momentum": 0.9} if name.startswith("OneCycleLR") else {}
    compare(make, steps, **momentum)


@pytest.mark.parametrize("name", ["OneCycleLR-cos", "OneCycleLR-three-phase"])
def test_one_cycle_cycles_adams_beta1(name):
    make, steps = SCHEDULES[name]
    got = compare(make, steps, cls="Adam")
    assert len({s[2][0] for s in got}) > 2  # beta1 moved
    assert_same_sequence(
        lr_sequence(torch, make, steps, cls="AdamW")[0],
        lr_sequence(npgrad, make, steps, cls="AdamW")[0],
    )


def test_one_cycle_past_total_steps_raises_like_torch():
    def run(m):
        opt = make_optimizer(m)
        sched = m.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(4):
                sched.step()

    raises_same(run, ValueError, "Tried to step 4 times", "total steps is 3")


def test_chained_schedulers_act_on_the_current_lr():
    seqs = []
    for m in LIBS:
        opt = make_optimizer(m)
        a = m.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        b = m.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
        seq = []
        for _ in range(12):
            optimizer_step(m, opt)
            a.step()
            b.step()
            seq.append(([g["lr"] for g in opt.param_groups], a.get_last_lr(), b.get_last_lr()))
        seqs.append(seq)
    assert_same_sequence(*seqs)


PLATEAU_METRICS = [5.0, 4.0, 4.0, 4.0, 3.9999, 4.1, 4.2, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.5, 1.5]
PLATEAU_METRICS += [1.5] * 15


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 1},
        {"patience": 0, "factor": 0.5, "cooldown": 2},
        {"patience": 1, "threshold_mode": "abs", "threshold": 0.5},
        {"mode": "max", "patience": 2, "factor": 0.3},
        {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.0},
        {"patience": 0, "min_lr": [0.05, 0.001], "factor": 0.5},
        {"patience": 0, "min_lr": 0.015, "factor": 0.5, "eps": 0.01},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    def make(s, o):
        return s.ReduceLROnPlateau(o, **kwargs)

    metrics = PLATEAU_METRICS
    ref, ref_sched, _ = lr_sequence(torch, make, len(metrics), metrics=metrics)
    got, got_sched, _ = lr_sequence(npgrad, make, len(metrics), metrics=metrics)
    assert_same_sequence(ref, got)
    assert len({tuple(s[1]) for s in got}) >= 2
    ref_state, got_state = ref_sched.state_dict(), got_sched.state_dict()
    assert set(got_state) == set(ref_state)
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch", "min_lrs"):
        assert got_state[key] == ref_state[key], key


def test_reduce_lr_on_plateau_accepts_a_tensor_metric():
    opt = make_optimizer(npgrad)
    sched = npgrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(npgrad.tensor(1.0))
    sched.step(npgrad.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.002])


@pytest.mark.parametrize(
    "name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR-cos"]
)
def test_state_dict_round_trip_continues_the_schedule(name):
    make, steps = SCHEDULES[name]
    full, _, _ = lr_sequence(npgrad, make, steps)

    half = steps // 2
    first, sched, opt = lr_sequence(npgrad, make, half)
    saved_sched = copy.deepcopy(sched.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())

    opt = make_optimizer(npgrad)
    sched = make(npgrad.optim.lr_scheduler, opt)
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved_sched)
    rest = []
    for _ in range(steps - half):
        optimizer_step(npgrad, opt)
        sched.step()
        rest.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups]))
    assert [s[:2] for s in full[half + 1 :]] == rest


def test_scheduler_state_dict_matches_torch():
    states = []
    for m in LIBS:
        opt = make_optimizer(m)
        sched = m.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
        optimizer_step(m, opt)
        sched.step()
        states.append(sched.state_dict())
    assert states[1] == states[0]


def test_resuming_with_last_epoch():
    seqs = []
    for m in LIBS:
        opt = make_optimizer(m)
        m.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)  # records initial_lr
        for group in opt.param_groups:
            group["lr"] = 0.4
        sched = m.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, last_epoch=2)
        seq = [sched.get_last_lr()]
        for _ in range(5):
            optimizer_step(m, opt)
            sched.step()
            seq.append(sched.get_last_lr())
        seqs.append(seq)
    np.testing.assert_allclose(seqs[1], seqs[0], rtol=1e-12)


def test_step_with_epoch_uses_the_closed_form_and_warns():
    values = []
    for m in LIBS:
        opt = make_optimizer(m)
        sched = m.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            optimizer_step(m, opt)
            sched.step(7)
        assert any("epoch parameter" in str(w.message) for w in rec)
        values.append((sched.last_epoch, sched.get_last_lr()))
    assert values[1] == values[0]
    assert values[1] == (7, pytest.approx([0.1 * 0.5**3, 0.02 * 0.5**3]))


@pytest.mark.parametrize("optimizer_first", [False, True])
def test_call_order_warning_like_torch(optimizer_first):
    warned = []
    for m in LIBS:
        opt = make_optimizer(m)
        sched = m.optim.lr_scheduler.StepLR(opt, step_size=2)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            if optimizer_first:
                optimizer_step(m, opt)
            sched.step()
        warned.append(any("before `optimizer.step()`" in str(w.message) for w in rec))
    assert warned == [not optimizer_first] * 2


def test_get_lr_outside_step_warns_like_torch():
    for m in LIBS:
        sched = m.optim.lr_scheduler.StepLR(make_optimizer(m), step_size=2)
        with pytest.warns(UserWarning, match="get_last_lr"):
            sched.get_lr()


def _opt(m, cls="SGD"):
    return make_optimizer(m, cls)


@pytest.mark.parametrize(
    "make,exc,keys",
    [
        (lambda m: m.optim.lr_scheduler.StepLR(object(), 2), TypeError, ["is not an Optimizer"]),
        (
            lambda m: m.optim.lr_scheduler.ExponentialLR(_opt(m), 0.5, last_epoch=3),
            KeyError,
            ["initial_lr"],
        ),
        (
            lambda m: m.optim.lr_scheduler.LambdaLR(_opt(m), [lambda e: 1.0]),
            ValueError,
            ["Expected 2 lr_lambdas, but got 1"],
        ),
        (
            lambda m: m.optim.lr_scheduler.ReduceLROnPlateau(_opt(m), factor=1.0),
            ValueError,
            ["Factor should be < 1.0"],
        ),
        (
            lambda m: m.optim.lr_scheduler.ReduceLROnPlateau(_opt(m), mode="avg"),
            ValueError,
            ["mode avg is unknown"],
        ),
        (
            lambda m: m.optim.lr_scheduler.ReduceLROnPlateau(_opt(m), threshold_mode="x"),
            ValueError,
            ["threshold mode x is unknown"],
        ),
        (
            lambda m: m.optim.lr_scheduler.ReduceLROnPlateau(_opt(m), min_lr=[0.1]),
            ValueError,
            ["expected 2 min_lrs, got 1"],
        ),
        (
            lambda m: m.optim.lr_scheduler.ReduceLROnPlateau("sgd"),
            TypeError,
            ["str is not an Optimizer"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(_opt(m), max_lr=0.1),
            ValueError,
            ["You must define either total_steps OR (epochs AND steps_per_epoch)"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(_opt(m), max_lr=0.1, total_steps=0),
            ValueError,
            ["Expected positive integer total_steps, but got 0"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(
                _opt(m), max_lr=0.1, epochs=2, steps_per_epoch=-1
            ),
            ValueError,
            ["steps_per_epoch, but got -1"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(
                _opt(m), max_lr=0.1, total_steps=5, pct_start=1
            ),
            ValueError,
            ["Expected float between 0 and 1 pct_start, but got 1"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(
                _opt(m), max_lr=0.1, total_steps=5, anneal_strategy="exp"
            ),
            ValueError,
            ["anneal_strategy must be one of 'cos' or 'linear', instead got exp"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(_opt(m), max_lr=[0.1], total_steps=5),
            ValueError,
            ["max_lr must have the same length as optimizer.param_groups"],
        ),
        (
            lambda m: m.optim.lr_scheduler.OneCycleLR(_opt(m, "Adagrad"), 0.1, total_steps=5),
            ValueError,
            ["optimizer must support momentum or beta1"],
        ),
    ],
)
def test_errors_like_torch(make, exc, keys):
    raises_same(make, exc, *keys)


def test_reduce_lr_on_plateau_after_a_new_group_like_torch():
    def run(m):
        opt = make_optimizer(m)
        sched = m.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
        opt.add_param_group({"params": [m.tensor([1.0], requires_grad=True)]})
        sched.step(1.0)
        sched.step(2.0)

    raises_same(run, RuntimeError, "number of param groups")
