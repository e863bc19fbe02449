"""Demand over the campaign: the inference share, what customers think compute is worth, and how
much of the training market still tenders at the going price."""

from __future__ import annotations

import math

from .core import GameCore


def _progress(g: GameCore) -> float:
    """0 in the first quarter, 1 in the last."""
    return min(1.0, g.q / max(1, g.spec.game.quarters - 1))


def inference_share(g: GameCore) -> float:
    """Inference's share of market demand in H100e this quarter (straight from start to end)."""
    d = g.spec.demand
    return d.inference_share_start + (d.inference_share_end - d.inference_share_start) * _progress(g)


def customer_value(g: GameCore) -> float:
    """What customers think an H100e-hour is worth this quarter: the price at which their outside
    option has its base pull. It falls as models get cheaper to run."""
    d = g.spec.demand
    return d.price_index_initial_usd_per_h100e_hour * (1 + d.value_change_per_quarter) ** g.q


def training_tender_share(g: GameCore) -> float:
    """The share of the labs' training need that they tender at the price index: the logit of
    buying against their outside option (wait, train smaller, build their own), as for inference."""
    t = g.spec.demand.training
    stay_out = math.exp(t.outside_option + t.price_weight * (g.world.price_index / customer_value(g) - 1.0))
    return 1.0 / (1.0 + stay_out)
