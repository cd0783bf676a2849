"""A web page for tracking objects in a video without writing code (Gradio), on the application API.

    python tracking/web_demo.py                       # then open http://127.0.0.1:7860

Upload a video (or take the bundled synthetic one), give one box per target as ``x,y,w,h`` lines (clicking two
opposite corners on the first frame adds one), choose the tracker and weights (default: the shipped small
checkpoint, CPU), run, and get the annotated video and the ``frame,id,x,y,w,h,score`` box file
(``tracking/video_demo.py``'s outputs, made by the same code in ``lib/app/run.py``).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import cv2
import gradio as gr
import numpy as np

from lib.app.annotate import annotate
from lib.app.live import open_frames
from lib.app.run import RunLog, track_frames, write_mot
from lib.app.session import TargetResult, TrackingSession, open_session
from lib.trackers import DEFAULT_TRACKER, tracker_names
from lib.utils.cli import add_device_option, entry_parser, positive_int
from lib.utils.synthetic import render_video
from lib.utils.errors import AnnotationError
from lib.utils.video import FrameSource, parse_boxes

SHIPPED = "shipped small checkpoint"


def synthetic_clip(folder: Path) -> Path:
    """The bundled example: a 30-frame 320x240 synthetic video written to ``folder/synthetic.avi``."""
    path = folder / "synthetic.avi"
    if not path.is_file():
        frames = render_video(3, num_frames=30, height=240, width=320).frames
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, (320, 240))
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        writer.release()
    return path


def boxes_of(text: str) -> list[list[float]]:
    """The boxes typed on the page, one ``x,y,w,h`` per line; gr.Error naming the line of a malformed one."""
    try:
        return [box for box, _ in parse_boxes(text, "boxes")]
    except AnnotationError as exc:
        raise gr.Error(str(exc)) from None


def first_frame(video: str | None, boxes: str) -> np.ndarray | None:
    """The video's first frame with the boxes parsed so far drawn on it (None without a video)."""
    if not video:
        return None
    try:
        frame = next(iter(FrameSource(video)))
    except (ValueError, OSError, StopIteration) as exc:
        raise gr.Error(f"{Path(video).name}: cannot read this video ({exc})") from None
    try:
        shown = [TargetResult(k + 1, box, 1.0) for k, box in enumerate(boxes_of(boxes))]
    except gr.Error:
        shown = []
    return cv2.cvtColor(annotate(frame, shown, "frame 0"), cv2.COLOR_BGR2RGB)


def add_corner(video: str | None, boxes: str, corner: str, event: gr.SelectData) -> tuple[str, str, np.ndarray | None]:
    """A click on the first frame: the first click keeps a corner, the second adds the box it spans."""
    x, y = event.index
    if not corner:
        return boxes, f"{x},{y}", first_frame(video, boxes)
    x0, y0 = (int(v) for v in corner.split(","))
    box = f"{min(x, x0)},{min(y, y0)},{abs(x - x0)},{abs(y - y0)}"
    boxes = (boxes.rstrip() + "\n" if boxes.strip() else "") + box
    return boxes, "", first_frame(video, boxes)


class App:
    """The page's state: one loaded session per (tracker, weights), outputs in a temporary folder."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.sessions: dict[tuple[str, str], TrackingSession] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="web_demo_"))

    def session(self, tracker: str, weights: str) -> TrackingSession:
        key = (tracker, weights.strip())
        if key not in self.sessions:
            checkpoint = None if key[1] in ("", SHIPPED) else key[1]
            try:
                self.sessions[key] = open_session(tracker, checkpoint, device=self.device)
            except (ValueError, OSError) as exc:
                raise gr.Error(str(exc)) from None
        return self.sessions[key]

    def run(self, video: str | None, boxes: str, tracker: str, weights: str,
            progress: gr.Progress = gr.Progress()) -> tuple[str, str, str]:
        """Track ``video`` from ``boxes``: (annotated video path, MOT file path, MOT text)."""
        if not video:
            raise gr.Error("upload a video or take the synthetic one first")
        regions = boxes_of(boxes)
        session = self.session(tracker, weights)
        try:
            source = open_frames(video)
        except (ValueError, OSError) as exc:
            raise gr.Error(str(exc)) from None
        run = self.folder / f"{Path(video).stem}_{tracker}"
        total = source.count

        def report(log: RunLog) -> None:
            progress((len(log.indices), total), desc="tracking", unit="frames")

        try:
            log = track_frames(session, source.frames, regions, run.with_suffix(".webm"), source.fps,
                               on_frame=report)
        except (ValueError, OSError) as exc:
            raise gr.Error(str(exc)) from None
        mot = run.with_suffix(".mot.txt")
        write_mot(mot, log)
        return str(run.with_suffix(".webm")), str(mot), mot.read_text()


def build(app: App) -> gr.Blocks:
    """The page: inputs on the left, the first frame in the middle, outputs below."""
    with gr.Blocks(title="AiATrack / SiamAttn tracking demo") as page:
        gr.Markdown("## Track objects in a video\nUpload a video (or take the synthetic one), give one box "
                    "`x,y,w,h` per line (or click two opposite corners on the first frame), then Track.")
        with gr.Row():
            with gr.Column():
                video = gr.File(label="video", file_types=["video"], type="filepath", elem_id="video")
                example = gr.Button("use the synthetic video", elem_id="example")
                boxes = gr.Textbox(label="boxes (x,y,w,h, one target per line)", lines=3, elem_id="boxes")
                tracker = gr.Dropdown(tracker_names(), value=DEFAULT_TRACKER, label="tracker", elem_id="tracker")
                weights = gr.Textbox(value=SHIPPED, label="weights (checkpoint path)", elem_id="weights")
                run = gr.Button("Track", variant="primary", elem_id="run")
            frame = gr.Image(label="first frame (click two corners to add a box)", interactive=False,
                             elem_id="frame")
        corner = gr.Textbox(label="first corner clicked (click the opposite one to add the box)", interactive=False,
                            elem_id="corner")
        with gr.Row():
            result = gr.Video(label="annotated video", elem_id="result")
            mot_file = gr.File(label="boxes: frame,id,x,y,w,h,score", elem_id="mot_file")
        mot_text = gr.Textbox(label="boxes", lines=6, interactive=False, elem_id="mot_text")
        example.click(lambda: str(synthetic_clip(app.folder)), outputs=video)
        video.change(first_frame, [video, boxes], frame)
        boxes.change(first_frame, [video, boxes], frame)
        frame.select(add_corner, [video, boxes, corner], [boxes, corner, frame])
        run.click(app.run, [video, boxes, tracker, weights], [result, mot_file, mot_text])
    return page


def main(argv: list[str] | None = None) -> int:
    parser = entry_parser(__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    parser.add_argument("--port", type=positive_int, default=7860, help="port (default: 7860)")
    add_device_option(parser)
    args = parser.parse_args(argv)
    build(App(args.device)).launch(server_name=args.host, server_port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
