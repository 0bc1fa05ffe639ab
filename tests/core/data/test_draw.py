"""Drawing primitives put ink where the meters say."""

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from cad3d.data.draw import Canvas, dash_segments, to_px, to_world


def test_to_px_round_trip_and_convention():
    xy = np.array([[0.0, 0.0], [1.0, 2.0], [0.25, 0.5]])
    cr = to_px(xy, 100, 0.05)
    assert cr[1] == pytest.approx([20.0, 60.0])
    assert cr[0] == pytest.approx([0.0, 100.0])
    assert to_world(cr, 100, 0.05) == pytest.approx(xy)


def test_fill_with_hole_paints_ring_only():
    cv = Canvas.blank(100, 100, 0.1, aa=False)
    ring = Polygon(box(1, 1, 9, 9).exterior.coords, [box(3, 3, 7, 7).exterior.coords])
    cv.fill(ring, ink=0)
    r, c = to_px([2.0, 5.0], 100, 0.1).round().astype(int)[::-1]
    assert cv.image[r, c] == 0  # in the ring
    r, c = to_px([5.0, 5.0], 100, 0.1).round().astype(int)[::-1]
    assert cv.image[r, c] == 255  # in the hole
    dark = (cv.image < 128).sum()
    assert abs(dark - (80 * 80 - 40 * 40)) <= 40  # area-true: 8 x 8 m ring minus 4 x 4 m hole


def test_line_weight_and_dash():
    cv = Canvas.blank(200, 50, 0.01, aa=False)
    cv.line([0.1, 0.25], [1.9, 0.25], weight=3)
    row = cv.image[25]
    assert (row[12:188] == 0).all()
    assert (cv.image[22:29, 100] == 0).sum() == 3
    cv2_ = Canvas.blank(200, 50, 0.01, aa=False)
    cv2_.line([0.0, 0.25], [2.0, 0.25], weight=1, dash=(10, 10))
    ink = cv2_.image[25] < 128
    assert 0.4 < ink.mean() < 0.65
    segs = dash_segments(np.array([[0.0, 0.0], [100.0, 0.0]]), (10, 5))
    assert len(segs) == 7 and segs[0][-1][0] == pytest.approx(10.0)


def test_hatch_stays_inside_and_has_spacing():
    cv = Canvas.blank(200, 200, 0.01, aa=False)
    area = box(0.5, 0.5, 1.5, 1.5)
    cv.hatch(area, angle_deg=0, spacing_px=10, weight=1)
    inside = cv.image[55:146, 55:146] < 128
    outside = cv.image < 128
    outside[45:156, 45:156] = False
    assert not outside.any()
    rows = np.flatnonzero(inside.any(1))
    assert 8 <= len(rows) <= 11  # 100 px tall / 10 px


def test_arc_circle_text_dimension_draw_ink():
    cv = Canvas.blank(300, 300, 0.01)
    cv.arc([1.5, 1.5], 1.0, 0, 90, weight=2)
    r, c = to_px([1.5 + np.cos(0.7), 1.5 + np.sin(0.7)], 300, 0.01).round().astype(int)[::-1]
    assert cv.image[r - 1 : r + 2, c - 1 : c + 2].min() < 60
    r, c = to_px([0.5, 1.5], 300, 0.01).round().astype(int)[::-1]
    assert cv.image[r, c] == 255  # quarter arc leaves the other side blank
    cv.circle([1.5, 1.5], 0.2, filled=True)
    assert cv.image[150, 150] == 0
    t = Canvas.blank(300, 100, 0.01)
    t.text("ROOM 12.5", [1.5, 0.5], height_px=20)
    rows = np.flatnonzero((t.image < 128).any(1))
    assert 18 <= rows[-1] - rows[0] + 1 <= 32 and abs((rows[0] + rows[-1]) / 2 - 50) < 8
    v = Canvas.blank(100, 300, 0.01)
    v.text("VERTICAL", [0.5, 1.5], height_px=20, rotation=90)
    ink = v.image < 128
    assert np.ptp(np.flatnonzero(ink.any(1))) > 2 * np.ptp(np.flatnonzero(ink.any(0)))
    d = Canvas.blank(300, 200, 0.01)
    d.dimension([0.5, 0.5], [2.5, 0.5], offset=-0.3, end="tick")
    assert (d.image[180, 60:240] < 128).mean() > 0.9  # dimension line at y = 0.2
    assert (d.image[:120] < 128).sum() == 0  # everything below (offset side)
