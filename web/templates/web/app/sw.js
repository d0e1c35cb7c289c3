{% autoescape off %}/* Sprachmittlerpool's service worker (served at /sw.js by web/views/app.py; the rules are
   in web/offline.py). Pages: network first. A copy is kept only of the pages the server
   marks "X-Offline: keep" (a mediator's appointments, offers and offer pages), filed under
   the signed-in person's key; without a network, the copy is shown with the "offline" note.
   Another person's key, a page without a key (signed out) or the signed-out page's message
   deletes every copy. POSTs and everything outside the pages and /static/ go to the network
   untouched. */
"use strict";

importScripts({{ push_script }});

const PAGES = "smp-pages-";
const STATIC = "smp-static";
const META = "smp-meta";
const CURRENT = "/__offline-key__";
const KEY_HEADER = "{{ key_header|escapejs }}";
const KEEP_HEADER = "{{ keep_header|escapejs }}";
const STATIC_PREFIX = "{{ static_prefix|escapejs }}";
const NOTE_HIDDEN = "data-offline-note hidden";
const NOTE_SHOWN = "data-offline-note";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", event => event.waitUntil(self.clients.claim()));

async function forgetAll() {
  const names = await caches.keys();
  await Promise.all(names.filter(name => name.startsWith("smp-")).map(name => caches.delete(name)));
}

async function currentKey() {
  const meta = await caches.open(META);
  const stored = await meta.match(CURRENT);
  return stored ? stored.text() : null;
}

async function setCurrentKey(key) {
  if ((await currentKey()) === key) return;
  // A new person on this device: nobody else's copies stay.
  await forgetAll();
  const meta = await caches.open(META);
  await meta.put(CURRENT, new Response(key));
}

async function remember(request, response) {
  const key = response.headers.get(KEY_HEADER);
  if (!key) {
    if (response.ok) await forgetAll();
    return;
  }
  await setCurrentKey(key);
  if (response.ok && !response.redirected && response.headers.get(KEEP_HEADER) === "keep") {
    const pages = await caches.open(PAGES + key);
    await pages.put(request.url, response.clone());
  }
}

async function fromCopy(request) {
  const key = await currentKey();
  if (!key) return null;
  const pages = await caches.open(PAGES + key);
  const copy = await pages.match(request.url);
  if (!copy) return null;
  const html = (await copy.text()).replace(NOTE_HIDDEN, NOTE_SHOWN);
  return new Response(html, {status: 200, headers: copy.headers});
}

async function page(request) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    return (await fromCopy(request)) || Response.error();
  }
  if (response.status >= 500) {
    const copy = await fromCopy(request);
    if (copy) return copy;
  }
  await remember(request, response);
  return response;
}

async function staticFile(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const files = await caches.open(STATIC);
      await files.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const files = await caches.open(STATIC);
    return (await files.match(request)) || Response.error();
  }
}

self.addEventListener("fetch", event => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticFile(request));
  }
});

self.addEventListener("message", event => {
  if (event.data === "forget") event.waitUntil(forgetAll());
});
{% endautoescape %}