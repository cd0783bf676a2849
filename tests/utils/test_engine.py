"""lib/utils/engine.py on the CPU: the eager engine inside tracked videos, the graph keys, the pytree nodes and
the refusal of the CUDA-only engines (their CUDA behaviour is measured by scripts/gpu_check.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils import _pytree as pytree

from lib.models.aiatrack import EncodedFrame, ReferenceFrame
from lib.test.evaluation import tracking_traits
from lib.trackers import build_network, get_plugin, load_config, load_tracker
from lib.utils.device import inference_plan
from lib.utils.engine import Engine, apply_engine, check_engine, structure_key
from lib.utils.synthetic import render_video


def _frame(tokens: int = 4, batch: int = 1, dtype: torch.dtype = torch.float32) -> EncodedFrame:
    return EncodedFrame(memory=torch.randn(tokens, batch, 8, dtype=dtype), inr=torch.randn(tokens, batch, 2),
                        mask=torch.zeros(batch, tokens, dtype=torch.bool))


def _reference(tokens: int = 4) -> ReferenceFrame:
    return ReferenceFrame(memory=torch.randn(tokens, 1, 8), embedding=torch.randn(tokens, 1, 8),
                          inr=torch.randn(tokens, 1, 2), mask=torch.zeros(1, tokens, dtype=torch.bool))


def _track(factory, video) -> list[dict]:
    tracker = factory(tracking_traits("lasot"))
    tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
    return [tracker.track(frame) for frame in video.frames[1:]]


@pytest.mark.parametrize("name", ["aiatrack", "siamattn"])
def test_the_eager_engine_tracks_a_video_exactly_as_the_plain_methods(name):
    cfg = load_config("tiny", tracker=name)
    plugin = get_plugin(name)
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        factory = load_tracker(name, cfg, None, "cpu")
    wrapped = factory(tracking_traits("lasot")).model
    calls: dict[str, int] = {}
    for method in plugin.engine_methods:
        engine = getattr(wrapped, method)
        assert isinstance(engine, Engine) and engine.engine == "eager"

        def counted(*args, _fn=engine.fn, _name=method, **kwargs):
            calls[_name] = calls.get(_name, 0) + 1
            return _fn(*args, **kwargs)

        engine.fn = counted
    torch.manual_seed(0)  # the seed load_tracker builds random weights with
    plain = plugin.prepare(build_network(name, cfg, None), cfg, torch.device("cpu"))
    video = render_video(seed=3, index=0, num_frames=5, height=96, width=128, min_size=20, max_size=50)
    through_engine = _track(factory, video)
    reference = _track(lambda traits: plugin.make_tracker(plain, cfg, traits), video)
    assert calls.keys() >= ({"encode", "decode"} if name == "aiatrack" else {"track_features", "refine_box"})
    for out, ref in zip(through_engine, reference, strict=True):
        assert out.keys() == ref.keys()
        for key in out:
            np.testing.assert_array_equal(np.asarray(out[key]), np.asarray(ref[key]), err_msg=key)


def test_the_eager_engine_returns_the_callables_own_outputs():
    frame = _frame()
    engine = Engine(lambda encoded, scale=1.0: {"memory": encoded.memory * scale, "same": encoded}, "eager", "cpu")
    out = engine(frame, scale=2.0)
    assert out["same"] is frame
    torch.testing.assert_close(out["memory"], frame.memory * 2.0, rtol=0, atol=0)


def test_the_structure_key_separates_shapes_dtypes_and_reference_counts():
    search = _frame()
    three, two = [_reference() for _ in range(3)], [_reference() for _ in range(2)]
    key = structure_key((search, [([three[0]], three[1:])]), {})
    same = structure_key((_frame(), [([_reference()], [_reference(), _reference()])]), {})  # other values
    assert key == same and len({key, same}) == 1  # equal and hashed alike: one graph in the engine's table
    assert key != structure_key((search, [([two[0]], two[1:])]), {})                    # one reference fewer
    assert key != structure_key((_frame(tokens=9), [([three[0]], three[1:])]), {})      # other token count
    assert key != structure_key((_frame(dtype=torch.bfloat16), [([three[0]], three[1:])]), {})
    assert key != structure_key((search, [([three[0]], three[1:])] * 2), {})            # batch of two
    assert key != structure_key((search,), {"references": [([three[0]], three[1:])]})  # passed by name
    assert structure_key((search, 1.0), {}) != structure_key((search, 2.0), {})          # non-tensor values count


def test_the_frames_round_trip_through_pytree_and_drop_the_projection_cache():
    frame = _frame()
    leaves, spec = pytree.tree_flatten(frame)
    assert [id(leaf) for leaf in leaves] == [id(frame.memory), id(frame.inr), id(frame.mask)]
    rebuilt = pytree.tree_unflatten(leaves, spec)
    assert isinstance(rebuilt, EncodedFrame) and rebuilt.memory is frame.memory and rebuilt.mask is frame.mask

    reference = _reference()
    reference.projections[torch.nn.Identity()] = (torch.ones(1), torch.ones(1))
    leaves, spec = pytree.tree_flatten([reference])
    assert len(leaves) == 4
    (copy,) = pytree.tree_unflatten(leaves, spec)
    assert isinstance(copy, ReferenceFrame) and copy.projections == {}
    assert all(getattr(copy, field) is getattr(reference, field) for field in ("memory", "embedding", "inr", "mask"))


@pytest.mark.parametrize("engine", ["graphs", "compile"])
def test_cuda_engines_are_refused_on_the_cpu_in_one_line(engine):
    for refuse in (lambda: Engine(torch.nn.Identity(), engine, "cpu"),
                   lambda: inference_plan("cpu", engine),
                   lambda: apply_engine(torch.nn.Identity(), ["forward"], engine, torch.device("cpu"))):
        with pytest.raises(ValueError) as caught:
            refuse()
        assert str(caught.value) == (f"the {engine} engine runs on CUDA devices only, not cpu; "
                                     "use the eager engine there")


def test_load_tracker_refuses_a_cuda_engine_it_cannot_run_before_building():
    cfg = load_config("tiny")
    with pytest.raises(ValueError, match="^the graphs engine runs on CUDA devices only"):
        load_tracker("aiatrack", cfg, None, "cpu", engine="graphs")
    # a CUDA engine on the CUDA device but with ONNX Runtime: refused before anything touches the device
    with pytest.raises(ValueError, match="^the graphs engine runs the torch backend only, not onnxruntime$"):
        load_tracker("aiatrack", cfg, None, "cuda", backend="onnxruntime", engine="graphs")


def test_unknown_engines_are_refused_and_every_device_defaults_to_eager():
    with pytest.raises(ValueError, match="^engine must be one of eager, graphs, compile, got 'trt'$"):
        check_engine("trt", "cuda")
    check_engine("graphs", torch.device("cuda", 1))  # accepted by name: no GPU is touched
    assert inference_plan("cpu").engine == inference_plan(torch.device("cuda")).engine == "eager"
    assert inference_plan(torch.device("cuda"), "compile").engine == "compile"
