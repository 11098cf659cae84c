"""Op-table entries for nn.functional: activations, losses, embedding, padding, normalize."""

from __future__ import annotations

from op_spec import FEW_UNARY, UNARY, OpSpec

SMALL = ((),), ((1, 3),), ((2, 3),), ((0, 3),)
PAIR = ((), ()), ((2, 3), (2, 3)), ((0, 3), (0, 3)), ((4,), (4,))
REDUCTIONS = ({"reduction": "mean"}, {"reduction": "sum"}, {"reduction": "none"})


def F(m):
    return m.nn.functional


def _w(m, x, values):
    """A constant per-class weight in x's dtype."""
    return m.tensor(values, dtype=x.dtype)


OPS = [
    # --- linear layers --------------------------------------------------------------------
    OpSpec(
        "F.linear",
        lambda m, x, w, b: F(m).linear(x, w, b),
        (
            ((3, 4), (5, 4), (5,)),
            ((4,), (5, 4), (5,)),
            ((2, 3, 4), (5, 4), (5,)),
            ((0, 4), (2, 4), (2,)),
            ((3, 4), (5, 4), ()),
        ),
    ),
    OpSpec(
        "F.linear_no_bias",
        lambda m, x, w: F(m).linear(x, w),
        (((3, 4), (5, 4)), ((4,), (5, 4)), ((2, 3, 4), (5, 4))),
    ),
    OpSpec(
        "F.bilinear",
        lambda m, x1, x2, w: F(m).bilinear(x1, x2, w),
        (((3, 4), (3, 2), (5, 4, 2)), ((4,), (2,), (3, 4, 2)), ((2, 1, 3), (2, 1, 2), (2, 3, 2))),
    ),
    OpSpec(
        "F.bilinear_bias",
        lambda m, x1, x2, w, b: F(m).bilinear(x1, x2, w, b),
        (((3, 4), (3, 2), (5, 4, 2), (5,)),),
    ),
    # --- activations ----------------------------------------------------------------------
    OpSpec("F.relu", lambda m, x: F(m).relu(x), FEW_UNARY, kinks=(0.0,)),
    OpSpec("F.relu_inplace", lambda m, x: F(m).relu(x * 1, inplace=True), SMALL, kinks=(0.0,)),
    OpSpec(
        "F.relu6",
        lambda m, x: F(m).relu6(x),
        UNARY,
        low=-3.0,
        high=8.0,
        kinks=(0.0, 6.0),
        exact_vals=(([-1.0, 0.0, 3.0, 6.0, 7.0],),),
    ),
    OpSpec("F.relu6_inplace", lambda m, x: F(m).relu6(x * 1, True), SMALL, kinks=(0.0,)),
    OpSpec(
        "F.hardtanh",
        lambda m, x, **kw: F(m).hardtanh(x, **kw),
        SMALL,
        low=-3.0,
        high=3.0,
        kinks=(-1.0, 1.0, -0.5, 2.0),
        kwargs_variants=({}, {"min_val": -0.5, "max_val": 2.0}),
        exact_vals=(([-1.0, 1.0, 0.0, 2.0, -0.5],),),
    ),
    OpSpec(
        "F.hardtanh_inplace",
        lambda m, x: F(m).hardtanh(x * 1, -0.5, 0.5, inplace=True),
        SMALL,
        kinks=(-0.5, 0.5),
    ),
    OpSpec(
        "F.leaky_relu",
        lambda m, x, **kw: F(m).leaky_relu(x, **kw),
        UNARY,
        kinks=(0.0,),
        kwargs_variants=({}, {"negative_slope": 0.2}, {"negative_slope": -0.5}),
        exact_vals=(([-1.0, 0.0, 1.0],),),
    ),
    OpSpec(
        "F.leaky_relu_inplace",
        lambda m, x: F(m).leaky_relu(x * 1, 0.3, inplace=True),
        SMALL,
        kinks=(0.0,),
    ),
    OpSpec(
        "F.elu",
        lambda m, x, **kw: F(m).elu(x, **kw),
        UNARY,
        kinks=(0.0,),
        kwargs_variants=({}, {"alpha": 0.5}),
        exact_vals=(([-1.0, 0.0, 1.0],),),
    ),
    OpSpec(
        "F.elu_inplace",
        lambda m, x: F(m).elu(x * 1, 2.0, inplace=True),
        SMALL,
        kinks=(0.0,),
    ),
    OpSpec("F.selu", lambda m, x: F(m).selu(x), UNARY, kinks=(0.0,)),
    OpSpec("F.selu_inplace", lambda m, x: F(m).selu(x * 1, True), SMALL, kinks=(0.0,)),
    OpSpec(
        "F.celu",
        lambda m, x, **kw: F(m).celu(x, **kw),
        SMALL,
        kinks=(0.0,),
        kwargs_variants=({}, {"alpha": 2.0}),
    ),
    OpSpec("F.celu_inplace", lambda m, x: F(m).celu(x * 1, 0.5, True), SMALL, kinks=(0.0,)),
    OpSpec(
        "F.gelu",
        lambda m, x, **kw: F(m).gelu(x, **kw),
        UNARY,
        low=-4.0,
        high=4.0,
        kwargs_variants=({}, {"approximate": "tanh"}, {"approximate": "none"}),
    ),
    OpSpec("F.silu", lambda m, x: F(m).silu(x), UNARY, low=-4.0, high=4.0),
    OpSpec("F.silu_inplace", lambda m, x: F(m).silu(x * 1, inplace=True), SMALL),
    OpSpec("F.mish", lambda m, x: F(m).mish(x), UNARY, low=-4.0, high=4.0),
    OpSpec("F.mish_inplace", lambda m, x: F(m).mish(x * 1, inplace=True), SMALL),
    OpSpec(
        "F.softplus",
        lambda m, x, **kw: F(m).softplus(x, **kw),
        UNARY,
        low=-4.0,
        high=4.0,
        kinks=(1.0, 0.5),
        kwargs_variants=({}, {"beta": 2.0}, {"beta": 2.0, "threshold": 1.0}, {"threshold": 0.5}),
    ),
    OpSpec("F.logsigmoid", lambda m, x: F(m).logsigmoid(x), UNARY, low=-5.0, high=5.0),
    OpSpec("F.sigmoid", lambda m, x: F(m).sigmoid(x), FEW_UNARY),
    OpSpec("F.tanh", lambda m, x: F(m).tanh(x), FEW_UNARY),
    OpSpec(
        "F.softmax",
        lambda m, x, **kw: F(m).softmax(x, **kw),
        (((4,),), ((2, 3),), ((2, 1, 3),), ((0, 3),)),
        kwargs_variants=({"dim": -1}, {"dim": 0}),
    ),
    OpSpec(
        "F.log_softmax",
        lambda m, x, **kw: F(m).log_softmax(x, **kw),
        (((4,),), ((2, 3),), ((2, 1, 3),), ((0, 3),)),
        kwargs_variants=({"dim": -1}, {"dim": 0}),
    ),
    OpSpec(
        "F.log_softmax_dtype",
        lambda m, x: F(m).log_softmax(x.float(), 1, dtype=m.float64),
        (((2, 3),),),
        finite_differences=False,
    ),
    OpSpec("F.softmin", lambda m, x: F(m).softmin(x, dim=1), (((2, 3),), ((1, 4, 2),))),
    # --- dropout (the random cases are in test_ops_nn.py) ----------------------------------
    OpSpec("F.dropout_eval", lambda m, x: F(m).dropout(x * 1, 0.3, training=False), SMALL),
    OpSpec("F.dropout_p0", lambda m, x: F(m).dropout(x * 1, 0.0), SMALL),
    OpSpec("F.dropout_p1", lambda m, x: F(m).dropout(x, 1.0), SMALL),
    # --- regression losses --------------------------------------------------------------------
    OpSpec(
        "F.mse_loss",
        lambda m, x, t, **kw: F(m).mse_loss(x, t, **kw),
        PAIR,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.mse_loss_broadcast",
        lambda m, x, t: F(m).mse_loss(x, t),
        (((2, 3), (3,)), ((3, 1), (2,))),
    ),
    OpSpec(
        "F.mse_loss_weight",
        lambda m, x, t, w, **kw: F(m).mse_loss(x, t, weight=w, **kw),
        (((2, 3), (2, 3), (2, 3)),),
        low=0.1,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.l1_loss",
        lambda m, x, t, **kw: F(m).l1_loss(x, t, **kw),
        PAIR,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.l1_loss_weight",
        lambda m, x, t, w, **kw: F(m).l1_loss(x, t, weight=w, **kw),
        (((2, 3), (2, 3), (2, 3)),),
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.smooth_l1_loss",
        lambda m, x, t, **kw: F(m).smooth_l1_loss(x, t, **kw),
        PAIR,
        kwargs_variants=(*REDUCTIONS, {"beta": 0.5}, {"beta": 0.0}, {"beta": 3.0}),
    ),
    OpSpec(
        "F.huber_loss",
        lambda m, x, t, **kw: F(m).huber_loss(x, t, **kw),
        PAIR,
        kwargs_variants=(*REDUCTIONS, {"delta": 0.5}, {"delta": 2.0, "reduction": "sum"}),
    ),
    OpSpec(
        "F.huber_loss_weight",
        lambda m, x, t, w, **kw: F(m).huber_loss(x, t, weight=w, **kw),
        (((2, 3), (2, 3), (2, 3)),),
        kwargs_variants=REDUCTIONS,
    ),
    # --- binary cross-entropy -------------------------------------------------------------------
    OpSpec(
        "F.binary_cross_entropy",
        lambda m, x, t, **kw: F(m).binary_cross_entropy(x, t, **kw),
        PAIR,
        low=0.05,
        high=0.95,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.binary_cross_entropy_weight",
        lambda m, x, t, **kw: F(m).binary_cross_entropy(
            x, t, weight=_w(m, x, [0.5, 2.0, 1.0]), **kw
        ),
        (((2, 3), (2, 3)), ((3,), (3,))),
        low=0.05,
        high=0.95,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.binary_cross_entropy_with_logits",
        lambda m, x, t, **kw: F(m).binary_cross_entropy_with_logits(x, t, **kw),
        PAIR,
        low=-3.0,
        high=3.0,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.binary_cross_entropy_with_logits_weights",
        lambda m, x, t, **kw: F(m).binary_cross_entropy_with_logits(
            x, t, weight=_w(m, x, [0.5, 2.0, 1.0]), pos_weight=_w(m, x, [3.0, 1.0, 0.25]), **kw
        ),
        (((2, 3), (2, 3)), ((3,), (3,))),
        low=-3.0,
        high=3.0,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.binary_cross_entropy_with_logits_pos_weight",
        lambda m, x, t: F(m).binary_cross_entropy_with_logits(
            x, t, pos_weight=_w(m, x, [[2.0], [0.5]]), reduction="none"
        ),
        (((2, 3), (2, 3)), ((2, 1), (2, 1))),
    ),
    # --- kl_div -------------------------------------------------------------------------------
    OpSpec(
        "F.kl_div",
        lambda m, x, t, **kw: F(m).kl_div(x, t, **kw),
        (((2, 3), (2, 3)), ((4,), (4,)), ((0, 3), (0, 3))),
        low=0.1,
        high=2.0,
        kwargs_variants=(*REDUCTIONS, {"reduction": "batchmean"}),
    ),
    OpSpec(
        "F.kl_div_log_target",
        lambda m, x, t, **kw: F(m).kl_div(x, t, log_target=True, **kw),
        (((2, 3), (2, 3)), ((), ())),
        kwargs_variants=({"reduction": "sum"}, {"reduction": "none"}, {"reduction": "batchmean"}),
    ),
    # --- cross-entropy and nll_loss ----------------------------------------------------------
    OpSpec(
        "F.cross_entropy_options",
        lambda m, x, **kw: F(m).cross_entropy(x, m.tensor([0, 3, 1, 3, 2][: x.shape[0]]), **kw),
        (((3, 4),), ((5, 4),), ((1, 4),)),
        kwargs_variants=(
            *REDUCTIONS,
            {"ignore_index": 3},
            {"ignore_index": 3, "reduction": "sum"},
            {"label_smoothing": 0.2},
            {"label_smoothing": 0.3, "reduction": "none", "ignore_index": 1},
            {"label_smoothing": 1.0, "reduction": "sum"},
        ),
    ),
    OpSpec(
        "F.cross_entropy_weight",
        lambda m, x, **kw: F(m).cross_entropy(
            x, m.tensor([0, 3, 1]), weight=_w(m, x, [0.5, 2.0, 1.0, 3.0]), **kw
        ),
        (((3, 4),),),
        kwargs_variants=(
            *REDUCTIONS,
            {"ignore_index": 3},
            {"label_smoothing": 0.2},
            {"label_smoothing": 0.1, "ignore_index": 0, "reduction": "mean"},
            {"label_smoothing": 0.1, "reduction": "none"},
        ),
    ),
    OpSpec(
        "F.cross_entropy_unbatched",
        lambda m, x, **kw: F(m).cross_entropy(x, m.tensor(2), **kw),
        (((4,),),),
        kwargs_variants=({}, {"reduction": "none"}, {"label_smoothing": 0.25}),
    ),
    OpSpec(
        "F.cross_entropy_spatial",
        lambda m, x, **kw: F(m).cross_entropy(
            x, m.tensor([[0, 2], [1, 1]]).reshape((2,) + (1,) * (x.ndim - 3) + (2,)), **kw
        ),
        (((2, 3, 2),), ((2, 3, 1, 2),), ((2, 3, 1, 1, 2),)),
        kwargs_variants=(*REDUCTIONS, {"ignore_index": 1}, {"label_smoothing": 0.1}),
    ),
    OpSpec(
        "F.cross_entropy_probs",
        lambda m, x, p, **kw: F(m).cross_entropy(x, p, **kw),
        (((3, 4), (3, 4)), ((4,), (4,)), ((2, 3, 2), (2, 3, 2)), ((0, 3), (0, 3))),
        low=0.1,
        high=1.0,
        kwargs_variants=(*REDUCTIONS, {"label_smoothing": 0.2}),
    ),
    OpSpec(
        "F.cross_entropy_probs_weight",
        lambda m, x, p, **kw: F(m).cross_entropy(x, p, weight=_w(m, x, [0.5, 2.0, 1.0]), **kw),
        (((2, 3), (2, 3)), ((2, 3, 2), (2, 3, 2))),
        low=0.1,
        high=1.0,
        kwargs_variants=REDUCTIONS,
    ),
    OpSpec(
        "F.nll_loss_options",
        lambda m, x, **kw: F(m).nll_loss(x, m.tensor([2, 0, 2]), **kw),
        (((3, 4),),),
        kwargs_variants=(*REDUCTIONS, {"ignore_index": 0}, {"ignore_index": 2}),
    ),
    OpSpec(
        "F.nll_loss_weight",
        lambda m, x, **kw: F(m).nll_loss(
            x, m.tensor([2, 0, 2]), weight=_w(m, x, [0.5, 2.0, 1.0, 3.0]), **kw
        ),
        (((3, 4),),),
        kwargs_variants=(
            *REDUCTIONS,
            {"ignore_index": 2},
            {"ignore_index": 2, "reduction": "none"},
            {"ignore_index": 0, "reduction": "sum"},
        ),
    ),
    OpSpec(
        "F.nll_loss_spatial",
        lambda m, x, **kw: F(m).nll_loss(
            x, m.tensor([[0, 2], [1, 1]]).reshape((2,) + (1,) * (x.ndim - 3) + (2,)), **kw
        ),
        (((2, 3, 2),), ((2, 3, 1, 2),), ((2, 3, 1, 1, 2),)),
        kwargs_variants=(*REDUCTIONS, {"ignore_index": 1}),
    ),
    OpSpec(
        "F.nll_loss_empty",
        lambda m, x, **kw: F(m).nll_loss(x, m.zeros(0, dtype=m.int64), **kw),
        (((0, 3),),),
        kwargs_variants=({"reduction": "sum"}, {"reduction": "none"}),
    ),
    # --- embedding, pad -------------------------------------------------------------------
    OpSpec(
        "F.embedding",
        lambda m, w, **kw: F(m).embedding(m.tensor([[0, 2, 3], [2, 2, 1]]), w, **kw),
        (((4, 3),), ((5, 1),)),
    ),
    # padding_idx and scale_grad_by_freq change the gradient on purpose (it is no longer the
    # derivative), and torch's double backward ignores scale_grad_by_freq
    OpSpec(
        "F.embedding_padding_idx",
        lambda m, w, **kw: F(m).embedding(m.tensor([[0, 2, 3], [2, 2, 1]]), w, **kw),
        (((4, 3),), ((5, 1),)),
        kwargs_variants=({"padding_idx": 2}, {"padding_idx": -1}),
        finite_differences=False,
    ),
    OpSpec(
        "F.embedding_scale_grad_by_freq",
        lambda m, w: F(m).embedding(m.tensor([[0, 2, 3], [2, 2, 1]]), w, scale_grad_by_freq=True),
        (((4, 3),),),
        second_order=False,
        finite_differences=False,
    ),
    OpSpec(
        "F.pad_constant",
        lambda m, x, **kw: F(m).pad(x, **kw),
        (((2, 3),), ((1, 2, 3),), ((0, 3),)),
        kwargs_variants=(
            {"pad": (1, 2)},
            {"pad": (0, 1, 2, 0)},
            {"pad": (-1, 1)},
            {"pad": (2, 1), "mode": "constant", "value": -1.0},
        ),
    ),
    OpSpec(
        "F.pad_crop",
        lambda m, x: F(m).pad(x, (1, -2, -1, 0), value=2.5),
        (((2, 3),), ((1, 2, 3),)),
    ),
    OpSpec(
        "F.pad_scalar",
        lambda m, x: F(m).pad(x, (1, 1)),
        (((3,),), ((1,),)),
    ),
    OpSpec(
        "F.pad_reflect",
        lambda m, x, pad: F(m).pad(x, pad, mode="reflect"),
        (((2, 4),), ((1, 2, 4),)),
        kwargs_variants=({"pad": (1, 2)}, {"pad": (3, 0)}, {"pad": (-1, 2)}),
    ),
    OpSpec(
        "F.pad_reflect_2d",
        lambda m, x, pad: F(m).pad(x, pad, mode="reflect"),
        (((2, 3, 4),), ((1, 2, 3, 4),)),
        kwargs_variants=({"pad": (1, 2, 2, 1)}, {"pad": (0, 3, 1, 0)}),
    ),
    OpSpec(
        "F.pad_reflect_3d",
        lambda m, x: F(m).pad(x, (1, 0, 0, 1, 1, 1), mode="reflect"),
        (((1, 2, 3, 2),),),
    ),
    OpSpec(
        "F.pad_replicate",
        lambda m, x, pad: F(m).pad(x, pad, mode="replicate"),
        (((2, 3),), ((1, 2, 3),)),
        kwargs_variants=({"pad": (2, 1)}, {"pad": (-1, 3)}),
    ),
    OpSpec(
        "F.pad_replicate_nd",
        lambda m, x, pad: F(m).pad(x, pad, mode="replicate"),
        (((1, 2, 1, 3),),),
        kwargs_variants=({"pad": (1, 2, 2, 0)}, {"pad": (1, 0, 0, 1, 2, 1)}),
    ),
    OpSpec(
        "F.pad_circular",
        lambda m, x, pad: F(m).pad(x, pad, mode="circular"),
        (((2, 3),), ((1, 2, 3),)),
        kwargs_variants=({"pad": (2, 1)}, {"pad": (3, 3)}, {"pad": (-1, 2)}, {"pad": (2, -1)}),
    ),
    OpSpec(
        "F.pad_circular_2d",
        lambda m, x: F(m).pad(x, (1, 2, 2, 1), mode="circular"),
        (((1, 2, 2, 3),), ((2, 3, 3),)),
    ),
    # --- normalize, cosine_similarity -----------------------------------------------------------
    OpSpec(
        "F.normalize",
        lambda m, x, **kw: F(m).normalize(x, **kw),
        (((2, 3),), ((1, 3, 2),), ((0, 3),)),
        kinks=(0.0,),
        kwargs_variants=({}, {"dim": 0}, {"p": 1.0}, {"p": 3.0, "dim": -1}, {"eps": 0.5}),
    ),
    # at a zero row torch's second derivative is NaN, npgrad's is 0: first order only
    OpSpec(
        "F.normalize_zero_row",
        lambda m, x: F(m).normalize(x * m.tensor([[0.0], [1.0]], dtype=x.dtype)),
        (((2, 3),),),
        kinks=(0.0,),
        second_order=False,
        finite_differences=False,
    ),
    OpSpec(
        "F.cosine_similarity",
        lambda m, x1, x2, **kw: F(m).cosine_similarity(x1, x2, **kw),
        (((2, 3), (2, 3)), ((2, 1, 3), (4, 3)), ((4,), (4,))),
        kwargs_variants=({"dim": -1}, {"dim": 0}),
    ),
    # norms below eps are raised to eps without changing their gradient, as in torch
    OpSpec(
        "F.cosine_similarity_eps",
        lambda m, x1, x2: F(m).cosine_similarity(x1, x2, dim=-1, eps=2.0),
        (((2, 3), (2, 3)), ((4,), (4,))),
        finite_differences=False,
    ),
]
