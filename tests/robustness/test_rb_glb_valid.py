"""Our GLB files are valid glTF 2.0 as a third-party reader (pygltflib) sees them."""

from pathlib import Path

import numpy as np
import pytest

from cad3d.api import convert, save

pygltflib = pytest.importorskip("pygltflib")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

_COMPONENTS = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}


def _accessor(gltf, blob: bytes, index: int) -> np.ndarray:
    acc = gltf.accessors[index]
    view = gltf.bufferViews[acc.bufferView]
    dtype = _COMPONENTS[acc.componentType]
    start = (view.byteOffset or 0) + (acc.byteOffset or 0)
    count = acc.count * _WIDTH[acc.type]
    assert start + count * np.dtype(dtype).itemsize <= len(blob), "accessor runs past the buffer"
    return np.frombuffer(blob, dtype, count, start).reshape(acc.count, -1)


@pytest.mark.parametrize("domain", ["floorplan", "part", "landscape"])
def test_glb_is_valid_gltf_with_one_named_mesh_per_class(tmp_path, domain):
    result = convert(EXAMPLES / f"{domain}.png", method="extrude")
    path = save(result, tmp_path / f"{domain}.glb")
    gltf = pygltflib.GLTF2().load(str(path))
    blob = gltf.binary_blob()
    assert gltf.asset.version == "2.0"
    assert gltf.buffers[0].byteLength <= len(blob)
    names = sorted(n.name for n in gltf.nodes if n.mesh is not None)
    assert names == sorted(result.meshes.classes)
    for mesh in gltf.meshes:
        for prim in mesh.primitives:
            pos = _accessor(gltf, blob, prim.attributes.POSITION)
            acc = gltf.accessors[prim.attributes.POSITION]
            assert np.allclose(pos.min(0), acc.min, atol=1e-5) and np.allclose(
                pos.max(0), acc.max, atol=1e-5
            )
            idx = _accessor(gltf, blob, prim.indices).ravel()
            assert idx.size % 3 == 0 and idx.max() < len(pos)
    # glTF is y-up: each node's matrix turns cad3d's z (height) into y, so the scene's y extent
    # is the model's height
    lo, hi = result.meshes.bounds
    ys = []
    for node in gltf.nodes:
        m = np.array(node.matrix or np.eye(4).ravel()).reshape(4, 4).T  # glTF: column-major
        for p in gltf.meshes[node.mesh].primitives:
            pos = _accessor(gltf, blob, p.attributes.POSITION).astype(np.float64)
            ys.append((pos @ m[:3, :3].T + m[:3, 3])[:, 1])
    ys = np.concatenate(ys)
    assert ys.max() - ys.min() == pytest.approx(hi[2] - lo[2], rel=1e-4)
