"""Write the extension icons (a teal speech bubble with three tone dots) as PNGs, no dependencies.

Run: python extension/tools/make_icons.py
"""

import struct
import zlib
from pathlib import Path

TEAL = (0x0B, 0x6E, 0x6E)
DOTS = [(0xF5, 0xB5, 0x4A), (0xFF, 0xFF, 0xFF), (0x9F, 0xE2, 0xB0)]


def pixel(x, y, n):
    """Colour of pixel (x, y) in an n-by-n icon, with 4x4 supersampling for smooth edges."""
    acc = [0.0, 0.0, 0.0, 0.0]
    for sy in range(4):
        for sx in range(4):
            u = (x + (sx + 0.5) / 4) / n
            v = (y + (sy + 0.5) / 4) / n
            rgb = None
            # bubble: a rounded rectangle plus a tail at the bottom left
            inside = 0.08 <= u <= 0.92 and 0.12 <= v <= 0.72
            for cx, cy in ((0.26, 0.30), (0.74, 0.30), (0.26, 0.54), (0.74, 0.54)):
                if (abs(u - cx) > 0.18 or abs(v - cy) > 0.18) and (
                    (u < 0.26 and v < 0.30 and (u - 0.26) ** 2 + (v - 0.30) ** 2 > 0.18**2)
                    or (u > 0.74 and v < 0.30 and (u - 0.74) ** 2 + (v - 0.30) ** 2 > 0.18**2)
                    or (u < 0.26 and v > 0.54 and (u - 0.26) ** 2 + (v - 0.54) ** 2 > 0.18**2)
                    or (u > 0.74 and v > 0.54 and (u - 0.74) ** 2 + (v - 0.54) ** 2 > 0.18**2)
                ):
                    inside = False
            tail = 0.22 <= u <= 0.42 and 0.70 <= v <= 0.90 and (u - 0.22) >= (v - 0.70) * 1.0 - 0.0
            if inside or tail:
                rgb = TEAL
                for i, cx in enumerate((0.30, 0.50, 0.70)):
                    if (u - cx) ** 2 + (v - 0.42) ** 2 <= 0.075**2:
                        rgb = DOTS[i]
            if rgb:
                acc[0] += rgb[0]
                acc[1] += rgb[1]
                acc[2] += rgb[2]
                acc[3] += 255
    covered = acc[3] / 255
    if not covered:
        return (0, 0, 0, 0)
    return (round(acc[0] / covered), round(acc[1] / covered), round(acc[2] / covered), round(acc[3] / 16))


def png(n):
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y, n)) for x in range(n)) for y in range(n))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "icons"
    out.mkdir(exist_ok=True)
    for n in (16, 32, 48, 128):
        (out / f"icon{n}.png").write_bytes(png(n))
    print(f"wrote icons to {out}")
