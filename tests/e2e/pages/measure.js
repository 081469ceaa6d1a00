// Test helper for the fixture pages (page world): time from a message being added to its hint
// being in the DOM and painted.
window.measureHint = function (addFn) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const el = addFn();
    const done = () => requestAnimationFrame(() => resolve(performance.now() - t0));
    if (el.querySelector('attune-hint')) return done();
    const obs = new MutationObserver(() => {
      if (el.querySelector('attune-hint')) {
        obs.disconnect();
        done();
      }
    });
    obs.observe(el, { childList: true, subtree: true });
  });
};
