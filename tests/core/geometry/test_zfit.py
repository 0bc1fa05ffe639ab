import numpy as np

from cad3d.geometry.zfit import grid_sampler, height_grid, largest_gap, robust_top, step_edge


def _top_face(rng, h, n_face, n_wall, sigma, above=False):
    """z of a horizontal face at h with its vertical faces below (or above) and 5 % outliers."""
    wall = rng.uniform(h, h + 1.5, n_wall) if above else rng.uniform(0, h, n_wall)
    z = np.concatenate([rng.normal(h, sigma, n_face), wall + rng.normal(0, sigma, n_wall)])
    return np.concatenate([z, rng.uniform(-1, 4, int(0.05 * len(z)))])


def test_step_edge_finds_top_face_despite_walls_and_outliers():
    rng = np.random.default_rng(0)
    z = _top_face(rng, 2.7, 300, 3000, 0.02)
    h, support = step_edge(z, 2.75, "below", 0.15)
    assert abs(h - 2.7) < 0.005
    assert support > 300
    # a 98th percentile alone is biased by the walls and noise; robust_top is not
    assert abs(robust_top(z, 0.15, 0.002)[0] - 2.7) < 0.005


def test_step_edge_soffit_with_walls_above():
    rng = np.random.default_rng(1)
    z = _top_face(rng, 2.1, 40, 60, 0.015, above=True)
    h, _ = step_edge(z, 2.0, "above", 0.2)
    assert abs(h - 2.1) < 0.01


def test_step_edge_without_points_keeps_guess():
    assert step_edge(np.array([5.0, 6.0]), 2.0, "below", 0.1) == (2.0, 0.0)


def test_largest_gap_of_a_window_column():
    rng = np.random.default_rng(2)
    z = np.concatenate(
        [
            rng.uniform(0, 1.2, 60),
            rng.normal(1.2, 0.01, 40),
            rng.normal(2.3, 0.01, 40),
            rng.uniform(2.3, 2.7, 30),
            rng.uniform(0, 2.7, 3),  # outliers inside the opening
        ]
    )
    g0, g1 = largest_gap(z, 0.0, 2.75, 0.04, 0.3)
    assert 1.15 < g0 < 1.35 and 2.15 < g1 < 2.35
    assert largest_gap(rng.uniform(0, 3, 500), 0.0, 3.0, 0.04, 0.3) is None


def test_height_grid_follows_a_slope_through_outliers():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 50, (3000, 2))
    truth = lambda x, y: 0.2 * x + 0.05 * y + np.sin(x / 8.0)  # noqa: E731
    z = truth(xy[:, 0], xy[:, 1]) + rng.normal(0, 0.02, len(xy))
    out = rng.random(len(z)) < 0.05
    z[out] += rng.uniform(-5, 5, out.sum())
    grid = height_grid(xy, z, (50.0, 50.0), 1.0)
    assert grid.shape == (51, 51)
    fn = grid_sampler(grid, 1.0)
    gx, gy = np.meshgrid(np.linspace(2, 48, 40), np.linspace(2, 48, 40))
    rms = np.sqrt(np.mean((fn(gx, gy) - truth(gx, gy)) ** 2))
    assert rms < 0.05
