"""Limits every part shares: the model, the server, batch classification and (via ``/v1/model``) the extension."""

#: Characters of one text the model reads; the rest is ignored and the result says ``truncated``.
MAX_TEXT_CHARS = 20_000
#: Texts in one ``/v1/analyze/batch`` request (the extension splits longer lists).
MAX_BATCH_ITEMS = 256
#: Results the extension keeps per page and in its service worker (least recently used go first).
RESULT_CACHE_SIZE = 500

LIMITS = {"max_text_chars": MAX_TEXT_CHARS, "max_batch_items": MAX_BATCH_ITEMS,
          "result_cache_size": RESULT_CACHE_SIZE}
