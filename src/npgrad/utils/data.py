"""npgrad.utils.data: datasets, random splits and a DataLoader with torch's batching rules.

Shuffling draws from npgrad's generator (seeded by ``npgrad.manual_seed``) or from the
``generator`` given, so an epoch's order is repeatable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .._creation import _Random
from .._tensor import Tensor, wrap


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of each tensor; all tensors share their first dimension."""

    def __init__(self, *tensors: Tensor) -> None:
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = 0 if which == 0 else int(self.cumulative_sizes[which - 1])
        return self.datasets[which][index - start]


def _generator(generator) -> np.random.Generator:
    return _Random.generator if generator is None else generator._rng


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions
    summing to 1; the remainder goes one by one to the first subsets)."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _generator(generator).permutation(n).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start : start + length]))
        start += length
    return subsets


def default_collate(batch: Sequence):
    """Stack a list of samples into a batch: tensors and arrays are stacked, numbers become
    tensors (ints as int64, floats as float64), dicts and tuples are collated field by field,
    strings stay as they are."""
    first = batch[0]
    if isinstance(first, Tensor):
        from ..ops.join import stack

        return stack(batch)
    if isinstance(first, np.ndarray | np.generic):
        return wrap(np.stack([np.asarray(b) for b in batch]))
    if isinstance(first, bool):
        return wrap(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return wrap(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return wrap(np.array(batch, dtype=np.float64))
    if isinstance(first, str | bytes):
        return batch
    if isinstance(first, Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*(default_collate(f) for f in zip(*batch)))
    if isinstance(first, Sequence):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(first)}"
    )


class DataLoader:
    """Batches of a dataset: ``batch_size`` samples at a time, optionally shuffled each
    epoch, the last short batch kept unless ``drop_last``."""

    def __init__(
        self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
        batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
        drop_last: bool = False, timeout: float = 0, worker_init_fn=None, generator=None,
        **kwargs,
    ) -> None:  # fmt: skip
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.drop_last = drop_last
        self.collate_fn = collate_fn or default_collate
        self.generator = generator
        self.num_workers = num_workers  # accepted for compatibility; loading is in-process

    def _indices(self) -> list:
        if self.sampler is not None:
            return list(self.sampler)
        n = len(self.dataset)
        if self.shuffle:
            return _generator(self.generator).permutation(n).tolist()
        return list(range(n))

    def __iter__(self):
        indices = self._indices()
        if self.batch_size is None:
            for i in indices:
                yield self.dataset[i]
            return
        size = self.batch_size
        for start in range(0, len(indices), size):
            chunk = indices[start : start + size]
            if len(chunk) < size and self.drop_last:
                return
            yield self.collate_fn([self.dataset[i] for i in chunk])

    def __len__(self) -> int:
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


__all__ = [
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]
