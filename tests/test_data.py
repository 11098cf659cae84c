"""npgrad.utils.data against torch.utils.data: batching, collation, lengths, splits; and
repeatable shuffling under a seed."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same, same


def _dataset(m, n=10):
    return m.utils.data.TensorDataset(m.arange(float(n)).reshape(n, 1), m.arange(n))


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 12])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_in_order_match_torch(batch_size, drop_last):
    def body(m):
        loader = m.utils.data.DataLoader(_dataset(m), batch_size=batch_size, drop_last=drop_last)
        return len(loader), [tuple(batch) for batch in loader]

    same(body)


Point = namedtuple("Point", "x y")


@pytest.mark.parametrize(
    "samples",
    [
        [(1, 2.0), (3, 4.0)],
        [{"a": 1, "b": [1.5, 2.5]}, {"a": 2, "b": [3.5, 4.5]}],
        [Point(1.0, 2), Point(3.0, 4)],
        [np.ones(2), np.zeros(2)],
        [True, False],
        [("x", 1), ("y", 2)],
    ],
    ids=["tuples", "dicts", "namedtuple", "arrays", "bools", "strings"],
)
def test_default_collate_matches_torch(samples):
    def body(m):
        batch = next(iter(m.utils.data.DataLoader(samples, batch_size=2)))
        return batch._asdict() if hasattr(batch, "_asdict") else batch

    same(body)


def test_collate_of_tensor_samples_stacks_them():
    same(lambda m: next(iter(m.utils.data.DataLoader([m.ones(2, 3), m.zeros(2, 3)], 2))))


def test_batch_size_none_yields_samples():
    same(lambda m: list(m.utils.data.DataLoader([1, 2, 3], batch_size=None)))


def test_shuffle_visits_every_sample_once_and_repeats_under_a_seed():
    def epoch(generator=None):
        loader = npgrad.utils.data.DataLoader(
            _dataset(npgrad, 20), batch_size=6, shuffle=True, generator=generator
        )
        return [int(i) for _, idx in loader for i in idx.tolist()]

    npgrad.manual_seed(1)
    first = epoch()
    npgrad.manual_seed(1)
    assert epoch() == first
    assert sorted(first) == list(range(20)) and first != list(range(20))
    g = npgrad.Generator().manual_seed(5)
    a = epoch(g)
    assert epoch(npgrad.Generator().manual_seed(5)) == a
    assert epoch(g) != a  # the next epoch is a new order


@pytest.mark.parametrize("lengths", [[7, 3], [0.7, 0.3], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33]])
def test_random_split_sizes_match_torch_and_partition_the_data(lengths):
    sizes = [len(s) for s in torch.utils.data.random_split(range(10), lengths)]
    parts = npgrad.utils.data.random_split(range(10), lengths, npgrad.Generator().manual_seed(0))
    assert [len(p) for p in parts] == sizes
    assert sorted(i for p in parts for i in p) == list(range(10))


def test_subset_and_concat():
    def body(m):
        d = m.utils.data
        both = d.ConcatDataset([d.Subset(range(10), [2, 4]), range(3)])
        return len(both), [both[i] for i in range(len(both))], both[-1]

    same(body)


@pytest.mark.parametrize(
    ("call", "exc", "key"),
    [
        (lambda m: m.utils.data.DataLoader([1], batch_size=0), ValueError, "positive integer"),
        (lambda m: m.utils.data.random_split(range(5), [2, 2]), ValueError, "Sum of input lengths"),
        (lambda m: m.utils.data.TensorDataset(m.ones(2), m.ones(3)), AssertionError, "mismatch"),
    ],
    ids=["batch-size", "split", "tensors"],
)
def test_errors_match_torch(call, exc, key):
    raises_same(call, exc, key)
