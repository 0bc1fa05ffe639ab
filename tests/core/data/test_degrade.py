"""degrade: scan-like output, and the ground truth moves with the image."""

import numpy as np
import pytest
from shapely.geometry import box

from cad3d.classes import class_id
from cad3d.data.degrade import apply_affine_to_world, degrade, warp_maps, world_matrix
from cad3d.data.maps import plan_maps
from cad3d.geometry.lift import lift_plan
from cad3d.geometry.sampling import sample_surface
from cad3d.plan import Plan, Solid

S, HW = 0.02, (300, 400)


def room():
    t = 0.3
    walls = [
        box(1, 1, 6, 1 + t),
        box(1, 4.5 - t, 6, 4.5),
        box(1, 1, 1 + t, 4.5),
        box(6 - t, 1, 6, 4.5),
    ]
    return Plan("floorplan", (8.0, 6.0), solids=[Solid("WALL", w, 0.0, 3.0) for w in walls])


def drawing(plan):
    sem = plan_maps(plan, HW, S)["semantic"]
    return np.where(sem == class_id("WALL"), 0, 255).astype(np.uint8)


def test_severity_zero_is_identity():
    img = drawing(room())
    out, a = degrade(img, np.random.default_rng(0), severity=0.0)
    assert np.array_equal(out, img) and np.allclose(a, [[1, 0, 0], [0, 1, 0]])


def test_degrade_changes_image_keeps_size_and_is_deterministic():
    img = drawing(room())
    a, aff_a = degrade(img, np.random.default_rng(5))
    b, aff_b = degrade(img, np.random.default_rng(5))
    assert a.shape == img.shape and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(aff_a, aff_b)
    assert np.abs(a.astype(int) - img).mean() > 1.0
    ang = np.degrees(np.arctan2(aff_a[1, 0], aff_a[0, 0]))
    assert abs(ang) <= 1.5 + 1e-9 and np.allclose(aff_a[:, :2] @ aff_a[:, :2].T, np.eye(2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ground_truth_moves_with_image(seed):
    plan = room()
    img = drawing(plan)
    out, aff = degrade(img, np.random.default_rng(seed))
    moved, meshes, pts = apply_affine_to_world(
        aff,
        HW[0],
        S,
        plan=plan,
        meshes=lift_plan(plan),
        points=sample_surface(lift_plan(plan), 500, 0),
    )
    # the outer wall corner (1, 1): its moved world point lands on the moved pixel
    c, r = 1 / S, HW[0] - 1 / S
    c2, r2 = aff @ [c, r, 1.0]
    x, y = (world_matrix(aff, HW[0], S) @ [1.0, 1.0, 1.0])[:2]
    assert abs(x / S - c2) < 1e-6 and abs(HW[0] - y / S - r2) < 1e-6
    corner = min(moved.solids[0].footprint.exterior.coords, key=lambda p: p[0] + p[1])
    assert np.hypot(corner[0] / S - c2, HW[0] - corner[1] / S - r2) < 1.0
    # the moved plan's wall map matches the degraded drawing's ink, and the warped map
    wall = plan_maps(moved, HW, S)["semantic"] == class_id("WALL")
    ink = out < 128
    assert (wall & ink).sum() / (wall | ink).sum() > 0.85
    warped = warp_maps({"semantic": plan_maps(plan, HW, S)["semantic"]}, aff)["semantic"]
    assert ((warped == class_id("WALL")) != wall).mean() < 0.01
    # meshes and points moved like the plan: same bounds as lifting the moved plan
    assert np.allclose(meshes.bounds, lift_plan(moved).bounds, atol=1e-6)
    assert np.allclose(np.linalg.norm(pts.normals, axis=1), 1.0, atol=1e-5)
    assert pts.points[:, 2].min() >= -1e-6 and pts.points[:, 2].max() <= 3 + 1e-6
