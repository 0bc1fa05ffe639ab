import numpy as np
import trimesh

from cad3d.data.sample import read_sample, write_sample
from cad3d.data.synth import generate_sample
from cad3d.exchange.meshfiles import read_glb


def test_sample_glb_is_y_up_and_reads_back_in_drawing_axes(tmp_path):
    s = generate_sample("part", 1, num_points=64)
    write_sample(s, tmp_path)
    glb = tmp_path / "meshes" / f"{s.name}.glb"
    scene = trimesh.load(glb, force="scene", process=False)
    # viewed as glTF (y up) the part's thickness lies along y, its plan along x and -z
    ext = scene.bounds[1] - scene.bounds[0]
    true_ext = s.meshes.bounds[1] - s.meshes.bounds[0]
    assert np.allclose(ext, true_ext[[0, 2, 1]], atol=1e-6)
    back = read_sample(tmp_path, s.name).meshes
    assert np.allclose(back.bounds, s.meshes.bounds, atol=1e-6)
    assert np.allclose(read_glb(glb).bounds, s.meshes.bounds, atol=1e-6)
    for cls, mesh in s.meshes:
        assert np.allclose(back.meshes[cls].vertices, mesh.vertices, atol=1e-6)
