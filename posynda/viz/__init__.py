"""Pictures of a lift (``posynda lift --viz``); the file's extension picks what is drawn.

| extension | what | module |
|-----------|------|--------|
| ``.png``  | contact sheet: 8 frames evenly spaced over the file, 2D input above lifted 3D | :mod:`.sheet` |
| ``.gif``  | animation of one sequence (the longest): 2D input beside lifted 3D, a frame counter | :mod:`.animation` |
| ``.mp4``  | the same as H.264 video (needs ffmpeg: imageio-ffmpeg's or PATH's) | :mod:`.animation` |

Every picture colours the subject's left side blue, the right red, the centre grey and says so in a legend
(:mod:`.colours`). The 2D panel is in pixels, y down as in the image, cropped to the person with the whole
image in an inset; the 3D panel draws the lifted pose root-relative in the camera frame turned up (camera -y
up), in mm on equal-aspect axes whose floor is the lowest joint (:mod:`.limits`, :mod:`.panels`). Video frames
can lie under the 2D keypoints (:mod:`.background`). The table and the check before any work are
:mod:`.formats`. matplotlib (extra ``[viz]``) is imported only when a picture is drawn, on the Agg backend;
every file is written atomically (:mod:`.figures`). This room sits above the runtime and never below it.

>>> from posynda.viz import viz_format, write_viz
>>> viz_format("lift.mov")                         # InputError naming .png, .gif, .mp4
>>> write_viz("lift.gif", clips, result.root_relative_mm)
'lift.gif (animation of wild/test/TS6/run_2: 249 of 498 frames, every 2nd, 12.5 fps)'
"""

from posynda.viz.animation import Animated, animate_lift
from posynda.viz.background import Background, FrameSource
from posynda.viz.encoders import ffmpeg_exe
from posynda.viz.figures import pyplot, save_figure
from posynda.viz.formats import VIZ_FORMATS, VizFormat, viz_format, write_viz
from posynda.viz.sheet import draw_lift

__all__ = [
    "VIZ_FORMATS",
    "Animated",
    "Background",
    "FrameSource",
    "VizFormat",
    "animate_lift",
    "draw_lift",
    "ffmpeg_exe",
    "pyplot",
    "save_figure",
    "viz_format",
    "write_viz",
]
