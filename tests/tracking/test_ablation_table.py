"""tracking/dev/ablation_table.py: every ablation file becomes a tiny variant that builds; bad files are refused."""
from __future__ import annotations

import pytest
import torch
import yaml

from lib.trackers import config_from_dict, load_config
from lib.models.aiatrack import build_aiatrack
from lib.models.aiatrack.refinement import CascadeAttention, ConvRefinement
from tracking.dev.ablation_table import ABLATIONS_DIR, tiny_variant

EXPECTED = {  # file -> (AiA encoder, AiA decoder, refinement module or None, embedding, mode), by hand
    "full": (True, True, None, "embed", "separate"),
    "t3_embedding_none": (True, True, None, "none", "separate"),
    "t3_embedding_mask": (True, True, None, "mask", "separate"),
    "t3_references_mixed": (True, True, None, "embed", "mixed"),
    "t3_references_long_only": (True, True, None, "embed", "long"),
    "t3_references_short_only": (True, True, None, "embed", "short"),
    "t4_aia_none": (False, False, None, "embed", "separate"),
    "t4_aia_encoder_only": (True, False, None, "embed", "separate"),
    "t4_aia_decoder_only": (False, True, None, "embed", "separate"),
    "t4_refinement_cascade": (True, True, CascadeAttention, "embed", "separate"),
    "t4_refinement_conv": (True, True, ConvRefinement, "embed", "separate"),
}


def test_every_ablation_file_is_a_tiny_variant_as_named():
    assert {p.stem for p in ABLATIONS_DIR.glob("*.yaml")} == set(EXPECTED)
    for stem, (encoder, decoder, refinement, embedding, mode) in EXPECTED.items():
        variant = tiny_variant(ABLATIONS_DIR / f"{stem}.yaml")
        cfg = config_from_dict(variant)
        assert cfg.MODEL.HIDDEN_DIM == 64 and cfg.DATA.SEARCH.SIZE == 128, stem     # still the tiny model
        model = build_aiatrack(cfg)
        attn = model.transformer.encoder.layers[0].self_attn
        enc_refined = isinstance(attn, CascadeAttention) or attn.inner_attn is not None
        dec = model.transformer.decoder.layers[0]
        dec_attn = dec.long_term_attn if dec.long_term_attn is not None else dec.short_term_attn
        dec_refined = isinstance(dec_attn, CascadeAttention) or dec_attn.inner_attn is not None
        assert (enc_refined, dec_refined) == (encoder, decoder), stem
        if refinement is not None:
            assert any(isinstance(m, refinement) for m in model.modules()), stem
        assert (model.reference_embedding, model.reference_mode) == (embedding, mode), stem


def test_default_variant_is_the_tiny_model_itself():
    """'full' sets only default values: same parameters as tiny.yaml, same initial weights."""
    torch.manual_seed(0)
    tiny = build_aiatrack(load_config("tiny")).state_dict()
    torch.manual_seed(0)
    full = build_aiatrack(config_from_dict(tiny_variant(ABLATIONS_DIR / "full.yaml"))).state_dict()
    assert tiny.keys() == full.keys() and all(torch.equal(tiny[k], full[k]) for k in tiny)


def test_other_keys_are_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"MODEL": {"AIA": {"MATCH_DIM": 8}}}))
    with pytest.raises(ValueError, match="bad.yaml.*AIA.MATCH_DIM"):
        tiny_variant(path)
