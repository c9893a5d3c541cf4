"""The .gif and .mp4 encoders of animations: matplotlib's writers, fed the frame already drawn.

``.gif``: Pillow (matplotlib's ``PillowWriter``), 256 colours a frame (exact on the flat colours of a plot;
median-cut and dithered over photos), delays rounded on the clock so a clip keeps its length. ``.mp4``: H.264
through ffmpeg (``FFMpegWriter``; the ffmpeg of :func:`ffmpeg_exe`: imageio-ffmpeg's, else PATH's), with the
``faststart`` flag for streaming. Both take the RGBA pixels FuncAnimation has just drawn on the Agg canvas
(:class:`DrawnCanvas`) instead of drawing every frame a second time.
"""

from __future__ import annotations

import shutil

import numpy as np

MP4_HINT = (
    "viz .mp4 needs ffmpeg: pip install imageio-ffmpeg (in 'posynda[viz]') or put ffmpeg on PATH; or write a .gif"
)


def ffmpeg_exe() -> str | None:
    """An ffmpeg binary: imageio-ffmpeg's bundled one (extra ``[viz]``), else ``ffmpeg`` on PATH; None without."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")


class DrawnCanvas:
    """The frame FuncAnimation has just drawn on the Agg canvas: it draws every frame before the writer grabs it,
    and the writers' own ``savefig`` would draw it a second time (half the run time)."""

    def __init__(self, fig):
        self.fig = fig
        self.fresh = False
        fig.canvas.mpl_connect("draw_event", self._drawn)

    def _drawn(self, event) -> None:
        self.fresh = True

    def rgba(self, size) -> memoryview | None:
        """The canvas' RGBA pixels if they are ``size`` (w, h) px (drawn now if not drawn since the last grab)."""
        canvas = self.fig.canvas
        if tuple(canvas.get_width_height()) != tuple(int(v) for v in size):
            return None
        if not self.fresh:
            canvas.draw()
        self.fresh = False
        return canvas.buffer_rgba()


def encoder(suffix: str, fps: float, canvas: DrawnCanvas, photo: bool):
    """matplotlib's PillowWriter (.gif) or FFMpegWriter (.mp4, H.264), grabbing frames from ``canvas``."""
    from matplotlib import animation
    from PIL import Image

    if suffix == ".gif":

        def quantize(frame):
            """256 colours: exact on the flat colours of a plot; over photos (background frames) a median-cut
            palette, dithered (Pillow dithers only onto a given palette)."""
            if not photo:
                return frame.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
            palette = frame.quantize(256, method=Image.Quantize.MEDIANCUT)
            return frame.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)

        class GifWriter(animation.PillowWriter):
            """PillowWriter keeping each frame as a 256-colour image (1 byte a pixel, not 3, while it collects)."""

            def grab_frame(self, **savefig_kwargs):
                pixels = canvas.rgba(self.frame_size)
                if pixels is None:
                    super().grab_frame(**savefig_kwargs)
                    canvas.fresh = False
                    frame = self._frames.pop().convert("RGB")
                else:
                    frame = Image.frombuffer("RGBA", self.frame_size, pixels, "raw", "RGBA", 0, 1).convert("RGB")
                self._frames.append(quantize(frame))

            def finish(self):
                # GIF delays are whole centiseconds: round the clock, not each delay, so the clip keeps its length
                ticks = np.round(np.arange(len(self._frames) + 1) * 100.0 / self.fps)
                durations = [int(d) * 10 for d in np.diff(ticks)]
                self._frames[0].save(
                    self.outfile, save_all=True, append_images=self._frames[1:], duration=durations, loop=0
                )

        return GifWriter(fps=fps)

    class Mp4Writer(animation.FFMpegWriter):
        """FFMpegWriter piping the frame already drawn (RGBA) to ffmpeg."""

        def grab_frame(self, **savefig_kwargs):
            pixels = canvas.rgba(self.frame_size) if self.frame_format == "rgba" else None
            if pixels is None or not hasattr(self, "_proc"):
                super().grab_frame(**savefig_kwargs)
                canvas.fresh = False
            else:
                self._proc.stdin.write(pixels)

    return Mp4Writer(fps=fps, codec="h264", extra_args=["-movflags", "+faststart"])
