"""Op-table entries for convolutions, pooling and normalisation layers.

Weights and biases are further float inputs; batch_norm's running statistics are constants
made inside the lambda (torch never differentiates them).
"""

from __future__ import annotations

from op_spec import OpSpec


def _f(m):
    return m.nn.functional


def _bn_train(m, x, w, b, **kwargs):
    c = x.shape[1]
    rm, rv = m.zeros(c, dtype=x.dtype), m.ones(c, dtype=x.dtype)
    return _f(m).batch_norm(x, rm, rv, w, b, training=True, **kwargs)


def _bn_eval(m, x, w, b, **kwargs):
    c = x.shape[1]
    rm = m.arange(c, dtype=x.dtype) * 0.3 - 0.2
    rv = m.arange(c, dtype=x.dtype) * 0.5 + 0.5
    return _f(m).batch_norm(x, rm, rv, w, b, **kwargs)


CONV2D = (
    ((2, 3, 5, 6), (4, 3, 3, 3), (4,)),
    ((3, 5, 5), (2, 3, 3, 3), (2,)),
    ((0, 3, 5, 5), (2, 3, 3, 3), (2,)),
    ((1, 1, 3, 3), (1, 1, 2, 2), (1,)),
)
CONV1D = (((2, 3, 7), (4, 3, 3), (4,)), ((3, 7), (2, 3, 3), (2,)), ((1, 1, 4), (2, 1, 2), (2,)))
CONV_T = (
    ((2, 3, 4, 4), (3, 2, 3, 3), (2,)),
    ((3, 4, 3), (3, 2, 3, 2), (2,)),
    ((1, 1, 2, 2), (1, 1, 2, 2), (1,)),
)
IMAGES = (((2, 3, 5, 5),), ((3, 5, 6),), ((0, 2, 5, 5),), ((1, 1, 3, 3),))
SIGNALS = (((2, 3, 7),), ((3, 7),), ((1, 1, 5),))

OPS: list = [
    OpSpec(
        "conv2d",
        lambda m, x, w, b, **kw: _f(m).conv2d(x, w, b, **kw),
        CONV2D,
        kwargs_variants=(
            {},
            {"stride": 2, "padding": 1},
            {"padding": (1, 2), "dilation": (2, 1)},
            {"stride": (2, 1), "padding": "valid"},
            {"stride": 2, "padding": (1, 0)},
        ),
    ),
    OpSpec(
        "conv2d_same",
        lambda m, x, w, **kw: _f(m).conv2d(x, w, padding="same", **kw),
        (((2, 2, 5, 5), (3, 2, 3, 3)), ((2, 5, 4), (3, 2, 2, 3)), ((1, 2, 4, 4), (2, 2, 2, 2))),
        kwargs_variants=({}, {"dilation": 2}, {"dilation": (1, 2)}),
    ),
    OpSpec(
        "conv2d_groups",
        lambda m, x, w, b, **kw: _f(m).conv2d(x, w, b, **kw),
        (((2, 4, 5, 5), (6, 2, 3, 3), (6,)), ((4, 4, 4), (4, 2, 2, 2), (4,))),
        kwargs_variants=({"groups": 2}, {"groups": 2, "stride": 2, "padding": 1, "dilation": 2}),
    ),
    OpSpec(
        "conv2d_depthwise",
        lambda m, x, w: _f(m).conv2d(x, w, groups=4, padding=1),
        (((2, 4, 4, 4), (8, 1, 3, 3)),),
    ),
    OpSpec(
        "conv2d_keywords",
        lambda m, x, w: _f(m).conv2d(input=x, weight=w, bias=None, stride=(1, 2), groups=1),
        (((2, 3, 5, 5), (2, 3, 2, 2)),),
    ),
    OpSpec(
        "conv1d",
        lambda m, x, w, b, **kw: _f(m).conv1d(x, w, b, **kw),
        CONV1D,
        kwargs_variants=(
            {},
            {"stride": 2, "padding": 1, "dilation": 2},
            {"padding": "same"},
            {"padding": "same", "dilation": 3},
        ),
    ),
    OpSpec(
        "conv1d_groups",
        lambda m, x, w: _f(m).conv1d(x, w, groups=2, padding=1),
        (((2, 4, 6), (4, 2, 2)), ((4, 5), (2, 2, 3))),
    ),
    OpSpec(
        "conv_transpose2d",
        lambda m, x, w, b, **kw: _f(m).conv_transpose2d(x, w, b, **kw),
        CONV_T,
        kwargs_variants=(
            {},
            {"stride": 2, "padding": 1, "output_padding": 1},
            {"stride": (2, 1), "dilation": (1, 2), "padding": (0, 1)},
            {"stride": 1, "dilation": 2, "output_padding": 1},
            {"stride": (1, 3), "padding": 1, "output_padding": (0, 2)},
        ),
    ),
    OpSpec(
        "conv_transpose2d_groups",
        lambda m, x, w, **kw: _f(m).conv_transpose2d(x, w, **kw),
        (((2, 4, 3, 3), (4, 1, 3, 3)), ((4, 3, 2), (4, 3, 2, 2))),
        kwargs_variants=({"groups": 2}, {"groups": 4, "stride": 2, "output_padding": 1}),
    ),
    OpSpec(
        "max_pool2d",
        lambda m, x, **kw: _f(m).max_pool2d(x, **kw),
        IMAGES,
        kwargs_variants=(
            {"kernel_size": 2},
            {"kernel_size": 3, "stride": 1, "padding": 1},
            {"kernel_size": (3, 2), "stride": 2, "ceil_mode": True},
            {"kernel_size": 2, "stride": (1, 2), "padding": 1, "dilation": 2},
        ),
        exact_vals=(
            ([[[[1.0, 1.0, 0.0], [1.0, 1.0, 2.0], [2.0, 0.0, 2.0]]]],),
            ([[[[-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]]]],),
        ),
    ),
    OpSpec(
        "max_pool1d",
        lambda m, x, **kw: _f(m).max_pool1d(x, **kw),
        SIGNALS,
        kwargs_variants=(
            {"kernel_size": 2},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            {"kernel_size": 2, "stride": 1, "dilation": 2},
        ),
    ),
    OpSpec(
        "avg_pool2d",
        lambda m, x, **kw: _f(m).avg_pool2d(x, **kw),
        IMAGES,
        kwargs_variants=(
            {"kernel_size": 2},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
            {"kernel_size": (2, 3), "stride": 1, "padding": (1, 0), "divisor_override": 4},
        ),
    ),
    OpSpec(
        "avg_pool1d",
        lambda m, x, **kw: _f(m).avg_pool1d(x, **kw),
        SIGNALS,
        kwargs_variants=(
            {"kernel_size": 2},
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            {"kernel_size": 3, "padding": 1, "count_include_pad": False},
        ),
    ),
    OpSpec(
        "adaptive_avg_pool2d",
        lambda m, x, **kw: _f(m).adaptive_avg_pool2d(x, **kw),
        (((2, 3, 5, 7),), ((3, 4, 5),), ((0, 2, 4, 4),), ((1, 1, 3, 3),)),
        kwargs_variants=(
            {"output_size": 2},
            {"output_size": (3, None)},
            {"output_size": (4, 5)},
            {"output_size": 1},
            {"output_size": (6, 1)},
        ),
    ),
    OpSpec(
        "batch_norm_train",
        _bn_train,
        (((4, 3), (3,), (3,)), ((3, 2, 2, 3), (2,), (2,)), ((2, 2, 3), (2,), (2,))),
        kwargs_variants=({}, {"momentum": 0.3, "eps": 1e-3}),
    ),
    OpSpec(
        "batch_norm_train_plain",
        lambda m, x: _f(m).batch_norm(x, None, None, training=True),
        (((4, 3, 2),), ((5, 2),)),
    ),
    OpSpec(
        "batch_norm_eval",
        _bn_eval,
        (((4, 3, 2, 2), (3,), (3,)), ((2, 3), (3,), (3,))),
        kwargs_variants=({}, {"eps": 0.1}),
    ),
    OpSpec(
        "layer_norm",
        lambda m, x, w, b, **kw: _f(m).layer_norm(x, tuple(w.shape), w, b, **kw),
        (
            ((2, 3, 4), (3, 4), (3, 4)),
            ((2, 3, 4), (4,), (4,)),
            ((5,), (5,), (5,)),
            ((0, 3), (3,), (3,)),
        ),
        kwargs_variants=({}, {"eps": 0.1}),
    ),
    OpSpec(
        "layer_norm_plain",
        lambda m, x: _f(m).layer_norm(x, [x.shape[-1]]),
        (((2, 3, 4),), ((1, 3),)),
    ),
    OpSpec(
        "group_norm",
        lambda m, x, w, b, **kw: _f(m).group_norm(x, 2, w, b, **kw),
        (((2, 4, 3, 2), (4,), (4,)), ((3, 6), (6,), (6,)), ((0, 2, 3), (2,), (2,))),
        kwargs_variants=({}, {"eps": 0.1}),
    ),
    OpSpec(
        "group_norm_plain",
        lambda m, x, **kw: _f(m).group_norm(x, **kw),
        (((2, 4, 5),), ((1, 6, 2, 2),)),
        kwargs_variants=({"num_groups": 1}, {"num_groups": 2}),
    ),
]
