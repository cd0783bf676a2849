"""Embedded default: check the installation by building the configuration (grows into the full demo)."""
from lib.config import load_config


def main() -> None:
    cfg = load_config("baseline")
    print(f"AiATrack config loaded: search {cfg.DATA.SEARCH.SIZE}px x{cfg.DATA.SEARCH.FACTOR}, "
          f"{cfg.MODEL.TRANSFORMER.ENC_LAYERS} encoder / {cfg.MODEL.TRANSFORMER.DEC_LAYERS} decoder layers")


if __name__ == "__main__":
    main()
