// Register page: prefill the time zone and start from this computer; copy the host link.
'use strict';

function pad(n) { return String(n).padStart(2, '0'); }

const form = document.querySelector('[data-testid="register"]');
if (form) {
  const tz = form.elements.namedItem('timezone');
  if (tz && !tz.value) {
    tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  }
  const starts = form.elements.namedItem('starts_at');
  if (starts && !starts.value) {
    const d = new Date();
    starts.value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
}

for (const button of document.querySelectorAll('button[data-copy]')) {
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
    } catch (e) {
      // No clipboard permission (plain http): select the link so Ctrl+C works.
      const link = button.parentElement.querySelector('a');
      window.getSelection().selectAllChildren(link);
      return;
    }
    button.textContent = button.dataset.done;
  });
}
