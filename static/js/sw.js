// Service worker for the log page: network first, and the last copy when the network
// or the server is gone, so that the page reloads offline and its queue is not stranded.
// Only the log pages and static files are touched; the API always goes to the network.
'use strict';

const PAGES = 'lm-pages';
const STATIC = 'lm-static-v2';
const ASSETS = [
  '/static/css/app.css', '/static/css/phone.css', '/static/js/log.js',
  '/static/js/dom.js', '/static/js/live.js',
  '/static/css/cases.css', '/static/js/cases.js',
  '/static/vendor/socket.io.esm.min.js', '/static/icons/icon.svg',
];
const PAGE_TIMEOUT_MS = 6000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(ASSETS))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== STATIC && n !== PAGES)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function isLogPage(url) {
  return /^\/m\/[^/]+\/log$/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && isLogPage(url)) {
    event.respondWith(networkFirst(request, PAGES, url.pathname, PAGE_TIMEOUT_MS));
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(networkFirst(request, STATIC, url.pathname, 0));
  }
});

function withTimeout(promise, ms) {
  if (!ms) return promise;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

async function networkFirst(request, cacheName, key, timeout) {
  const cache = await caches.open(cacheName);
  try {
    const response = await withTimeout(fetch(request), timeout);
    if (response.ok) {
      cache.put(key, response.clone());
      return response;
    }
    if (response.status < 500) return response;
    return (await cache.match(key)) || response;
  } catch (error) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw error;
  }
}
