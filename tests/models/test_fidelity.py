"""Numerical fidelity to the official AiATrack code: every stored intermediate of ``step_fixture.pt``.

The model loads the official checkpoint ``aiatrack_synthetic.pth.tar`` (through the official key
mapping) and runs on the fixture's crops; intermediates are captured with forward hooks. Errors are
relative (max abs difference / max abs reference value), the README's suggested tolerance is 1e-5;
run with ``-s`` to print every measured error.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest
import torch
from torch import Tensor, nn

from lib.trackers import load_config
from lib.models.aiatrack import AiATrack, EncodedFrame, ReferenceFrame, build_aiatrack
from lib.models.aiatrack.heads import IoUHead
from lib.models.aiatrack.official_keys import official_to_ours
from lib.utils.box_ops import box_xyxy_to_xywh
from lib.utils.crop import normalize_image

REL_TOL = 1e-5       # features, memories, logits, attention (README section 7)
BOX_TOL = 1e-6       # normalized boxes, absolute
IOU_TOL = 1e-5       # predicted IoUs, absolute


def relative_error(ours: Tensor, reference: Tensor) -> float:
    """max |ours - reference| / max |reference|."""
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    return ((ours.double() - reference.double()).abs().max() / reference.double().abs().max()).item()


def check(name: str, ours: Tensor, reference: Tensor, tol: float = REL_TOL) -> None:
    err = relative_error(ours, reference)
    print(f"{name:55s} rel {err:.2e}")
    assert err <= tol, f"{name}: relative error {err:.3e} > {tol:g}"


def check_abs(name: str, ours: Tensor, reference: Tensor, tol: float) -> None:
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    err = (ours.double() - reference.double()).abs().max().item()
    print(f"{name:55s} abs {err:.2e}")
    assert err <= tol, f"{name}: absolute error {err:.3e} > {tol:g}"


@contextmanager
def capture(modules: dict[str, nn.Module]) -> Iterator[dict[str, tuple]]:
    """Record (args, kwargs, output) of the last call of each named module."""
    records: dict[str, tuple] = {}
    handles = [module.register_forward_hook(
        lambda _m, args, kwargs, output, name=name: records.__setitem__(name, (args, kwargs, output)),
        with_kwargs=True) for name, module in modules.items()]
    try:
        yield records
    finally:
        for handle in handles:
            handle.remove()


def tokens_to_map(tokens: Tensor, side: int = 20) -> Tensor:
    """(HW, B, C) -> (B, C, H, W)."""
    return tokens.permute(1, 2, 0).reshape(tokens.shape[1], tokens.shape[2], side, side)


@pytest.fixture(scope="module")
def model(reference_checkpoint) -> AiATrack:
    net = build_aiatrack(load_config("baseline")).eval()
    state = torch.load(reference_checkpoint, map_location="cpu", weights_only=True)["net"]
    net.load_state_dict(official_to_ours(state), strict=True)
    return net


def encode_with_intermediates(model: AiATrack, image: Tensor, mask: Tensor) -> tuple[EncodedFrame, dict]:
    layers = model.transformer.encoder.layers
    watched = {"layer3": model.backbone, "bottleneck": model.bottleneck, "pos": model.position_encoding,
               "inr": model.inner_position_encoding, "attn0": layers[0].self_attn,
               "inner0": layers[0].self_attn.inner_attn}
    watched.update({f"enc{i}": layer for i, layer in enumerate(layers)})
    with torch.no_grad(), capture(watched) as rec:
        encoded = model.encode(image, mask)
    return encoded, rec


def decode_with_intermediates(model: AiATrack, search: EncodedFrame, long_term: list[ReferenceFrame],
                              short_term: list[ReferenceFrame]) -> tuple[Tensor, dict]:
    layer = model.transformer.decoder.layers[0]
    watched = {"long": layer.long_term_attn, "short": layer.short_term_attn, "norm1": layer.norm1,
               "tl": model.corner_head.conv5_tl, "br": model.corner_head.conv5_br,
               "iou_feat": model.iou_head.conv3, "fc": model.iou_head.fc}
    with torch.no_grad(), capture(watched) as rec:
        decoded = model.decode(search, long_term, short_term)
        rec_out = {"decoded": decoded, "boxes": model.predict_boxes(decoded),
                   "corners": model.predict_corners(decoded)}
        args, kwargs, _ = rec["long"]
        rec_out["long_weights"] = layer.long_term_attn(*args, **kwargs, need_weights=True)[1]
    rec_out.update(rec)
    return decoded, rec_out


def iou_with_intermediates(model: AiATrack, decoded: Tensor, proposals: Tensor) -> tuple[Tensor, dict]:
    watched = {"iou_feat": model.iou_head.conv3, "fc": model.iou_head.fc}
    with torch.no_grad(), capture(watched) as rec:
        ious = model.predict_iou(decoded, proposals)
    return ious, rec


def inr_from_token_mask(model: AiATrack, token_mask: Tensor) -> Tensor:
    """Inner position embedding (HW, B, D) of a stored (B, HW) token mask."""
    with torch.no_grad():
        return model.inner_position_encoding(token_mask.view(-1, 20, 20)).flatten(2).permute(2, 0, 1)


def reference_from_fixture(model: AiATrack, memory: Tensor, token_mask: Tensor, region: Tensor) -> ReferenceFrame:
    with torch.no_grad():
        embedding = model.target_embedding(region[None])
    return ReferenceFrame(memory, embedding, inr_from_token_mask(model, token_mask), token_mask)


# ------------------------------------------------------------------------------------ first step
@pytest.fixture(scope="module")
def first_step_run(model, step_fixture) -> dict:
    fx = step_fixture["first_step"]
    ref, search = fx["reference"], fx["search"]
    cfg = load_config("baseline")
    ref_image = normalize_image(ref["crop_uint8_hwc"].numpy(), cfg.DATA.MEAN, cfg.DATA.STD)
    ref_encoded, ref_rec = encode_with_intermediates(model, ref_image, ref["att_mask_320"][None])
    search_encoded, search_rec = encode_with_intermediates(model, search["img_norm"], search["att_mask_320"][None])
    with torch.no_grad():
        embedding = model.target_embedding(ref["target_region_20x20"][None])
    reference = ReferenceFrame(ref_encoded.memory, embedding, ref_encoded.inr, ref_encoded.mask)
    decoded, dec_rec = decode_with_intermediates(model, search_encoded, [reference], [reference] * 4)
    proposals = fx["iou_head"]["proposals_xywh_norm"][0]                       # (1, 1, 4)
    iou, iou_rec = iou_with_intermediates(model, decoded, proposals)
    probes = fx["iou_probes"]["proposals_xywh_norm"][0]                       # (1, 6, 4)
    probe_iou, probe_rec = iou_with_intermediates(model, decoded, probes)
    return {"fx": fx, "ref": ref_encoded, "ref_rec": ref_rec, "search": search_encoded, "search_rec": search_rec,
            "decoded": decoded, "dec": dec_rec, "iou": iou, "iou_rec": iou_rec, "probe_iou": probe_iou,
            "probe_rec": probe_rec, "proposals": proposals, "probes": probes}


def test_first_step_backbone(first_step_run):
    run, fx = first_step_run, first_step_run["fx"]["search"]
    rec = run["search_rec"]
    check("first/search/resnet_layer3", rec["layer3"][2], fx["resnet_layer3"])
    check("first/search/backbone feat", rec["bottleneck"][2].flatten(2).permute(2, 0, 1), fx["backbone_dict"]["feat"])
    check("first/search/pos", rec["pos"][2].flatten(2).permute(2, 0, 1), fx["backbone_dict"]["pos"])
    check("first/search/inr", run["search"].inr, fx["backbone_dict"]["inr"])
    assert torch.equal(run["search"].mask, fx["backbone_dict"]["mask"])
    ref, ref_fx = run["ref_rec"], first_step_run["fx"]["reference"]
    check("first/reference/backbone feat", ref["bottleneck"][2].flatten(2).permute(2, 0, 1),
          ref_fx["backbone_dict"]["feat"])
    check("first/reference/inr", run["ref"].inr, ref_fx["backbone_dict"]["inr"])
    assert torch.equal(run["ref"].mask, ref_fx["backbone_dict"]["mask"])


def test_first_step_encoder(first_step_run):
    run, fx = first_step_run, first_step_run["fx"]["search"]
    rec = run["search_rec"]
    for i in range(2):
        check(f"first/search/encoder layer {i} output", rec[f"enc{i}"][2], fx["encoder_layer_outputs_0_1"][i])
    check("first/search/memory", run["search"].memory, fx["memory"])
    # The inner module sees key-major logits (B, H, Nk, Nq); the fixture stores them query-major.
    key_logits, correction = rec["inner0"][0][0], rec["inner0"][2]
    check("first/search/enc0 corr_map_in", key_logits.transpose(-2, -1).reshape(4, 400, 400),
          fx["enc_layer0_aia"]["corr_map_in_BhNtNs"])
    check("first/search/enc0 corr_map_out", correction.transpose(-2, -1).reshape(4, 400, 400),
          fx["enc_layer0_aia"]["corr_map_out_BhNtNs"])
    check("first/search/enc0 self_attn_out", rec["attn0"][2][0], fx["enc_layer0_aia"]["self_attn_out"])
    check("first/reference/memory", run["ref"].memory, first_step_run["fx"]["reference"]["memory"])


def test_first_step_encoder_on_stored_inputs(model, step_fixture):
    """The encoder alone, fed the official backbone tokens, reproduces the official search memory."""
    fx = step_fixture["first_step"]["search"]
    tokens = fx["backbone_dict"]
    with torch.no_grad():
        memory = model.transformer.encoder(tokens["feat"], tokens["pos"], tokens["inr"])
    check("first/encoder on stored inputs/memory", memory, fx["memory"])


def _check_decoder(prefix: str, run: dict, fx: dict) -> None:
    dec = run["dec"]
    check(f"{prefix}/long_term_attn_out", dec["long"][2][0], fx["long_term_attn_out"])
    check(f"{prefix}/short_term_attn_out", dec["short"][2][0], fx["short_term_attn_out"])
    if "norm1_out" in fx:
        check(f"{prefix}/norm1_out", dec["norm1"][2], fx["norm1_out"])
    check(f"{prefix}/out_embed", run["decoded"], tokens_to_map(fx["out_embed"][0]))


def test_first_step_decoder(first_step_run):
    """End to end: the decoder consumes our own reference and search memories."""
    _check_decoder("first/decoder", first_step_run, first_step_run["fx"]["decoder"])


def _check_heads(prefix: str, run: dict, fx: dict) -> None:
    dec = run["dec"]
    corner = fx["corner_head"]
    check(f"{prefix}/score_map_tl", dec["tl"][2], corner["score_map_tl"])
    check(f"{prefix}/score_map_br", dec["br"][2], corner["score_map_br"])
    check_abs(f"{prefix}/pred_boxes_cxcywh", dec["boxes"], corner["pred_boxes_cxcywh_norm"][:, 0], BOX_TOL)
    check_abs(f"{prefix}/coord_in_crop_xywh", box_xyxy_to_xywh(dec["corners"]), corner["coord_in_crop_xywh_norm"],
              BOX_TOL)
    iou_fx, rec = fx["iou_head"], run["iou_rec"]
    assert torch.equal(run["proposals"], iou_fx["proposals_xywh_norm"][0])
    check_abs(f"{prefix}/rois_bxyxy", IoUHead.rois(run["proposals"]), iou_fx["rois_bxyxy"], 1e-7)
    check(f"{prefix}/iou_feat", rec["iou_feat"][2], iou_fx["iou_feat"])
    check(f"{prefix}/roi_feat", rec["fc"][0][0], iou_fx["roi_feat"])
    check(f"{prefix}/fc_out", rec["fc"][2], iou_fx["fc_out"])
    check_abs(f"{prefix}/pred_iou", run["iou"], iou_fx["pred_iou"][0], IOU_TOL)


def test_first_step_heads(first_step_run):
    _check_heads("first", first_step_run, first_step_run["fx"])


def test_first_step_iou_probes(first_step_run):
    run, fx = first_step_run, first_step_run["fx"]["iou_probes"]
    check_abs("first/iou_probes/rois_bxyxy", IoUHead.rois(run["probes"]), fx["rois_bxyxy"], 1e-7)
    check("first/iou_probes/roi_feat", run["probe_rec"]["fc"][0][0], fx["roi_feat"])
    check_abs("first/iou_probes/pred_iou", run["probe_iou"], fx["pred_iou"][0], IOU_TOL)


def test_first_step_decoder_on_stored_inputs(model, step_fixture):
    """The decoder alone, fed the official memories, reproduces the official decoder output."""
    fx = step_fixture["first_step"]
    ref = reference_from_fixture(model, fx["reference"]["memory"], fx["reference"]["backbone_dict"]["mask"],
                                 fx["reference"]["target_region_20x20"])
    check("first/reference/inr from stored mask", ref.inr, fx["reference"]["backbone_dict"]["inr"])
    search = EncodedFrame(fx["search"]["memory"], fx["search"]["backbone_dict"]["inr"],
                          fx["search"]["backbone_dict"]["mask"])
    decoded, dec = decode_with_intermediates(model, search, [ref], [ref] * 4)
    _check_decoder("first/decoder on stored inputs", {"decoded": decoded, "dec": dec}, fx["decoder"])
    # Softmax probabilities amplify input differences, so they are compared on the official inputs only.
    check("first/decoder on stored inputs/long_term_attn_weights", dec["long_weights"],
          fx["decoder"]["long_term_attn_weights_mean_heads"])


# --------------------------------------------------------------------------------- ensemble step
@pytest.fixture(scope="module")
def ensemble_step_run(model, step_fixture) -> dict:
    """Frame 5 decoded against five distinct references (cache entries 0..4)."""
    first, fx = step_fixture["first_step"], step_fixture["ensemble_step"]
    used = fx["refer_lists_used"]
    regions = used["unique_target_region_20x20"]
    stored = {0: (first["reference"]["memory"], first["reference"]["backbone_dict"]["mask"]),
              1: (first["search"]["memory"], first["search"]["backbone_dict"]["mask"])}
    stored.update({i: (used["unique_mem"][i], used["unique_mask"][i]) for i in (2, 3, 4)})
    references = [reference_from_fixture(model, *stored[i], regions[i]) for i in fx["selected_cache_indices"]]
    cfg = load_config("baseline")
    image = normalize_image(fx["search"]["crop_uint8_hwc"].numpy(), cfg.DATA.MEAN, cfg.DATA.STD)
    search_encoded, search_rec = encode_with_intermediates(model, image, fx["search"]["att_mask_320"][None])
    decoded, dec_rec = decode_with_intermediates(model, search_encoded, references[:1], references[1:])
    proposals = fx["iou_head"]["proposals_xywh_norm"][0]
    iou, iou_rec = iou_with_intermediates(model, decoded, proposals)
    return {"fx": fx, "search": search_encoded, "search_rec": search_rec, "decoded": decoded, "dec": dec_rec,
            "iou": iou, "iou_rec": iou_rec, "proposals": proposals}


def test_ensemble_step_encoder(ensemble_step_run):
    run, fx = ensemble_step_run, ensemble_step_run["fx"]["search"]
    check("ensemble/search/backbone feat", run["search_rec"]["bottleneck"][2].flatten(2).permute(2, 0, 1),
          fx["backbone_dict"]["feat"])
    check("ensemble/search/inr", run["search"].inr, fx["backbone_dict"]["inr"])
    assert torch.equal(run["search"].mask, fx["backbone_dict"]["mask"])
    check("ensemble/search/memory", run["search"].memory, fx["memory"])


def test_ensemble_step_decoder(ensemble_step_run):
    _check_decoder("ensemble/decoder", ensemble_step_run, ensemble_step_run["fx"]["decoder"])


def test_ensemble_step_heads(ensemble_step_run):
    _check_heads("ensemble", ensemble_step_run, ensemble_step_run["fx"])
