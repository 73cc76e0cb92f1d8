// The host console's embed card: copy the widget's <iframe> snippet or the overlay's address.
'use strict';

const card = document.getElementById('embed');

for (const button of card.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = card.dataset.msgCopied;
    } catch {
      // No clipboard (an insecure origin, or refused): the text stays selected to copy.
    }
  });
}
