// Print buttons: shown only when scripts run (without them the page says to use the browser's
// print command). No inline handlers: the Content-Security-Policy forbids them.
for (const b of document.querySelectorAll('button[data-print]')) {
  b.hidden = false;
  b.addEventListener('click', () => window.print());
}
