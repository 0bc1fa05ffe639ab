"""Plan anchors: cells, jitter, the density target and the (dx, dy, z) state round trip."""

import pytest
import torch

from cad3d.models.anchors import (
    cell_centre,
    cell_index,
    density_loss,
    density_target,
    sample_anchors,
    to_points,
    training_anchors,
)

pytestmark = pytest.mark.torch


def test_cells_follow_the_frame_y_up_row_major():
    grid = 4
    xy = torch.tensor([[-0.9, 0.9], [0.9, 0.9], [-0.9, -0.9], [0.1, -0.1]])
    assert cell_index(xy, grid).tolist() == [0, 3, 12, 10]
    assert torch.allclose(
        cell_centre(torch.tensor([0, 10]), grid), torch.tensor([[-0.75, 0.75], [0.25, -0.25]])
    )


def test_training_anchors_round_trip_and_stay_in_the_true_points_cell():
    g = torch.Generator().manual_seed(0)
    pts = torch.rand(2, 500, 3, generator=g) * 2 - 1
    u = torch.rand(2, 500, 2, generator=g)
    anchors, x = training_anchors(pts, 16, u)
    assert torch.equal(cell_index(anchors, 16), cell_index(pts[..., :2], 16))
    assert x[..., :2].abs().max() < 1.0  # offsets in cell units
    assert torch.allclose(to_points(x, anchors, 16), pts, atol=1e-6)


def test_density_target_and_loss():
    xy = torch.tensor([[[-0.9, 0.9], [-0.9, 0.9], [0.9, -0.9], [0.9, -0.9]]])
    target = density_target(xy, 2)
    assert target.tolist() == [[0.5, 0.0, 0.0, 0.5]]
    perfect = torch.tensor([[[20.0, -20.0], [-20.0, 20.0]]])
    wrong = -perfect
    assert density_loss(perfect, xy) < 1e-6 < 1.0 < density_loss(wrong, xy)


def test_sampled_anchors_land_where_the_density_is():
    logits = torch.full((1, 8, 8), -30.0)
    logits[0, 2, 5] = 0.0  # all mass in one cell: row 2, column 5
    a = sample_anchors(logits, 300, torch.Generator().manual_seed(1))
    assert a.shape == (1, 300, 2)
    assert (cell_index(a, 8) == 2 * 8 + 5).all()
    assert a[..., 0].std() > 0.05  # jittered across the cell (side 0.25), not at its centre
