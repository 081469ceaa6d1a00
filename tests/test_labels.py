"""One source for labels, colours and limits: the model's, read by the server, the report and the extension."""

import re
from pathlib import Path

from attune.model.labels import COLORS, LABELS, TERMINAL_COLORS
from attune.model.limits import LIMITS

CORE_JS = Path(__file__).resolve().parents[1] / "extension" / "common" / "core.js"


def _extension_palette():
    """label -> light-theme dot colour, as the extension's core.js defines it."""
    source = CORE_JS.read_text(encoding="utf-8")
    light = source[source.index("light: {") : source.index("dark: {")]
    found = re.findall(r"(\w+): \{ fg: '#[0-9a-f]{6}', bg: \[[^\]]*\], dot: '(#[0-9a-f]{6})' \}", light)
    return {label: dot for label, dot in found if label != "status"}  # status: not a label


def test_every_label_has_a_colour_everywhere():
    assert set(COLORS) == set(TERMINAL_COLORS) == set(LABELS)


def test_extension_labels_and_colours_equal_the_models():
    palette = _extension_palette()
    assert list(palette) == list(LABELS)
    assert palette == COLORS


def test_model_info_exposes_limits_and_colours(client, app):
    info = client.get("/v1/model").get_json()
    assert info["labels"] == list(LABELS)
    assert info["colors"] == COLORS
    assert info["limits"]["max_text_chars"] == app.config["MAX_TEXT_CHARS"] == LIMITS["max_text_chars"]
    assert info["limits"]["max_batch_items"] == app.config["MAX_BATCH_ITEMS"] == LIMITS["max_batch_items"]


def test_extension_limits_equal_the_models():
    source = CORE_JS.read_text(encoding="utf-8")
    assert int(re.search(r"const RESULT_CACHE_MAX = (\d+);", source).group(1)) == LIMITS["result_cache_size"]
    defaults = re.search(r"DEFAULT_LIMITS = [^{]*\{([^}]*)\}", source).group(1)
    assert str(LIMITS["max_text_chars"]) in defaults.replace("_", "") and str(LIMITS["max_batch_items"]) in defaults
