// Printable pages (report, poster, certificates): the print button and the hourly chart.
'use strict';

import { pageLang } from './dom.js';

for (const button of document.querySelectorAll('[data-print]')) {
  button.addEventListener('click', () => window.print());
}

const canvas = document.querySelector('canvas[data-testid="hourly"]');
if (canvas && window.Chart) {
  const counts = canvas.dataset.counts ? canvas.dataset.counts.split(',').map(Number) : [];
  const labels = canvas.dataset.labels ? canvas.dataset.labels.split(',') : [];
  // Drawn once, without animation, so that printing catches the finished chart.
  new window.Chart(canvas, {
    type: 'bar',
    data: { labels, datasets: [{ label: canvas.dataset.label, data: counts, backgroundColor: '#111',
                                 borderColor: '#111' }] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      locale: pageLang(),  // the axis numbers
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                x: { ticks: { autoSkip: true, maxRotation: 0 } } },
    },
  });
  canvas.dataset.ready = 'true';
}
