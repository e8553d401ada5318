"""Draw the demo products' images into ``inventory/demo/images/`` (deterministic; no internet needed).

    .venv/bin/python scripts/make_demo_images.py

Each product of ``inventory/demo/catalog_data.py`` lists its images as ``art`` entries
(family, main colour, accent colour): a flat illustration of the family (mug, candle,
sweater…) on a soft background tinted from the main colour. Drawn at twice the size and
scaled down, which smooths the edges; saved as 600 × 600 JPEG at quality 80 (≈ 15–35 KB).
"""

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inventory.demo.catalog_data import PRODUCTS  # noqa: E402

OUT_DIR = ROOT / "inventory" / "demo" / "images"
S = 1200  # drawing size; saved at half
FINAL = 600
CREAM = (251, 247, 240)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
CLAY = (216, 195, 165)
WOOD = (150, 105, 62)


def rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def mix(a, b, t: float):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def dark(c, t=0.2):
    return mix(c, BLACK, t)


def light(c, t=0.2):
    return mix(c, WHITE, t)


def luminance(c) -> float:
    return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255


def alpha(c, a: int):
    return (*c, a)


def shadow(img, cx, cy, half_width, half_height=38, strength=0.16):
    """A soft contact shadow on the 'table' under the object."""
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse((cx - half_width, cy - half_height, cx + half_width, cy + half_height), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(28)).point(lambda v: int(v * strength))
    img.paste(BLACK, mask=mask)


def flame(d, cx, top):
    d.ellipse((cx - 22, top, cx + 22, top + 80), fill=(247, 178, 60))
    d.ellipse((cx - 11, top + 28, cx + 11, top + 74), fill=(255, 236, 170))
    d.line((cx, top + 74, cx, top + 100), fill=(60, 45, 40), width=6)


def wavy_bottom(x0, x1, y, amp, waves, steps=40):
    """Points along a wavy edge from x1 back to x0 (to close a glaze or liquid polygon)."""
    return [(x1 - (x1 - x0) * i / steps, y + amp * math.sin(i / steps * waves * 2 * math.pi)) for i in range(steps + 1)]


# --- Families ------------------------------------------------------------------------------------


def draw_mug(img, d, main, accent, rnd):
    shadow(img, 580, 905, 270)
    d.ellipse((690, 520, 920, 800), outline=dark(main, 0.12), width=58)
    d.rounded_rectangle((370, 420, 790, 910), radius=60, fill=CLAY)
    glaze = [(370, 480), (790, 480), *wavy_bottom(370, 790, 820, 18, 3)]
    d.rounded_rectangle((370, 420, 790, 700), radius=60, fill=main)
    d.polygon(glaze, fill=main)
    d.ellipse((370, 395, 790, 475), fill=dark(main, 0.25))
    d.ellipse((395, 410, 765, 465), fill=(92, 60, 40))
    d.rounded_rectangle((420, 500, 455, 760), radius=18, fill=alpha(WHITE, 60))
    for _ in range(18):
        x, y = rnd.randint(400, 760), rnd.randint(500, 800)
        d.ellipse((x, y, x + 7, y + 7), fill=alpha(light(accent, 0.3), 140))


def draw_plate(img, d, main, accent, rnd):
    shadow(img, 600, 930, 380, 50)
    d.ellipse((200, 300, 1000, 940), fill=dark(main, 0.12))
    d.ellipse((210, 290, 990, 920), fill=main)
    d.ellipse((330, 390, 870, 820), fill=light(main, 0.12))
    d.ellipse((345, 400, 855, 808), outline=dark(main, 0.06), width=4)
    d.arc((250, 320, 950, 890), 200, 250, fill=alpha(WHITE, 110), width=14)
    for _ in range(40):
        x, y = rnd.randint(300, 900), rnd.randint(360, 850)
        if (x - 600) ** 2 / 380**2 + (y - 605) ** 2 / 300**2 < 1:
            d.ellipse((x, y, x + 6, y + 6), fill=alpha(accent, 150))


def draw_bowl(img, d, main, accent, rnd):
    shadow(img, 600, 900, 300)
    d.chord((250, 200, 950, 900), 0, 180, fill=main)
    d.rectangle((470, 870, 730, 905), fill=CLAY)
    d.ellipse((250, 500, 950, 620), fill=dark(main, 0.08))
    d.ellipse((280, 515, 920, 610), fill=light(accent, 0.55))
    for _ in range(60):
        x, y = rnd.randint(300, 900), rnd.randint(600, 840)
        d.ellipse((x, y, x + 8, y + 8), fill=alpha(accent, 170))
    d.arc((300, 300, 900, 850), 110, 150, fill=alpha(WHITE, 90), width=16)


def draw_carafe(img, d, main, accent, rnd):
    shadow(img, 600, 915, 250)
    body = Image.new("L", img.size, 0)
    b = ImageDraw.Draw(body)
    b.polygon([(530, 250), (670, 250), (690, 480), (510, 480)], fill=150)
    b.ellipse((330, 440, 870, 920), fill=150)
    img.paste(light(main, 0.45), mask=body)
    water = Image.new("L", img.size, 0)
    ImageDraw.Draw(water).ellipse((345, 455, 855, 905), fill=170)
    ImageDraw.Draw(water).rectangle((0, 0, S, 640), fill=0)
    img.paste(main, mask=water)
    d.line((352, 640, 848, 640), fill=alpha(dark(main, 0.15), 160), width=6)
    d.ellipse((515, 225, 685, 275), fill=alpha(dark(main, 0.1), 120), outline=alpha(dark(main, 0.3), 200), width=6)
    d.rounded_rectangle((390, 560, 425, 800), radius=16, fill=alpha(WHITE, 150))
    d.rounded_rectangle((552, 290, 572, 470), radius=10, fill=alpha(WHITE, 150))
    for _ in range(14):
        x, y, r = rnd.randint(430, 770), rnd.randint(560, 860), rnd.randint(4, 10)
        d.ellipse((x - r, y - r, x + r, y + r), outline=alpha(WHITE, 160), width=3)


def draw_glasses(img, d, main, accent, rnd):
    shadow(img, 600, 900, 380)
    for cx, top, h in ((400, 520, 380), (650, 480, 420), (850, 560, 340)):
        w_top, w_bot = 120, 95
        body = [(cx - w_top, top), (cx + w_top, top), (cx + w_bot, top + h), (cx - w_bot, top + h)]
        d.polygon(body, fill=alpha(light(main, 0.3), 130))
        d.polygon(
            [(cx - w_top + 10, top + h * 0.35), (cx + w_top - 10, top + h * 0.35), body[2], body[3]],
            fill=alpha(main, 120),
        )
        d.ellipse((cx - w_top, top - 22, cx + w_top, top + 22), outline=alpha(dark(main, 0.2), 200), width=6)
        d.rectangle((cx - w_bot, top + h - 28, cx + w_bot, top + h), fill=alpha(dark(main, 0.15), 150))
        d.line((cx - w_top + 30, top + 40, cx - w_bot + 25, top + h - 50), fill=alpha(WHITE, 170), width=12)


def draw_teapot(img, d, main, accent, rnd):
    shadow(img, 600, 905, 330)
    d.arc((400, 200, 800, 620), 200, 340, fill=dark(main, 0.2), width=34)
    d.polygon([(780, 640), (960, 470), (1000, 490), (850, 760)], fill=main)
    d.ellipse((940, 455, 1010, 500), fill=dark(main, 0.2))
    d.ellipse((300, 380, 900, 910), fill=main)
    d.ellipse((430, 350, 770, 430), fill=dark(main, 0.25))
    d.ellipse((560, 300, 640, 370), fill=dark(main, 0.25))
    for row in range(5):
        for col in range(9):
            x, y = 360 + col * 60 + (row % 2) * 30, 480 + row * 70
            if (x - 600) ** 2 / 270**2 + (y - 645) ** 2 / 240**2 < 1:
                d.ellipse((x - 12, y - 12, x + 12, y + 12), fill=light(main, 0.12))
    d.chord((300, 380, 900, 910), 130, 160, fill=alpha(accent, 90))
    d.rectangle((440, 880, 760, 910), fill=dark(main, 0.3))


def draw_board(img, d, main, accent, rnd):
    shadow(img, 600, 880, 420, 46)
    d.rounded_rectangle((150, 430, 1000, 860), radius=140, fill=dark(main, 0.2))
    d.rounded_rectangle((150, 410, 1000, 840), radius=140, fill=main)
    d.polygon([(990, 560), (1110, 540), (1110, 710), (990, 690)], fill=main)
    d.ellipse((1045, 600, 1085, 650), fill=mix(main, WHITE, 0.55))
    for i in range(9):
        y = 460 + i * 42
        d.arc((180 + rnd.randint(-40, 40), y - 90, 980, y + 90 + rnd.randint(0, 40)), 200, 340, fill=accent, width=5)
    d.arc((500, 560, 640, 680), 0, 360, fill=accent, width=6)


def draw_jar(img, d, main, accent, rnd):
    shadow(img, 600, 905, 240)
    d.rounded_rectangle((390, 390, 810, 910), radius=70, fill=alpha(light(main, 0.5), 255))
    d.rounded_rectangle((405, 440, 795, 895), radius=60, fill=main)
    d.rounded_rectangle((420, 310, 780, 400), radius=20, fill=dark(accent, 0.1))
    cloth = [(380, 330), (820, 330), (860, 440), (600, 410), (340, 440)]
    d.polygon(cloth, fill=accent)
    for x in range(380, 821, 40):
        d.line((x, 330, x + (x - 600) * 0.15, 430), fill=alpha(dark(accent, 0.25), 120), width=14)
    d.rectangle((380, 380, 820, 405), fill=dark(accent, 0.3))
    d.rounded_rectangle((450, 560, 750, 760), radius=16, fill=CREAM)
    d.rounded_rectangle((470, 580, 730, 740), radius=10, outline=dark(main, 0.15), width=5)
    d.ellipse((570, 620, 630, 680), fill=dark(main, 0.05))
    d.rounded_rectangle((425, 470, 455, 860), radius=14, fill=alpha(WHITE, 90))


def draw_tin(img, d, main, accent, rnd):
    shadow(img, 600, 905, 260)
    d.rectangle((360, 330, 840, 880), fill=main)
    d.ellipse((360, 840, 840, 920), fill=main)
    d.rectangle((360, 500, 840, 720), fill=accent)
    d.ellipse((360, 300, 840, 370), fill=light(main, 0.15))
    d.rectangle((360, 330, 840, 360), fill=light(main, 0.1))
    d.ellipse((360, 270, 840, 340), fill=light(main, 0.25))
    d.ellipse((520, 540, 680, 680), outline=main, width=10)
    d.polygon(
        [(600, 560), (615, 595), (655, 610), (615, 625), (600, 660), (585, 625), (545, 610), (585, 595)], fill=main
    )
    d.rectangle((395, 380, 420, 850), fill=alpha(WHITE, 70))
    d.rectangle((760, 380, 800, 850), fill=alpha(BLACK, 30))


def draw_bottle(img, d, main, accent, rnd):
    shadow(img, 600, 910, 200)
    d.rounded_rectangle((545, 160, 655, 230), radius=10, fill=dark(main, 0.45))
    d.rectangle((555, 220, 645, 420), fill=main)
    d.polygon([(555, 400), (645, 400), (760, 520), (440, 520)], fill=main)
    d.rounded_rectangle((440, 500, 760, 910), radius=40, fill=main)
    d.rounded_rectangle((465, 600, 735, 800), radius=14, fill=accent)
    d.line((500, 650, 700, 650), fill=dark(main, 0.1), width=10)
    d.line((520, 690, 680, 690), fill=dark(accent, 0.3), width=6)
    d.line((520, 720, 680, 720), fill=dark(accent, 0.3), width=6)
    d.ellipse((570, 740, 630, 780), fill=(110, 140, 60))
    d.rounded_rectangle((470, 530, 495, 880), radius=12, fill=alpha(WHITE, 80))


def draw_chocolate(img, d, main, accent, rnd):
    shadow(img, 600, 900, 360)
    d.rounded_rectangle((220, 330, 980, 880), radius=16, fill=main)
    for row in range(4):
        for col in range(6):
            x, y = 250 + col * 122, 360 + row * 125
            d.rounded_rectangle((x, y, x + 108, y + 110), radius=10, fill=light(main, 0.08))
            d.line((x + 10, y + 100, x + 98, y + 100), fill=dark(main, 0.25), width=6)
    d.polygon([(600, 330), (980, 330), (980, 880), (760, 880)], fill=accent)
    d.polygon([(600, 330), (760, 880), (700, 880), (560, 330)], fill=dark(accent, 0.2))
    d.rectangle((800, 330, 860, 880), fill=light(accent, 0.35))


def draw_candle(img, d, main, accent, rnd):
    shadow(img, 600, 905, 260)
    d.rounded_rectangle((380, 420, 820, 910), radius=50, fill=main)
    d.ellipse((380, 390, 820, 470), fill=dark(main, 0.2))
    d.ellipse((405, 405, 795, 460), fill=accent)
    flame(d, 600, 320)
    d.rounded_rectangle((450, 590, 750, 790), radius=12, fill=CREAM)
    for i, y in enumerate((640, 690, 735)):
        d.line((500 + i * 15, y, 700 - i * 15, y), fill=dark(main, 0.05), width=8 if i == 0 else 5)
    d.rounded_rectangle((405, 480, 435, 860), radius=14, fill=alpha(WHITE, 70))


def draw_diffuser(img, d, main, accent, rnd):
    shadow(img, 600, 905, 220)
    for angle in (-22, -12, -3, 7, 16, 26):
        rad = math.radians(angle)
        x1, y1 = 600 + 420 * math.sin(rad), 470 - 420 * math.cos(rad)
        d.line((600, 560, x1, y1), fill=accent, width=12)
    d.rounded_rectangle((555, 430, 645, 520), radius=12, fill=dark(accent, 0.2))
    d.ellipse((400, 500, 800, 910), fill=alpha(main, 230))
    d.chord((410, 510, 790, 900), 10, 170, fill=alpha(dark(main, 0.25), 200))
    d.rounded_rectangle((480, 660, 720, 760), radius=10, fill=CREAM)
    d.line((520, 710, 680, 710), fill=dark(accent, 0.1), width=8)
    d.arc((440, 540, 760, 870), 190, 240, fill=alpha(WHITE, 150), width=14)


def draw_candleholder(img, d, main, accent, rnd):
    shadow(img, 600, 905, 220)
    d.ellipse((400, 840, 800, 910), fill=dark(main, 0.2))
    d.rectangle((400, 820, 800, 875), fill=main)
    d.ellipse((400, 790, 800, 850), fill=light(main, 0.2))
    d.polygon([(575, 820), (625, 820), (615, 560), (585, 560)], fill=main)
    d.ellipse((555, 600, 645, 660), fill=light(main, 0.15))
    d.ellipse((500, 520, 700, 580), fill=dark(main, 0.15))
    d.rectangle((500, 500, 700, 550), fill=main)
    d.ellipse((500, 480, 700, 530), fill=light(main, 0.25))
    d.rounded_rectangle((555, 230, 645, 510), radius=10, fill=accent)
    d.rectangle((565, 245, 580, 500), fill=alpha(WHITE, 120))
    flame(d, 600, 130)


def draw_soap(img, d, main, accent, rnd):
    shadow(img, 600, 880, 320)
    top = [(600, 300), (900, 430), (600, 560), (300, 430)]
    d.polygon(top, fill=light(main, 0.15))
    d.polygon([(300, 430), (600, 560), (600, 900), (300, 770)], fill=main)
    d.polygon([(600, 560), (900, 430), (900, 770), (600, 900)], fill=dark(main, 0.15))
    stamp = [(600, 360), (790, 430), (600, 505), (410, 430)]
    d.polygon(stamp, outline=dark(main, 0.12), width=8)
    d.polygon([(600, 400), (700, 430), (600, 465), (500, 430)], fill=dark(light(main, 0.15), 0.08))
    for _ in range(8):
        x, y = rnd.randint(330, 560), rnd.randint(480, 800)
        d.ellipse((x, y, x + 10, y + 10), fill=alpha(dark(main, 0.1), 120))


def draw_cushion(img, d, main, accent, rnd):
    shadow(img, 600, 910, 380)
    pts = []
    for i in range(4):
        corners = [(240, 280), (960, 280), (960, 880), (240, 880)]
        (x0, y0), (x1, y1) = corners[i], corners[(i + 1) % 4]
        for s in range(21):
            t = s / 20
            bulge = 55 * math.sin(t * math.pi)
            nx, ny = (y1 - y0), -(x1 - x0)
            length = math.hypot(nx, ny)
            pts.append((x0 + (x1 - x0) * t - nx / length * bulge, y0 + (y1 - y0) * t - ny / length * bulge))
    d.polygon(pts, fill=main, outline=dark(main, 0.18), width=10)
    d.rounded_rectangle((330, 370, 870, 790), radius=30, outline=alpha(dark(main, 0.12), 160), width=6)
    for i in range(5):
        d.line((350 + i * 90, 360 + i * 30, 480 + i * 100, 420 + i * 70), fill=alpha(dark(main, 0.1), 90), width=6)
    d.ellipse((560, 540, 640, 620), fill=alpha(light(main, 0.25), 160))


def draw_folded(img, d, main, accent, rnd):
    shadow(img, 600, 905, 380)
    for i, (y, tone) in enumerate(((700, 0.12), (540, 0.0), (380, -0.1))):
        c = dark(main, tone) if tone > 0 else light(main, -tone)
        d.rounded_rectangle((230 + i * 10, y, 970 - i * 10, y + 190), radius=60, fill=c)
        d.rounded_rectangle((230 + i * 10, y + 20, 320 + i * 10, y + 170), radius=40, fill=dark(c, 0.1))
        for x in range(340 + i * 10, 960 - i * 10, 36):
            d.line((x, y + 30, x, y + 160), fill=alpha(dark(c, 0.08), 120), width=8)
        for x in range(960 - i * 10, 1000 - i * 10, 12):
            d.line((x, y + 40, x + 30, y + 150), fill=dark(c, 0.15), width=5)


def draw_towel(img, d, main, accent, rnd):
    shadow(img, 600, 935, 280, 30)
    d.line((250, 200, 950, 200), fill=WOOD, width=30)
    d.ellipse((560, 160, 640, 260), outline=accent, width=12)
    d.rectangle((360, 230, 840, 920), fill=main)
    for y in (300, 340, 800, 840):
        d.rectangle((360, y, 840, y + 22), fill=accent)
    d.rectangle((580, 230, 620, 920), fill=alpha(accent, 110))
    for x in range(380, 840, 24):
        d.line((x, 240, x, 910), fill=alpha(dark(main, 0.08), 70), width=3)


def draw_apron(img, d, main, accent, rnd):
    shadow(img, 600, 940, 260, 30)
    d.arc((440, 60, 760, 420), 180, 360, fill=dark(main, 0.2), width=24)
    body = [(440, 250), (760, 250), (770, 460), (860, 520), (860, 930), (340, 930), (340, 520), (430, 460)]
    d.polygon(body, fill=main)
    d.line((340, 540, 180, 700), fill=dark(main, 0.15), width=24)
    d.line((860, 540, 1020, 700), fill=dark(main, 0.15), width=24)
    d.rounded_rectangle((450, 600, 750, 790), radius=12, fill=dark(main, 0.1))
    d.line((600, 600, 600, 790), fill=dark(main, 0.2), width=6)
    d.line((460, 612, 740, 612), fill=alpha(accent, 200), width=5)
    for y in (270, 900):
        d.line((350, y, 850, y), fill=alpha(accent, 180), width=5)


LEFT_SLEEVE = [(380, 320), (210, 470), (130, 870), (250, 900), (330, 560)]
RIGHT_SLEEVE = [(S - x, y) for x, y in LEFT_SLEEVE]


def garment(d, main, *, sleeves: str):
    """Front view of a top; ``sleeves`` is "long" or "short"."""
    if sleeves == "long":
        d.polygon(LEFT_SLEEVE, fill=dark(main, 0.08))
        d.polygon(RIGHT_SLEEVE, fill=dark(main, 0.08))
    else:
        d.polygon([(380, 310), (170, 430), (250, 590), (390, 520)], fill=dark(main, 0.08))
        d.polygon([(820, 310), (1030, 430), (950, 590), (810, 520)], fill=dark(main, 0.08))
    d.polygon([(380, 300), (820, 300), (860, 360), (860, 960), (340, 960), (340, 360)], fill=main)
    d.chord((500, 230, 700, 380), 0, 180, fill=dark(main, 0.18))


def draw_sweater(img, d, main, accent, rnd):
    shadow(img, 600, 975, 380, 24)
    garment(d, main, sleeves="long")
    stripes = Image.new("L", img.size, 0)
    for y in range(400, 880, 70):
        ImageDraw.Draw(stripes).rectangle((0, y, S, y + 32), fill=255)
    sleeves = Image.new("L", img.size, 0)
    for sleeve in (LEFT_SLEEVE, RIGHT_SLEEVE):
        ImageDraw.Draw(sleeves).polygon(sleeve, fill=255)
    ImageDraw.Draw(sleeves).rectangle((340, 300, 860, 960), fill=255)
    img.paste(accent, mask=ImageChops.multiply(stripes, sleeves))
    d.rectangle((340, 900, 860, 960), fill=dark(main, 0.12))
    for x in range(350, 860, 22):
        d.line((x, 905, x, 955), fill=dark(main, 0.22), width=4)
    d.polygon([(130, 870), (250, 900), (240, 940), (120, 910)], fill=dark(main, 0.15))
    d.polygon([(1070, 870), (950, 900), (960, 940), (1080, 910)], fill=dark(main, 0.15))
    d.chord((500, 230, 700, 380), 0, 180, fill=dark(main, 0.18))
    for x in (700, 740, 780):
        d.ellipse((x - 12, 318, x + 12, 342), fill=dark(accent, 0.3))


def draw_tshirt(img, d, main, accent, rnd):
    shadow(img, 600, 975, 340, 24)
    garment(d, main, sleeves="short")
    d.chord((505, 235, 695, 370), 0, 180, fill=dark(main, 0.3) if luminance(main) > 0.3 else light(main, 0.2))
    d.line((250, 585, 390, 518), fill=alpha(accent, 130), width=10)
    d.line((950, 585, 810, 518), fill=alpha(accent, 130), width=10)
    d.line((345, 930, 855, 930), fill=alpha(accent, 130), width=8)
    d.rounded_rectangle((690, 420, 780, 520), radius=10, outline=alpha(accent, 170), width=6)


def draw_shirt(img, d, main, accent, rnd):
    shadow(img, 600, 975, 380, 24)
    garment(d, main, sleeves="long")
    d.chord((500, 230, 700, 380), 0, 180, fill=dark(main, 0.1))
    d.polygon([(600, 300), (500, 250), (470, 330), (575, 370)], fill=light(main, 0.1), outline=accent, width=4)
    d.polygon([(600, 300), (700, 250), (730, 330), (625, 370)], fill=light(main, 0.1), outline=accent, width=4)
    d.line((600, 340, 600, 960), fill=accent, width=6)
    for y in range(410, 930, 95):
        d.ellipse((618, y, 642, y + 24), fill=dark(accent, 0.2))
    d.rectangle((400, 470, 520, 560), outline=accent, width=5)
    d.polygon([(130, 870), (250, 900), (240, 940), (120, 910)], fill=dark(main, 0.15))
    d.polygon([(1070, 870), (950, 900), (960, 940), (1080, 910)], fill=dark(main, 0.15))


def draw_scarf(img, d, main, accent, rnd):
    shadow(img, 600, 950, 300, 30)
    d.line((230, 200, 970, 200), fill=WOOD, width=28)
    left = [(420, 200), (560, 200), (540, 860), (400, 860)]
    right = [(640, 200), (780, 200), (800, 800), (660, 800)]
    for part in (right, left):
        d.polygon(part, fill=main)
        for i in range(1, 4):
            y = part[0][1] + (part[2][1] - part[0][1]) * i / 4
            d.line(
                (part[3][0] + (part[0][0] - part[3][0]) * (1 - i / 4) - 2, y, part[2][0] + 2, y),
                fill=alpha(dark(main, 0.15), 140),
                width=10,
            )
        x0, x1, y = part[3][0], part[2][0], part[2][1]
        for x in range(int(x0) + 8, int(x1), 18):
            d.line((x, y, x + rnd.randint(-6, 6), y + 60), fill=dark(main, 0.1), width=7)
    d.rounded_rectangle((410, 180, 790, 260), radius=30, fill=light(main, 0.06))
    d.line((450, 220, 750, 220), fill=alpha(dark(main, 0.12), 140), width=8)


def draw_beanie(img, d, main, accent, rnd):
    shadow(img, 600, 905, 330)
    d.chord((300, 260, 900, 1040), 180, 360, fill=main)
    for x in range(330, 880, 38):
        d.line((x, 420 + abs(x - 600) * 0.45, x, 650), fill=alpha(dark(main, 0.12), 150), width=9)
    d.rounded_rectangle((280, 630, 920, 900), radius=50, fill=dark(main, 0.08))
    for x in range(310, 900, 30):
        d.line((x, 650, x, 880), fill=alpha(dark(main, 0.2), 140), width=8)
    d.rounded_rectangle((540, 700, 660, 800), radius=8, fill=accent)


def draw_socks(img, d, main, accent, rnd):
    shadow(img, 620, 925, 370, 30)
    for ox, oy, tone in ((150, -40, 0.14), (0, 0, 0.0)):
        x, c = 300 + ox, dark(main, tone)
        mask = Image.new("L", img.size, 0)
        m = ImageDraw.Draw(mask)
        m.rounded_rectangle((x, 220 + oy, x + 220, 800 + oy), radius=24, fill=255)
        m.rounded_rectangle((x, 640 + oy, x + 470, 880 + oy), radius=120, fill=255)
        sock = Image.new("RGB", img.size, c)
        k = ImageDraw.Draw(sock)
        k.rectangle((x, 220 + oy, x + 220, 340 + oy), fill=dark(c, 0.1))
        for lx in range(x + 14, x + 220, 24):
            k.line((lx, 225 + oy, lx, 335 + oy), fill=dark(c, 0.2), width=6)
        for y in (420, 490, 560):
            k.rectangle((x, y + oy, x + 220, y + 26 + oy), fill=accent)
        k.ellipse((x - 90, 720 + oy, x + 150, 960 + oy), fill=accent)
        k.ellipse((x + 350, 630 + oy, x + 600, 890 + oy), fill=accent)
        img.paste(sock, mask=mask)


def draw_tote(img, d, main, accent, rnd):
    shadow(img, 600, 930, 330, 30)
    d.arc((500, 150, 800, 580), 180, 360, fill=dark(accent, 0.25), width=30)
    d.arc((420, 130, 720, 580), 180, 360, fill=accent, width=30)
    d.polygon([(320, 360), (880, 360), (900, 930), (300, 930)], fill=main)
    d.rectangle((320, 360, 880, 400), fill=dark(main, 0.08))
    for y in range(420, 930, 18):
        d.line((310, y, 890, y), fill=alpha(dark(main, 0.05), 70), width=3)
    for x in range(330, 880, 18):
        d.line((x, 400, x - 4, 925), fill=alpha(light(main, 0.15), 60), width=3)
    d.rounded_rectangle((690, 780, 830, 860), radius=6, fill=accent)
    d.rounded_rectangle((700, 790, 820, 850), radius=4, outline=light(accent, 0.35), width=3)


def draw_basket(img, d, main, accent, rnd):
    shadow(img, 600, 925, 370, 30)
    d.arc((500, 170, 800, 640), 180, 360, fill=dark(accent, 0.25), width=34)
    d.arc((400, 150, 700, 640), 180, 360, fill=accent, width=34)
    weave = Image.new("RGB", img.size, main)
    w = ImageDraw.Draw(weave)
    for row, y in enumerate(range(410, 930, 44)):
        for col, x in enumerate(range(260, 940, 60)):
            off = 30 if row % 2 else 0
            w.ellipse((x + off, y, x + off + 56, y + 40), fill=dark(main, 0.1 if (row + col) % 2 else 0.0))
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).polygon([(280, 400), (920, 400), (860, 930), (340, 930)], fill=255)
    img.paste(weave, mask=mask)
    d.rectangle((270, 390, 930, 430), fill=dark(main, 0.15))


def draw_pouch(img, d, main, accent, rnd):
    shadow(img, 600, 880, 380, 30)
    d.rounded_rectangle((230, 400, 970, 870), radius=70, fill=main)
    d.rectangle((250, 400, 950, 450), fill=dark(main, 0.15))
    for x in range(260, 940, 16):
        d.line((x, 415, x + 8, 435), fill=light(accent, 0.2), width=5)
    d.rounded_rectangle((880, 390, 920, 520), radius=12, fill=(190, 160, 90))
    for row in range(5):
        for col in range(9):
            x, y = 290 + col * 80 + (row % 2) * 40, 500 + row * 75
            if x < 930:
                d.ellipse((x - 16, y - 16, x + 16, y + 16), fill=accent)


def draw_notebook(img, d, main, accent, rnd):
    shadow(img, 620, 920, 330, 30)
    d.rounded_rectangle((360, 220, 880, 900), radius=20, fill=CREAM, outline=(210, 200, 185), width=4)
    for y in range(240, 890, 14):
        d.line((860, y, 878, y), fill=(210, 200, 185), width=2)
    d.rounded_rectangle((320, 200, 860, 890), radius=20, fill=main)
    d.rectangle((320, 200, 380, 890), fill=dark(main, 0.15))
    d.rectangle((760, 200, 790, 890), fill=dark(main, 0.35))
    d.rounded_rectangle((470, 360, 720, 470), radius=10, fill=accent)
    d.line((500, 400, 690, 400), fill=dark(accent, 0.25), width=6)
    d.line((500, 430, 650, 430), fill=dark(accent, 0.25), width=6)
    d.polygon([(640, 890), (690, 890), (690, 990), (665, 960), (640, 990)], fill=accent)


def draw_card(img, d, main, accent, rnd):
    shadow(img, 600, 900, 380, 30)
    d.polygon([(200, 520), (860, 460), (900, 880), (240, 930)], fill=(201, 169, 122))
    d.polygon([(200, 520), (860, 460), (560, 720)], fill=(214, 185, 140))
    d.rounded_rectangle((380, 230, 900, 820), radius=8, fill=CREAM)
    d.rectangle((380, 230, 900, 820), outline=(225, 215, 200), width=4)
    for cx, cy, r in ((560, 430, 70), (700, 520, 55), (600, 600, 45)):
        for k in range(6):
            a = k * math.pi / 3
            px, py = cx + r * 0.7 * math.cos(a), cy + r * 0.7 * math.sin(a)
            d.ellipse((px - r * 0.45, py - r * 0.45, px + r * 0.45, py + r * 0.45), fill=alpha(main, 220))
        d.ellipse((cx - r * 0.3, cy - r * 0.3, cx + r * 0.3, cy + r * 0.3), fill=(240, 200, 90))
    d.line((620, 780, 640, 560), fill=accent, width=8)
    for y, side in ((700, -1), (650, 1), (740, 1)):
        d.ellipse((630 + side * 70 - 40, y - 18, 630 + side * 70 + 40, y + 18), fill=accent)


def draw_pencils(img, d, main, accent, rnd):
    shadow(img, 600, 920, 380, 30)
    d.rounded_rectangle((220, 640, 980, 900), radius=16, fill=(120, 130, 140))
    d.rectangle((220, 640, 980, 690), fill=(150, 160, 170))
    hues = ["#d1495b", "#edae49", "#f4d35e", "#66a182", "#00798c", "#30638e", "#6a4c93", "#e07a5f",
            "#8d6346", "#2e4057", "#9bc53d", "#f28482"]  # fmt: skip
    for i, hue in enumerate(hues):
        x = 255 + i * 60
        top = 230 + (i % 3) * 40
        c = rgb(hue)
        d.rectangle((x, top + 90, x + 46, 660), fill=c)
        d.rectangle((x + 23, top + 90, x + 46, 660), fill=dark(c, 0.12))
        d.polygon([(x, top + 90), (x + 46, top + 90), (x + 23, top)], fill=(230, 200, 160))
        d.polygon([(x + 15, top + 30), (x + 31, top + 30), (x + 23, top)], fill=c)
    d.rectangle((220, 640, 980, 660), fill=(100, 110, 120))


def draw_plantpot(img, d, main, accent, rnd):
    shadow(img, 600, 915, 300)
    for angle, length in ((-50, 330), (-25, 380), (0, 400), (25, 370), (50, 320), (-75, 250), (75, 260)):
        rad = math.radians(angle)
        x1, y1 = 600 + length * math.sin(rad), 540 - length * math.cos(rad)
        mx, my = (600 + x1) / 2, (540 + y1) / 2
        leaf = [(600, 540), (mx - 60 * math.cos(rad), my - 60 * math.sin(rad)), (x1, y1),
                (mx + 60 * math.cos(rad), my + 60 * math.sin(rad))]  # fmt: skip
        d.polygon(leaf, fill=accent if angle % 50 else dark(accent, 0.2))
        d.line((600, 540, x1, y1), fill=dark(accent, 0.3), width=5)
    d.polygon([(360, 560), (840, 560), (780, 900), (420, 900)], fill=main)
    d.rounded_rectangle((330, 500, 870, 600), radius=14, fill=light(main, 0.08))
    d.rectangle((330, 590, 870, 605), fill=dark(main, 0.2))
    d.ellipse((380, 880, 820, 930), fill=dark(main, 0.15))
    d.line((440, 620, 470, 880), fill=alpha(WHITE, 60), width=20)


def draw_vase(img, d, main, accent, rnd):
    shadow(img, 600, 915, 270)
    for angle, length in ((-30, 260), (-8, 320), (18, 290)):
        rad = math.radians(angle)
        x1, y1 = 600 + length * math.sin(rad), 420 - length * math.cos(rad)
        d.line((600, 420, x1, y1), fill=accent, width=8)
        for t in (0.45, 0.6, 0.75, 0.9):
            px, py = 600 + (x1 - 600) * t, 420 + (y1 - 420) * t
            d.ellipse((px - 26, py - 14, px + 26, py + 14), fill=light(accent, 0.25))
    d.rounded_rectangle((530, 330, 670, 480), radius=20, fill=main)
    d.ellipse((330, 420, 870, 920), fill=main)
    d.ellipse((520, 310, 680, 360), fill=dark(main, 0.2))
    d.chord((330, 420, 870, 920), 20, 160, fill=alpha(dark(main, 0.1), 120))
    d.arc((380, 470, 820, 880), 200, 250, fill=alpha(WHITE, 100), width=20)


def draw_lamp(img, d, main, accent, rnd):
    shadow(img, 600, 915, 240)
    d.rectangle((585, 360, 615, 520), fill=(180, 160, 110))
    d.ellipse((420, 480, 780, 910), fill=main)
    d.rounded_rectangle((540, 440, 660, 520), radius=20, fill=dark(main, 0.1))
    d.arc((460, 530, 740, 860), 200, 250, fill=alpha(WHITE, 110), width=18)
    d.polygon([(430, 150), (770, 150), (880, 420), (320, 420)], fill=accent)
    d.polygon([(430, 150), (500, 150), (420, 420), (320, 420)], fill=alpha(dark(accent, 0.1), 200))
    d.line((320, 420, 880, 420), fill=dark(accent, 0.15), width=10)


def draw_gift(img, d, main, accent, rnd):
    shadow(img, 600, 915, 330)
    d.rectangle((300, 470, 900, 910), fill=main)
    d.rectangle((270, 400, 930, 500), fill=light(main, 0.1))
    d.rectangle((560, 400, 640, 910), fill=accent)
    d.rectangle((270, 500, 930, 520), fill=dark(main, 0.15))
    d.ellipse((400, 260, 600, 410), outline=accent, width=40)
    d.ellipse((600, 260, 800, 410), outline=accent, width=40)
    d.ellipse((560, 360, 640, 430), fill=dark(accent, 0.15))
    d.polygon([(700, 620), (860, 600), (870, 700), (710, 720)], fill=CREAM)
    d.line((640, 650, 700, 650), fill=(150, 120, 90), width=4)
    for x in range(320, 900, 60):
        d.line((x, 540, x + 30, 900), fill=alpha(dark(main, 0.05), 80), width=4)


FAMILIES = {name.removeprefix("draw_"): fn for name, fn in globals().items() if name.startswith("draw_")}


def background_for(main, accent):
    """A soft tint of the product's main colour, or of its accent when the main colour is pale."""
    base = main if luminance(main) < 0.78 else accent
    return mix(base, CREAM, 0.82)


def render(family: str, main_hex: str, accent_hex: str, seed: str) -> Image.Image:
    main, accent = rgb(main_hex), rgb(accent_hex)
    bg = background_for(main, accent)
    img = Image.new("RGB", (S, S), bg)
    d = ImageDraw.Draw(img, "RGBA")
    d.ellipse((170, 140, 1030, 1000), fill=light(bg, 0.35))
    d.rectangle((0, 930, S, S), fill=dark(bg, 0.04))
    FAMILIES[family](img, d, main, accent, random.Random(seed))
    return img.resize((FINAL, FINAL), Image.Resampling.LANCZOS)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    expected = set()
    total = 0
    for product in PRODUCTS:
        for i, (family, main_hex, accent_hex) in enumerate(product["art"]):
            name = f"{product['slug']}{'' if i == 0 else f'-{i + 1}'}.jpg"
            expected.add(name)
            image = render(family, main_hex, accent_hex, seed=name)
            image.save(OUT_DIR / name, "JPEG", quality=80, optimize=True)
            total += (OUT_DIR / name).stat().st_size
    for stale in OUT_DIR.glob("*.jpg"):
        if stale.name not in expected:
            stale.unlink()
    print(f"{len(expected)} images, {total / 1024:.0f} KB in {OUT_DIR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
