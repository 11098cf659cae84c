"""torch.func.functional_call: run a Module with some parameters and buffers swapped."""

from __future__ import annotations

from .._tensor import Tensor


def functional_call(
    module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False
):
    """Call ``module(*args, **kwargs)`` with the parameters and buffers named in
    ``parameter_and_buffer_dicts`` (a dict from dotted names to tensors, or a tuple of such
    dicts) in place of its own; the module is left exactly as it was, even if forward raises.
    With ``tie_weights`` a tensor given for one of several tied names replaces all of them;
    with ``strict`` the names must be exactly the module's parameters and buffers."""
    values = _merge(parameter_and_buffer_dicts)
    owners = _owners(module)
    if tie_weights:
        values = _tie(module, values)
    if strict:
        _check_strict(module, values, owners)
    swaps = []
    try:
        for name, value in values.items():
            swaps.append(_swap(module, name, value))
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for table, key, had, old in reversed(swaps):
            if had:
                table[key] = old
            else:
                table.pop(key, None)


def _merge(dicts) -> dict:
    if isinstance(dicts, dict):
        return dict(dicts)
    merged: dict = {}
    repeated = []
    for d in dicts:
        for k, v in d.items():
            if k in merged:
                repeated.append(k)
            merged[k] = v
    if repeated:
        raise ValueError(
            f"{sorted(set(repeated))} appeared in multiple dictionaries; behavior of functional "
            "call is ambiguous"
        )
    return merged


def _owners(module) -> dict:
    """Every name a parameter or buffer is reachable under (tied ones included)."""
    names = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        names[name] = p
    for name, b in module.named_buffers(remove_duplicate=False):
        names[name] = b
    return names


def _tie(module, values: dict) -> dict:
    """Extend ``values`` to every other name of the same (tied) parameter or buffer."""
    names = _owners(module)
    by_tensor: dict = {}
    for name, t in names.items():
        by_tensor.setdefault(id(t), []).append(name)
    out = dict(values)
    for name, value in values.items():
        if name not in names:
            continue
        tied = by_tensor[id(names[name])]
        given = [n for n in tied if n in values]
        if any(values[n] is not value for n in given):
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                "Consider using tie_weights=False"
            )
        for n in tied:
            out.setdefault(n, value)
    return out


def _check_strict(module, values: dict, owners: dict) -> None:
    unexpected = [k for k in values if k not in owners]
    missing = [k for k in owners if k not in values]
    if not (unexpected or missing):
        return
    lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
    if unexpected:
        lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
    if missing:
        lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
    raise RuntimeError("\n".join(lines))


def _swap(module, name: str, value):
    """Put ``value`` under ``name``; returns what restoring needs."""
    *path, leaf = name.split(".")
    owner = module.get_submodule(".".join(path))
    if value is not None and not isinstance(value, Tensor):
        raise TypeError(f"functional_call expects Tensors as values, got {type(value)} for {name}")
    if leaf in owner._parameters:
        table = owner._parameters
    elif leaf in owner._buffers:
        table = owner._buffers
    else:
        # Not a parameter or buffer: set as a plain attribute for the call, as torch does.
        table = owner.__dict__
    had = leaf in table
    old = table.get(leaf)
    table[leaf] = value
    return table, leaf, had, old
