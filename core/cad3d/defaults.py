"""Heights and sizes used when a drawing does not state them (meters). DESIGN.md lists them."""

WALL_HEIGHT = 3.0
DOOR_HEAD = 2.1
WINDOW_SILL = 0.9
WINDOW_HEAD = 2.1
PART_THICKNESS = 0.010
CONTOUR_INTERVAL = 1.0
TREE_HEIGHT_PER_CROWN_DIAMETER = 1.5  # tree height = this x crown diameter
PATH_LIFT = 0.02  # paths drawn just above the terrain so they stay visible
POCKET_DEPTH_FRACTION = 0.4  # pocket depth = this x part thickness, when the drawing states none
BOSS_HEIGHT = 0.005  # boss height above the part's top face
PART_CUT_MARGIN = (
    0.001  # holes/pockets reach this far past the faces they cut (no coplanar booleans)
)
BUILDING_HEIGHT = (
    6.0  # site-plan building footprints: two storeys above the lowest ground under them
)
