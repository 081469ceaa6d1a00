// Pure logic shared by the service worker, content scripts and tests: hashing, text,
// cue offsets, badge model, colours, thread trend, batching, back-off.
// A classic script attaching to globalThis.Attune, so content scripts (which cannot be modules) can load it.
(function () {
  'use strict';
  const root = (globalThis.Attune = globalThis.Attune || {});

  const LABELS = Object.freeze(['angry', 'frustrated', 'anxious', 'confused', 'disappointed', 'grateful', 'neutral']);

  // cyrb53: a fast 53-bit string hash; enough to key a cache of a few hundred messages.
  function textKey(text) {
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  }

  // Collapse runs of spaces inside lines and blank-line runs, so the same message rendered
  // with different markup hashes the same.
  function normalizeText(text) {
    return String(text)
      .replace(/\u00a0/g, ' ')
      .split('\n')
      .map((line) => line.replace(/[ \t\f\v\r]+/g, ' ').trim())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  }

  // Server cue offsets are code points (Python indices); JS strings index UTF-16 units.
  function codePointToUtf16(text, offsets) {
    const out = new Map();
    const wanted = [...new Set(offsets)].sort((a, b) => a - b);
    let cp = 0;
    let unit = 0;
    let w = 0;
    while (w < wanted.length) {
      if (wanted[w] === cp) {
        out.set(cp, unit);
        w++;
        continue;
      }
      if (unit >= text.length) break;
      const code = text.codePointAt(unit);
      unit += code > 0xffff ? 2 : 1;
      cp++;
    }
    for (; w < wanted.length; w++) out.set(wanted[w], text.length);
    return out;
  }

  // Cues -> sorted, non-overlapping UTF-16 ranges that really are inside the text.
  function cueRanges(text, cues) {
    const valid = (cues || []).filter(
      (c) => Number.isInteger(c.start) && Number.isInteger(c.end) && c.end > c.start && c.start >= 0,
    );
    const map = codePointToUtf16(text, valid.flatMap((c) => [c.start, c.end]));
    const ranges = valid
      .map((c) => ({ start: map.get(c.start), end: map.get(c.end), label: c.label, weight: c.weight || 0 }))
      .filter((r) => r.end > r.start)
      .sort((a, b) => a.start - b.start || b.end - a.end);
    const out = [];
    for (const r of ranges) {
      const last = out[out.length - 1];
      if (last && r.start < last.end) continue; // overlapping cue: keep the first
      out.push(r);
    }
    return out;
  }

  // Text split into plain and highlighted segments; long texts become windows around the cues.
  function highlightSegments(text, cues, maxChars = 600, context = 60) {
    const ranges = cueRanges(text, cues);
    const seg = (s, e, label) => ({ text: text.slice(s, e), label: label || null });
    if (text.length <= maxChars) {
      const out = [];
      let pos = 0;
      for (const r of ranges) {
        if (r.start > pos) out.push(seg(pos, r.start));
        out.push(seg(r.start, r.end, r.label));
        pos = r.end;
      }
      if (pos < text.length) out.push(seg(pos, text.length));
      return out;
    }
    if (!ranges.length) return [{ text: text.slice(0, maxChars) + ' …', label: null }];
    const out = [];
    let budget = maxChars;
    let pos = 0;
    for (const r of ranges) {
      if (budget <= 0) break;
      const from = Math.max(pos, r.start - context);
      if (from > pos || (pos === 0 && from > 0)) out.push({ text: '… ', label: null });
      if (r.start > from) out.push(seg(from, r.start));
      out.push(seg(r.start, r.end, r.label));
      const to = Math.min(text.length, r.end + context);
      const next = ranges.find((n) => n.start >= r.end);
      const stop = next && next.start < to ? next.start : to;
      if (stop > r.end) out.push(seg(r.end, stop));
      budget -= stop - from;
      pos = stop;
    }
    if (pos < text.length) out.push({ text: ' …', label: null });
    return out;
  }

  // Palette: fg on each bg (three intensity steps) keeps WCAG AA contrast (checked in tests/js).
  const PALETTE = {
    light: {
      angry: { fg: '#7f1717', bg: ['#fdecec', '#fad4d4', '#f5b5b5'], dot: '#c62828' },
      frustrated: { fg: '#6b3500', bg: ['#fff1e0', '#ffdfb8', '#ffc987'], dot: '#e06c00' },
      anxious: { fg: '#4f1e70', bg: ['#f5ecfb', '#e8d5f5', '#d9bcef'], dot: '#8e3cc2' },
      confused: { fg: '#0b4560', bg: ['#e8f4fa', '#cfe8f4', '#b0d8ec'], dot: '#1a7fb0' },
      disappointed: { fg: '#2e3870', bg: ['#eef0fa', '#dde1f5', '#c8cfee'], dot: '#5061b8' },
      grateful: { fg: '#1a4f23', bg: ['#eaf7ec', '#d2eed7', '#b6e2be'], dot: '#2e8b3e' },
      neutral: { fg: '#3c4043', bg: ['#f1f3f4', '#e8eaed', '#dadce0'], dot: '#80868b' },
      status: { fg: '#3c4043', bg: ['#f1f3f4', '#f1f3f4', '#f1f3f4'], dot: '#80868b' },
    },
    dark: {
      angry: { fg: '#ffdada', bg: ['#3a2020', '#552424', '#702828'], dot: '#ff6b6b' },
      frustrated: { fg: '#ffe3c4', bg: ['#3a2a1a', '#553a18', '#6e4712'], dot: '#ffa04d' },
      anxious: { fg: '#eedcff', bg: ['#2e2238', '#43295a', '#58307a'], dot: '#c08cf0' },
      confused: { fg: '#d4f1ff', bg: ['#1c2d36', '#1d3d4f', '#1e4d68'], dot: '#5cc0f0' },
      disappointed: { fg: '#e0e5ff', bg: ['#252a3d', '#2e3656', '#38436f'], dot: '#8e9cf0' },
      grateful: { fg: '#d6f7dc', bg: ['#1d3222', '#214329', '#255530'], dot: '#5fd076' },
      neutral: { fg: '#e8eaed', bg: ['#2d2f31', '#35373a', '#3c4043'], dot: '#9aa0a6' },
      status: { fg: '#e8eaed', bg: ['#2d2f31', '#2d2f31', '#2d2f31'], dot: '#9aa0a6' },
    },
  };

  const LEVEL_WORDS = ['mild', 'moderate', 'strong'];

  function intensityLevel(intensity) {
    const x = Number(intensity) || 0;
    return x >= 0.67 ? 3 : x >= 0.34 ? 2 : 1;
  }

  function titleCase(s) {
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // Everything the badge shows, readable without colour: the word, dots for intensity, an aria label.
  function badgeModel(result) {
    const label = LABELS.includes(result.label) ? result.label : 'neutral';
    const level = intensityLevel(result.intensity);
    const confidence = Math.max(0, Math.min(1, Number(result.confidence) || 0));
    const dots = '●'.repeat(level) + '○'.repeat(3 - level);
    const pct = Math.round(confidence * 100);
    return {
      label,
      level,
      levelWord: LEVEL_WORDS[level - 1],
      text: titleCase(label),
      dots,
      confidence,
      aria:
        label === 'neutral'
          ? `Customer tone: neutral (${pct}% sure). Show details`
          : `Customer seems ${label}, ${LEVEL_WORDS[level - 1]} intensity (${pct}% sure). Show details`,
    };
  }

  function colorsFor(label, level, dark) {
    const p = PALETTE[dark ? 'dark' : 'light'][label] || PALETTE.light.neutral;
    return { fg: p.fg, bg: p.bg[Math.max(1, Math.min(3, level)) - 1], dot: p.dot };
  }

  // WCAG relative luminance contrast of two #rrggbb colours.
  function contrastRatio(a, b) {
    const lum = (hex) => {
      const n = parseInt(hex.slice(1), 16);
      const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
    };
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  // How negative a message reads, for the thread trend: emotion weight times intensity.
  const NEGATIVITY = { angry: 1, frustrated: 0.8, anxious: 0.6, disappointed: 0.6, confused: 0.3, neutral: 0, grateful: -0.6 };

  function negativity(result) {
    const w = NEGATIVITY[result.label] ?? 0;
    const i = Math.max(0.25, Number(result.intensity) || 0);
    return w * i;
  }

  // The customer's emotion across their messages (oldest first): escalating, calming or steady.
  function threadTrend(results, threshold = 0.15) {
    const scores = results.map(negativity);
    const labels = results.map((r) => r.label);
    if (results.length < 2) return { trend: results.length ? 'single' : 'none', labels, scores };
    // Compare the latest message with the mean of the earlier ones (at most three back).
    const last = scores[scores.length - 1];
    const earlier = scores.slice(Math.max(0, scores.length - 4), -1);
    const base = earlier.reduce((a, b) => a + b, 0) / earlier.length;
    const delta = last - base;
    const trend = delta > threshold ? 'escalating' : delta < -threshold ? 'calming' : 'steady';
    return { trend, labels, scores, delta: Math.round(delta * 100) / 100 };
  }

  function trendText(t) {
    if (t.trend === 'none') return '';
    const first = t.labels[0];
    const last = t.labels[t.labels.length - 1];
    const path = first === last ? titleCase(last) : `${titleCase(first)} → ${titleCase(last)}`;
    const word = { escalating: 'escalating ↑', calming: 'calming down ↓', steady: 'steady', single: 'one message' }[t.trend];
    return `Customer: ${path} · ${word}`;
  }

  // Split items into requests of at most `max` (the server's batch limit).
  function planBatches(items, max = 256) {
    const out = [];
    for (let i = 0; i < items.length; i += max) out.push(items.slice(i, i + max));
    return out;
  }

  // The server's limits as GET /v1/model reports them ("limits"); these defaults are what it
  // enforces when an older server does not say.
  const DEFAULT_LIMITS = Object.freeze({ max_text_chars: 20000, max_batch_items: 256 });

  function parseLimits(limits) {
    const out = { ...DEFAULT_LIMITS };
    for (const k of Object.keys(DEFAULT_LIMITS)) {
      const v = limits && limits[k];
      if (Number.isInteger(v) && v > 0) out[k] = v;
    }
    return out;
  }

  // The one cache size policy: the service worker's shared cache (chrome.storage.session, all tabs)
  // and each page's own map both keep the 500 most recently used results. A ticket rarely shows
  // more than a few dozen messages, so 500 covers a working session of tickets; a result is ~1 kB.
  const RESULT_CACHE_MAX = 500;

  function nextBackoff(previousMs, { first = 15000, max = 300000 } = {}) {
    return previousMs ? Math.min(max, previousMs * 2) : first;
  }

  function feedbackChoices(label) {
    return LABELS.filter((l) => l !== label);
  }

  function debounce(fn, ms) {
    let timer = null;
    const wrapped = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
    wrapped.cancel = () => clearTimeout(timer);
    return wrapped;
  }

  Object.assign(root, {
    LABELS,
    PALETTE,
    textKey,
    normalizeText,
    codePointToUtf16,
    cueRanges,
    highlightSegments,
    intensityLevel,
    badgeModel,
    colorsFor,
    contrastRatio,
    negativity,
    threadTrend,
    trendText,
    planBatches,
    DEFAULT_LIMITS,
    parseLimits,
    RESULT_CACHE_MAX,
    nextBackoff,
    feedbackChoices,
    debounce,
  });
})();
