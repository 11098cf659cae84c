"""The thread-local grad mode and its context managers (also usable as decorators)."""

from __future__ import annotations

import functools
import inspect
import threading


class _State(threading.local):
    # Class attributes are the defaults every new thread starts with.
    enabled = True
    inference = False
    saved_hooks = ()  # the stack of (pack_hook, unpack_hook) of saved_tensors_hooks
    saved_hooks_disabled = None  # the message of disable_saved_tensors_hooks, if inside one


state = _State()


def is_grad_enabled() -> bool:
    """True if ops record the graph in this thread."""
    return state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` in this thread."""
    return state.inference


class _Mode:
    """Base of the grad-mode context managers; each is also a decorator, with or without ()."""

    def __new__(cls, orig_func=None, *args, **kwargs):
        if cls is not set_grad_enabled and callable(orig_func):
            return cls()(orig_func)  # used as a bare decorator: @no_grad
        return super().__new__(cls)

    def _enter(self):  # returns what __exit__ must restore
        raise NotImplementedError

    def __enter__(self):
        self._saved = (state.enabled, state.inference)
        self._enter()
        return None

    def __exit__(self, *exc) -> None:
        state.enabled, state.inference = self._saved

    def clone(self):
        return type(self)()

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func):
        # The mode holds only while the generator runs, not between next() calls.
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            with self.clone():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with self.clone():
                        gen.close()
                    raise
                except BaseException as e:
                    with self.clone():
                        response = gen.throw(e)
                else:
                    try:
                        with self.clone():
                            response = gen.send(request)
                    except StopIteration as stop:
                        return stop.value

        return wrapper


class no_grad(_Mode):
    """Context manager / decorator: ops inside do not record the graph."""

    def _enter(self):
        state.enabled = False


class enable_grad(_Mode):
    """Context manager / decorator: record the graph, even inside ``no_grad``."""

    def _enter(self):
        state.enabled = True


class set_grad_enabled(_Mode):
    """Turn recording on or off: as a call, a context manager, or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._saved = (state.enabled, state.inference)
        state.enabled = self.mode  # a plain call takes effect at once, as in torch

    def _enter(self):
        state.enabled = self.mode

    def __enter__(self):
        # The saved state is the one before the call, which already switched the mode.
        self._enter()
        return None

    def clone(self):
        previous = state.enabled
        copy = set_grad_enabled(self.mode)
        state.enabled = previous
        return copy

    def __call__(self, func):
        state.enabled, state.inference = self._saved  # the decorator form must not switch now
        return super().__call__(func)


class inference_mode(_Mode):
    """Like ``no_grad``, and tensors made inside are inference tensors (never tracked)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _enter(self):
        if self.mode:
            state.enabled = False
            state.inference = True
        else:
            state.enabled = True
            state.inference = False

    def clone(self):
        return inference_mode(self.mode)
