// A single-page chat inbox: switching conversations swaps the log without a page load, and a new
// customer message arrives a moment after a conversation opens (as in a live chat).
document.querySelector('.inbox').addEventListener('click', async (e) => {
  const link = e.target.closest('a.conv');
  if (!link) return;
  e.preventDefault();
  const doc = new DOMParser().parseFromString(await (await fetch(link.href)).text(), 'text/html');
  document.getElementById('log').replaceChildren(...doc.getElementById('log').children);
  document.getElementById('conv-title').textContent = doc.getElementById('conv-title').textContent;
  for (const a of document.querySelectorAll('a.conv')) a.classList.toggle('conv-active', a === link);
  history.pushState({}, '', link.href);
});

// Test hook: the customer writes again.
window.customerWrites = function (text) {
  const row = document.createElement('div');
  row.className = 'row row-left';
  row.innerHTML = '<span class="avatar">C</span><div class="bubble"><p class="bubble-text"></p><span class="meta">now</span></div>';
  row.querySelector('.bubble-text').textContent = text;
  document.getElementById('log').append(row);
  return row;
};
