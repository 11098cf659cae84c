"""npgrad.save / npgrad.load: round trips of tensors, state dicts and optimizer-like state;
atomic writes; clear errors on truncated, corrupted or foreign files; no code on load."""

from __future__ import annotations

import io
import math
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import npgrad


def _model():
    npgrad.manual_seed(0)
    return npgrad.nn.Sequential(npgrad.nn.Linear(3, 4), npgrad.nn.ReLU(), npgrad.nn.Linear(4, 2))


def test_tensor_round_trip_keeps_values_dtype_and_requires_grad(tmp_path):
    path = tmp_path / "t.npz"
    for t in (
        npgrad.tensor([[1.5, -2.0]], requires_grad=True),
        npgrad.arange(6).reshape(2, 3),
        npgrad.tensor(3.0, dtype=npgrad.float64),
        npgrad.tensor([True, False]),
        npgrad.zeros(0, 3),
    ):
        npgrad.save(t, path)
        back = npgrad.load(path)
        assert type(back) is npgrad.Tensor
        assert back.dtype == t.dtype and back.shape == t.shape
        assert back.requires_grad == t.requires_grad and back.is_leaf
        assert np.array_equal(back.detach().numpy(), t.detach().numpy())


def test_state_dict_round_trip_restores_the_model(tmp_path):
    model, other = (
        _model(),
        npgrad.nn.Sequential(npgrad.nn.Linear(3, 4), npgrad.nn.ReLU(), npgrad.nn.Linear(4, 2)),
    )
    npgrad.save(model.state_dict(), tmp_path / "model.npz")
    loaded = npgrad.load(tmp_path / "model.npz")
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    other.load_state_dict(loaded)
    x = npgrad.randn(5, 3)
    assert np.array_equal(other(x).detach().numpy(), model(x).detach().numpy())


def test_nested_structures_keep_their_types(tmp_path):
    state = {
        "state": {0: {"step": 3, "exp_avg": npgrad.ones(2)}, 1: {}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "name": None}],
        "flags": [True, False],
        "specials": [math.inf, -math.inf],
        "array": np.arange(3.0),
        "parameter": npgrad.nn.Parameter(npgrad.zeros(2)),
    }
    path = tmp_path / "opt.npz"
    npgrad.save(state, str(path))
    back = npgrad.load(str(path))
    assert list(back["state"]) == [0, 1] and back["state"][0]["step"] == 3
    assert back["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["param_groups"][0]["name"] is None and back["flags"] == [True, False]
    assert back["specials"] == [math.inf, -math.inf]
    assert isinstance(back["array"], np.ndarray) and back["array"].tolist() == [0.0, 1.0, 2.0]
    assert type(back["parameter"]) is npgrad.nn.Parameter and back["parameter"].requires_grad
    assert back["state"][0]["exp_avg"].tolist() == [1.0, 1.0]


def test_file_objects_work_as_well_as_paths():
    buffer = io.BytesIO()
    npgrad.save({"w": npgrad.ones(2)}, buffer)
    buffer.seek(0)
    assert npgrad.load(buffer)["w"].tolist() == [1.0, 1.0]


def test_loaded_tensors_do_not_share_memory_with_the_saved_ones(tmp_path):
    t = npgrad.ones(3)
    npgrad.save(t, tmp_path / "t.npz")
    back = npgrad.load(tmp_path / "t.npz")
    back.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "foreign-npz", "pickle"])
def test_damaged_or_foreign_files_raise_a_clear_error(tmp_path, damage):
    path = tmp_path / "bad.npz"
    npgrad.save(_model().state_dict(), path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(data[:100] + bytes(200) + data[300:])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "foreign-npz":
        np.savez(path, a=np.ones(2))
    else:
        path.write_bytes(pickle.dumps({"w": np.ones(2)}))
    with pytest.raises(RuntimeError, match="not a readable npgrad checkpoint"):
        npgrad.load(path)


def test_a_pickle_payload_inside_the_archive_is_never_executed(tmp_path):
    path = tmp_path / "evil.npz"
    marker = tmp_path / "ran"
    evil = np.array([{"x": 1}], dtype=object)  # object arrays need pickle to load
    np.savez(path, __header__=np.frombuffer(b'{"format": "npgrad-checkpoint"}', np.uint8), t0=evil)
    with pytest.raises(RuntimeError):
        npgrad.load(path)
    assert not marker.exists()


def test_unsupported_objects_are_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "x.npz"
    npgrad.save({"ok": npgrad.ones(1)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="can't store a function"):
        npgrad.save({"fn": lambda: 0}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]


def test_a_failed_write_leaves_the_previous_checkpoint_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    npgrad.save({"v": npgrad.ones(2)}, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        npgrad.save({"v": npgrad.zeros(2)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        npgrad.load(tmp_path / "nope.npz")
